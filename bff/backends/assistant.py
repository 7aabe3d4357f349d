"""The ``Assistant`` port: one shopper message in, the bot's answer out (messages, intent, slots, dialog state).

Adapters: ``LexAssistant`` (Amazon Lex V2, ``lexv2-runtime`` RecognizeText: ``bff/backends/lex.py``) and
``EmbeddedAssistant`` (a classifier trained in process, ``bff/backends/local/assistant_embedded.py``). Both
take the bot definition in ``bff/assistant/bot.yaml`` as their source (``load_bot_definition``).

Optional: when the assistant is slow or failing, the caller answers with a friendly fallback message and
the response carries a ``DEGRADED`` warning. ``recognize`` moves a dialog on, so it is never retried.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Protocol, runtime_checkable

import yaml

from bff.backends.ports import PortSpec
from bff.domain.assistant import AssistantTurn, BotDefinition, parse_bot

BOT_DEFINITION = "assistant/bot.yaml"


@runtime_checkable
class Assistant(Protocol):
    async def recognize(self, session_id: str, text: str) -> AssistantTurn:
        """The bot's answer to ``text`` in the dialog ``session_id`` (2-100 characters of [0-9A-Za-z._:-])."""

    async def close(self) -> None: ...


ASSISTANT: PortSpec[Assistant] = PortSpec(Assistant, "assistant", optional=True)


def bot_definition_text() -> str:
    return (resources.files("bff") / BOT_DEFINITION).read_text(encoding="utf-8")


@cache
def load_bot_definition() -> BotDefinition:
    """The packaged bot definition, parsed and checked."""
    return parse_bot(yaml.safe_load(bot_definition_text()))
