"""``EmbeddedAssistant``: the bot definition run in process, with Lex V2's contract and dialog.

A message is classified (``IntentClassifier``), the intent's slots are read from it (``SlotReader``), and
while a required slot is missing the bot asks for it (``ElicitSlot`` with the slot's prompt); the reply is
read for that slot first, and only a confident new intent interrupts the dialog. With every required slot
filled the intent is ``ReadyForFulfillment`` and the dialog closes with the intent's response. Dialogs live
in memory, per session id, at most ``max_sessions`` of them, each forgotten after ``ttl_seconds`` unused.
The classifier trains on the first message (a second or two, on a worker thread), not at start-up.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from bff.backends.local.assistant_classifier import IntentClassifier
from bff.backends.local.assistant_slots import SlotReader
from bff.domain.assistant import (
    CLOSE,
    ELICIT_INTENT,
    ELICIT_SLOT,
    FAILED,
    IN_PROGRESS,
    READY,
    SLOT_REFERENCE,
    AssistantTurn,
    BotDefinition,
    Intent,
    IntentMatch,
)

# A confident different intent interrupts a slot being asked for ("actually, where is my order?").
SWITCH_CONFIDENCE = 0.75
# Slot types whose value may be any reply: a confident new intent wins over them.
FREE_TEXT = frozenset({"AMAZON.City", "AMAZON.PostalCode"})
# Asking for the same slot more often than this gives up on the intent.
MAX_ELICITATIONS = 3


@dataclass(slots=True)
class Dialog:
    intent: str
    confidence: float | None
    slots: dict[str, str | None] = field(default_factory=dict)
    asking: str | None = None
    asked: int = 0


class EmbeddedAssistant:
    def __init__(self, bot: BotDefinition, *, max_sessions: int = 10_000, ttl_seconds: float = 900.0) -> None:
        self.bot = bot
        self._trained: tuple[IntentClassifier, SlotReader] | None = None
        self._training = asyncio.Lock()
        self._sessions: OrderedDict[str, tuple[float, Dialog]] = OrderedDict()
        self._max_sessions = max_sessions
        self._ttl = ttl_seconds

    @property
    def classifier(self) -> IntentClassifier:
        assert self._trained is not None, "trained on first use (train())"
        return self._trained[0]

    @property
    def slots(self) -> SlotReader:
        assert self._trained is not None, "trained on first use (train())"
        return self._trained[1]

    async def train(self) -> None:
        """Train from the definition, once, off the event loop (a second or two), on first use."""
        async with self._training:
            if self._trained is None:
                self._trained = await asyncio.to_thread(lambda: (IntentClassifier(self.bot), SlotReader(self.bot)))

    def _dialog(self, session_id: str) -> Dialog | None:
        found = self._sessions.pop(session_id, None)
        if found is None or time.monotonic() - found[0] > self._ttl:
            return None
        return found[1]

    def _keep(self, session_id: str, dialog: Dialog | None) -> None:
        if dialog is None:
            return
        self._sessions[session_id] = (time.monotonic(), dialog)
        while len(self._sessions) > self._max_sessions:
            self._sessions.popitem(last=False)

    async def recognize(self, session_id: str, text: str) -> AssistantTurn:
        if self._trained is None:
            await self.train()
        dialog = self._dialog(session_id)
        turn, dialog = self._turn(session_id, text, dialog)
        self._keep(session_id, dialog)
        return turn

    def _turn(self, session_id: str, text: str, dialog: Dialog | None) -> tuple[AssistantTurn, Dialog | None]:
        match = self.classifier.classify(text)
        if dialog is not None and dialog.asking is not None:
            intent = self.bot.intent(dialog.intent)
            assert intent is not None
            slot = intent.slot(dialog.asking)
            value = self.slots.read(slot, text, asked=True) if slot else None
            switching = match.name != dialog.intent and (match.confidence or 0) >= SWITCH_CONFIDENCE
            if value is not None and not (switching and slot is not None and slot.type in FREE_TEXT):
                dialog.slots[dialog.asking] = value
                self._fill(intent, text, dialog, skip=dialog.asking)
                return self._next(session_id, intent, dialog)
            if not switching:
                dialog.asked += 1
                if dialog.asked >= MAX_ELICITATIONS:
                    return self._give_up(session_id, intent, dialog), None
                return self._next(session_id, intent, dialog)
        intent = self.bot.intent(match.name)
        assert intent is not None
        if intent.fallback:
            return (
                AssistantTurn(
                    session_id=session_id,
                    messages=(intent.response,),
                    intent=match,
                    dialog_action=ELICIT_INTENT,
                    intent_state=FAILED,
                ),
                None,
            )
        dialog = Dialog(intent.name, match.confidence, {s.name: None for s in intent.slots})
        self._fill(intent, text, dialog)
        return self._next(session_id, intent, dialog)

    def _fill(self, intent: Intent, text: str, dialog: Dialog, skip: str | None = None) -> None:
        for slot in intent.slots:
            if slot.name != skip and dialog.slots.get(slot.name) is None:
                dialog.slots[slot.name] = self.slots.read(slot, text, asked=False)

    def _next(self, session_id: str, intent: Intent, dialog: Dialog) -> tuple[AssistantTurn, Dialog | None]:
        missing = next((s for s in intent.slots if s.required and not dialog.slots.get(s.name)), None)
        match = IntentMatch(intent.name, dialog.confidence)
        if missing is not None:
            if dialog.asking != missing.name:
                dialog.asking, dialog.asked = missing.name, 0
            turn = AssistantTurn(
                session_id=session_id,
                messages=(missing.prompt,),
                intent=match,
                slots=dict(dialog.slots),
                dialog_action=ELICIT_SLOT,
                slot_to_elicit=missing.name,
                intent_state=IN_PROGRESS,
            )
            return turn, dialog
        filled = dialog.slots
        message = SLOT_REFERENCE.sub(lambda m: filled.get(m.group(1)) or "", intent.response)
        turn = AssistantTurn(
            session_id=session_id,
            messages=(message,) if message else (),
            intent=match,
            slots=dict(dialog.slots),
            dialog_action=CLOSE,
            intent_state=READY,
        )
        return turn, None

    def _give_up(self, session_id: str, intent: Intent, dialog: Dialog) -> AssistantTurn:
        return AssistantTurn(
            session_id=session_id,
            messages=(self.bot.fallback.response,),
            intent=IntentMatch(intent.name, dialog.confidence),
            slots=dict(dialog.slots),
            dialog_action=CLOSE,
            intent_state=FAILED,
        )

    async def close(self) -> None:
        self._sessions.clear()
