"""The Lex V2 bot generated from the bot definition: committed as generated, valid CloudFormation (cfn-lint),
and holding every intent, utterance, slot and slot type of the definition."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

pytest.importorskip("cfnlint", reason="cfn-lint is not installed (pip install -e '.[dev]')")
from cfnlint.api import lint_file

from bff.backends.assistant import load_bot_definition
from bff.backends.lex_bot import bot_template, bot_template_yaml

TEMPLATE = Path(__file__).resolve().parents[1] / "infra" / "bot" / "assistant.yaml"


def locale(template: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = template["Resources"]["AssistantBot"]["Properties"]["BotLocales"][0]
    return found


def test_the_committed_template_is_the_definitions() -> None:
    assert TEMPLATE.read_text() == bot_template_yaml(load_bot_definition()), "run `bff assistant cloudformation`"


def test_cfn_lint_finds_nothing() -> None:
    findings = [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in lint_file(TEMPLATE)]
    assert findings == []


def test_cfn_lint_is_live_on_a_broken_bot(tmp_path: Path) -> None:
    template = bot_template(load_bot_definition())
    locale(template)["NluConfidenceThreshold"] = 3
    del template["Resources"]["AssistantBot"]["Properties"]["RoleArn"]
    broken = tmp_path / "bot.yaml"
    broken.write_text(yaml.safe_dump(template))
    assert any(m.rule.severity == "error" for m in lint_file(broken))


def test_every_intent_slot_and_value_of_the_definition_is_in_the_bot() -> None:
    bot = load_bot_definition()
    generated = locale(yaml.safe_load(TEMPLATE.read_text()))
    assert generated["LocaleId"] == bot.locale
    assert generated["NluConfidenceThreshold"] == bot.confidence_threshold
    types = {t["Name"]: t for t in generated["SlotTypes"]}
    for slot_type in bot.slot_types:
        values = {
            v["SampleValue"]["Value"]: [s["Value"] for s in v.get("Synonyms", [])]
            for v in types[slot_type.name]["SlotTypeValues"]
        }
        assert values == {v.value: list(v.synonyms) for v in slot_type.values}
    intents = {i["Name"]: i for i in generated["Intents"]}
    assert set(intents) == {i.name for i in bot.intents}
    for intent in bot.intents:
        body = intents[intent.name]
        if intent.fallback:
            assert body["ParentIntentSignature"] == "AMAZON.FallbackIntent" and "SampleUtterances" not in body
            continue
        utterances = [u["Utterance"] for u in body["SampleUtterances"]]
        assert utterances == list(intent.utterances)
        slots = {s["Name"]: s for s in body.get("Slots", [])}
        assert set(slots) == {s.name for s in intent.slots}
        for utterance in utterances:
            assert len(utterance) <= 200 and set(re.findall(r"\{(\w+)\}", utterance)) <= set(slots)
        for slot in intent.slots:
            generated_slot = slots[slot.name]
            constraint = generated_slot["ValueElicitationSetting"]["SlotConstraint"]
            assert constraint == ("Required" if slot.required else "Optional")
            type_name = generated_slot["SlotTypeName"]
            assert type_name in types or type_name.startswith("AMAZON.")
            if slot.value_regex:
                assert types[type_name]["ParentSlotTypeSignature"] == slot.type
                assert types[type_name]["ValueSelectionSetting"]["RegexFilter"]["Pattern"] == slot.value_regex
        assert (
            body["IntentClosingSetting"]["ClosingResponse"]["MessageGroupsList"][0]["Message"]["PlainTextMessage"][
                "Value"
            ]
            == intent.response
        )
