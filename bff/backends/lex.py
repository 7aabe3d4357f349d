"""``LexAssistant``: Amazon Lex V2 through ``lexv2-runtime`` ``RecognizeText``.

The bot (built from ``bff/assistant/bot.yaml`` by ``bff assistant cloudformation``) keeps each dialog's state
under its session id; the BFF sends the text and maps the answer: plain-text messages (an image card's title),
the top interpretation's intent and NLU confidence, the slots' interpreted values, the dialog action and the
intent's state. Throttling, server errors, denied access and timeouts become ``ServiceUnavailable``; the
SDK's own retries are off (a retried ``RecognizeText`` could move the dialog twice).
"""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError

from bff.domain.assistant import AssistantTurn, IntentMatch
from bff.errors import BadUserInput, ServiceUnavailable

log = logging.getLogger("bff.lex")


def _messages(response: dict[str, Any]) -> tuple[str, ...]:
    found = []
    for message in response.get("messages") or []:
        if message.get("contentType") == "ImageResponseCard":
            card = message.get("imageResponseCard") or {}
            text = card.get("title")
        else:
            text = message.get("content")
        if text:
            found.append(str(text))
    return tuple(found)


def _slots(intent: dict[str, Any]) -> dict[str, str | None]:
    slots: dict[str, str | None] = {}
    for name, slot in (intent.get("slots") or {}).items():
        value = (slot or {}).get("value") or {}
        interpreted = value.get("interpretedValue") or value.get("originalValue")
        slots[name] = str(interpreted) if interpreted is not None else None
    return slots


def turn_from_response(session_id: str, response: dict[str, Any]) -> AssistantTurn:
    state = response.get("sessionState") or {}
    intent = state.get("intent") or {}
    action = state.get("dialogAction") or {}
    confidence = None
    for interpretation in response.get("interpretations") or []:
        if (interpretation.get("intent") or {}).get("name") == intent.get("name"):
            score = (interpretation.get("nluConfidence") or {}).get("score")
            confidence = float(score) if score is not None else None
            break
    return AssistantTurn(
        session_id=str(response.get("sessionId") or session_id),
        messages=_messages(response),
        intent=IntentMatch(str(intent["name"]), confidence) if intent.get("name") else None,
        slots=_slots(intent),
        dialog_action=str(action.get("type") or "Close"),
        slot_to_elicit=action.get("slotToElicit"),
        intent_state=intent.get("state"),
    )


class LexAssistant:
    def __init__(
        self, client: Any, bot_id: str, bot_alias_id: str, locale_id: str, stack: AsyncExitStack | None = None
    ) -> None:
        self.client = client
        self.bot_id = bot_id
        self.bot_alias_id = bot_alias_id
        self.locale_id = locale_id
        self._stack = stack

    @classmethod
    async def open(
        cls, bot_id: str, bot_alias_id: str, locale_id: str, region: str, endpoint_url: str | None = None
    ) -> LexAssistant:
        import aioboto3
        from botocore.config import Config

        stack = AsyncExitStack()
        config = Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=1, read_timeout=3)
        client = await stack.enter_async_context(
            aioboto3.Session().client("lexv2-runtime", region_name=region, endpoint_url=endpoint_url, config=config)
        )
        return cls(client, bot_id, bot_alias_id, locale_id, stack)

    async def recognize(self, session_id: str, text: str) -> AssistantTurn:
        request = {
            "botId": self.bot_id,
            "botAliasId": self.bot_alias_id,
            "localeId": self.locale_id,
            "sessionId": session_id,
            "text": text,
        }
        try:
            response = await self.client.recognize_text(**request)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "ValidationException":
                raise BadUserInput("the assistant could not read that message", field="text") from error
            log.warning("lex RecognizeText failed: %s", code)
            raise ServiceUnavailable(f"assistant failed ({code})", capability="assistant") from error
        except (ReadTimeoutError, ConnectTimeoutError) as error:
            raise ServiceUnavailable("assistant timed out", capability="assistant", reason="timeout") from error
        except BotoCoreError as error:
            log.warning("lex RecognizeText failed: %s", type(error).__name__)
            raise ServiceUnavailable("assistant unreachable", capability="assistant") from error
        return turn_from_response(session_id, response)

    async def close(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
