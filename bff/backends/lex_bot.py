"""The Lex V2 bot as CloudFormation, generated from the bot definition (``bff assistant cloudformation``).

One template, ``infra/bot/assistant.yaml``: the bot's IAM role, the ``AWS::Lex::Bot`` with one locale (slot
types, intents with their sample utterances, slots and prompts, closing responses), a version built from the
draft, and a ``live`` alias on it. Its outputs are what the service stack takes (``LexBotId``,
``LexBotAliasId``). Lex has no fulfilment hook here: a complete intent closes as ``ReadyForFulfillment`` and
the BFF fulfils it (cards).

Built-in types map as they are, except a slot with ``valueRegex``: it gets a slot type of its own extending
``AMAZON.AlphaNumeric`` with that regular expression (how Lex V2 restricts the built-in type).
"""

from __future__ import annotations

from typing import Any

from bff.domain.assistant import BotDefinition, Intent, Slot

BOT = "AssistantBot"
MAX_RETRIES = 2


def _message(text: str) -> dict[str, Any]:
    return {"MessageGroupsList": [{"Message": {"PlainTextMessage": {"Value": text}}}]}


def _regex_type_name(intent: Intent, slot: Slot) -> str:
    return f"{intent.name}{slot.name[0].upper()}{slot.name[1:]}"


def _slot_types(bot: BotDefinition) -> list[dict[str, Any]]:
    types: list[dict[str, Any]] = [
        {
            "Name": t.name,
            "Description": t.description,
            "SlotTypeValues": [
                {"SampleValue": {"Value": v.value}, "Synonyms": [{"Value": s} for s in v.synonyms]}
                if v.synonyms
                else {"SampleValue": {"Value": v.value}}
                for v in t.values
            ],
            "ValueSelectionSetting": {"ResolutionStrategy": "TOP_RESOLUTION"},
        }
        for t in bot.slot_types
    ]
    for intent in bot.intents:
        for slot in intent.slots:
            if slot.value_regex:
                types.append(
                    {
                        "Name": _regex_type_name(intent, slot),
                        "Description": f"{slot.name} of {intent.name}: {slot.type} matching a pattern.",
                        "ParentSlotTypeSignature": slot.type,
                        "ValueSelectionSetting": {
                            "ResolutionStrategy": "ORIGINAL_VALUE",
                            "RegexFilter": {"Pattern": slot.value_regex},
                        },
                    }
                )
    return types


def _slot(intent: Intent, slot: Slot) -> dict[str, Any]:
    prompt = _message(slot.prompt or f"What is the {slot.name}?")
    return {
        "Name": slot.name,
        "SlotTypeName": _regex_type_name(intent, slot) if slot.value_regex else slot.type,
        "ValueElicitationSetting": {
            "SlotConstraint": "Required" if slot.required else "Optional",
            "PromptSpecification": {**prompt, "MaxRetries": MAX_RETRIES, "AllowInterrupt": True},
        },
    }


def _intent(intent: Intent) -> dict[str, Any]:
    body: dict[str, Any] = {"Name": intent.name, "Description": intent.description}
    if intent.fallback:
        # Lex's built-in fallback takes no sample utterances and no slots.
        body["ParentIntentSignature"] = "AMAZON.FallbackIntent"
    else:
        body["SampleUtterances"] = [{"Utterance": u} for u in intent.utterances]
        if intent.slots:
            body["Slots"] = [_slot(intent, s) for s in intent.slots]
            body["SlotPriorities"] = [{"Priority": i, "SlotName": s.name} for i, s in enumerate(intent.slots, 1)]
    if intent.response:
        # `{slot}` in a response is Lex's own slot reference syntax too.
        body["IntentClosingSetting"] = {"ClosingResponse": _message(intent.response), "IsActive": True}
    return body


def bot_template(bot: BotDefinition) -> dict[str, Any]:
    """The CloudFormation template of the bot, alias and role (a plain dict, dumped as YAML)."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"Amazon Lex V2 bot {bot.name}, generated from bff/assistant/bot.yaml: do not edit.",
        "Parameters": {
            "EnvironmentName": {"Type": "String", "Default": "prod", "AllowedPattern": "^[a-z][a-z0-9-]{0,19}$"}
        },
        "Resources": {
            "AssistantBotRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "lexv2.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    },
                    "Policies": [
                        {
                            "PolicyName": "sentiment",
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {"Effect": "Allow", "Action": "comprehend:DetectSentiment", "Resource": "*"}
                                ],
                            },
                        }
                    ],
                },
            },
            BOT: {
                "Type": "AWS::Lex::Bot",
                "Properties": {
                    "Name": {"Fn::Sub": f"{bot.name}-${{EnvironmentName}}"},
                    "Description": bot.description,
                    "RoleArn": {"Fn::GetAtt": ["AssistantBotRole", "Arn"]},
                    "DataPrivacy": {"ChildDirected": False},
                    "IdleSessionTTLInSeconds": bot.idle_session_ttl_seconds,
                    "AutoBuildBotLocales": True,
                    "BotLocales": [
                        {
                            "LocaleId": bot.locale,
                            "NluConfidenceThreshold": bot.confidence_threshold,
                            "SlotTypes": _slot_types(bot),
                            "Intents": [_intent(i) for i in bot.intents],
                        }
                    ],
                },
            },
            "AssistantBotVersion": {
                "Type": "AWS::Lex::BotVersion",
                "Properties": {
                    "BotId": {"Ref": BOT},
                    "BotVersionLocaleSpecification": [
                        {"LocaleId": bot.locale, "BotVersionLocaleDetails": {"SourceBotVersion": "DRAFT"}}
                    ],
                },
            },
            "AssistantBotAlias": {
                "Type": "AWS::Lex::BotAlias",
                "Properties": {
                    "BotId": {"Ref": BOT},
                    "BotAliasName": "live",
                    "BotVersion": {"Fn::GetAtt": ["AssistantBotVersion", "BotVersion"]},
                },
            },
        },
        "Outputs": {
            "LexBotId": {"Description": "BFF_LEX_BOT_ID (the service stack's LexBotId)", "Value": {"Ref": BOT}},
            "LexBotAliasId": {
                "Description": "BFF_LEX_BOT_ALIAS_ID (the service stack's LexBotAliasId)",
                "Value": {"Fn::GetAtt": ["AssistantBotAlias", "BotAliasId"]},
            },
            "LexLocaleId": {"Description": "BFF_LEX_LOCALE_ID", "Value": bot.locale},
        },
    }


def bot_template_yaml(bot: BotDefinition) -> str:
    import yaml

    header = "# Generated by `bff assistant cloudformation` from bff/assistant/bot.yaml: edit that, not this.\n"
    return header + yaml.safe_dump(bot_template(bot), sort_keys=False, width=120, allow_unicode=True)
