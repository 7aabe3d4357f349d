"""The chat assistant: its bot definition (intents, slots, slot types, prompts, responses) and a turn's result.

The definition (``bff/assistant/bot.yaml``, format in ``docs/assistant.md``) is the single source of both
adapters: the Lex V2 bot is generated from it and the embedded classifier trains from it. ``parse_bot``
checks it: every slot's type is declared or built in, every ``{slot}`` of an utterance is a slot of its
intent, exactly one intent is the fallback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bff.domain.error_codes import ErrorCode

# Lex V2 built-in slot types the definition may use.
BUILT_IN_TYPES = frozenset({"AMAZON.Number", "AMAZON.AlphaNumeric", "AMAZON.City", "AMAZON.PostalCode"})
SLOT_REFERENCE = re.compile(r"\{(\w+)\}")
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")

# Dialog actions and intent states, as Lex V2 names them.
ELICIT_SLOT = "ElicitSlot"
CLOSE = "Close"
ELICIT_INTENT = "ElicitIntent"
READY = "ReadyForFulfillment"
IN_PROGRESS = "InProgress"
FAILED = "Failed"
FULFILLED = "Fulfilled"

# The intents the BFF fulfils (cards, answers) when they are ready.
PRODUCT_SEARCH = "ProductSearch"
ORDER_STATUS = "OrderStatus"
STORE_FINDER = "StoreFinder"


@dataclass(frozen=True, slots=True)
class SlotValue:
    value: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SlotType:
    name: str
    description: str
    values: tuple[SlotValue, ...]


@dataclass(frozen=True, slots=True)
class Slot:
    name: str
    type: str
    required: bool
    prompt: str
    value_regex: str | None = None


@dataclass(frozen=True, slots=True)
class Intent:
    name: str
    description: str
    utterances: tuple[str, ...]
    slots: tuple[Slot, ...]
    response: str
    fallback: bool = False

    def slot(self, name: str) -> Slot | None:
        return next((s for s in self.slots if s.name == name), None)


@dataclass(frozen=True, slots=True)
class BotDefinition:
    name: str
    description: str
    locale: str
    confidence_threshold: float
    idle_session_ttl_seconds: int
    slot_types: tuple[SlotType, ...]
    intents: tuple[Intent, ...]

    def intent(self, name: str) -> Intent | None:
        return next((i for i in self.intents if i.name == name), None)

    def slot_type(self, name: str) -> SlotType | None:
        return next((t for t in self.slot_types if t.name == name), None)

    @property
    def fallback(self) -> Intent:
        return next(i for i in self.intents if i.fallback)


@dataclass(frozen=True, slots=True)
class IntentMatch:
    name: str
    # 0-1; ``None`` when the service gave none.
    confidence: float | None


@dataclass(frozen=True, slots=True)
class AssistantTurn:
    """What one message to the bot answered, the same from either adapter (Lex V2's vocabulary)."""

    session_id: str
    messages: tuple[str, ...]
    intent: IntentMatch | None
    # Slot name -> its interpreted value (``None``: not filled yet).
    slots: Mapping[str, str | None] = field(default_factory=dict)
    # ElicitSlot, ElicitIntent, Close, ...
    dialog_action: str = CLOSE
    slot_to_elicit: str | None = None
    # InProgress, ReadyForFulfillment, Fulfilled, Failed
    intent_state: str | None = None

    @property
    def ready(self) -> bool:
        return self.intent_state in (READY, FULFILLED)


def parse_bot(data: Mapping[str, object]) -> BotDefinition:
    """The definition from its YAML form; ``ValueError`` naming the first problem."""
    types = tuple(_slot_type(t) for t in _items(data, "slotTypes"))
    known = {t.name for t in types} | BUILT_IN_TYPES
    intents = tuple(_intent(i, known) for i in _items(data, "intents"))
    names = [i.name for i in intents]
    if len(set(names)) != len(names):
        raise ValueError("intents: names must be unique")
    if sum(i.fallback for i in intents) != 1:
        raise ValueError("intents: exactly one intent must be `fallback: true`")
    threshold = float(data.get("nluConfidenceThreshold", 0.4))  # type: ignore[arg-type]
    if not 0 <= threshold <= 1:
        raise ValueError("nluConfidenceThreshold: between 0 and 1")
    return BotDefinition(
        name=_name(data.get("name"), "name"),
        description=str(data.get("description", "")),
        locale=str(data.get("locale", "en_US")),
        confidence_threshold=threshold,
        idle_session_ttl_seconds=int(data.get("idleSessionTtlSeconds", 300)),  # type: ignore[call-overload]
        slot_types=types,
        intents=intents,
    )


def _items(data: Mapping[str, object], key: str) -> list[Mapping[str, object]]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise ValueError(f"{key}: a list of objects")
    return value


def _name(value: object, where: str) -> str:
    if not isinstance(value, str) or not NAME.match(value):
        raise ValueError(f"{where}: a name of letters, digits and _ starting with a letter")
    return value


def _slot_type(data: Mapping[str, object]) -> SlotType:
    name = _name(data.get("name"), "slotTypes[].name")
    values = []
    for v in _items(data, "values"):
        synonyms = v.get("synonyms") or []
        if not isinstance(synonyms, list):
            raise ValueError(f"slot type {name}: synonyms must be a list")
        values.append(SlotValue(str(v["value"]), tuple(str(s) for s in synonyms)))
    if not values:
        raise ValueError(f"slot type {name}: at least one value")
    return SlotType(name, str(data.get("description", "")), tuple(values))


def _intent(data: Mapping[str, object], known_types: set[str] | frozenset[str]) -> Intent:
    name = _name(data.get("name"), "intents[].name")
    slots = []
    for s in _items(data, "slots"):
        slot_type = str(s.get("type"))
        if slot_type not in known_types:
            raise ValueError(f"intent {name}: slot {s.get('name')} has an unknown type {slot_type}")
        regex = s.get("valueRegex")
        if regex is not None:
            re.compile(str(regex))
        slots.append(
            Slot(
                name=_name(s.get("name"), f"intent {name} slot"),
                type=slot_type,
                required=bool(s.get("required", False)),
                prompt=str(s.get("prompt") or ""),
                value_regex=str(regex) if regex is not None else None,
            )
        )
    slot_names = {s.name for s in slots}
    utterances = tuple(str(u) for u in (data.get("utterances") or []))  # type: ignore[attr-defined]
    for utterance in utterances:
        unknown = set(SLOT_REFERENCE.findall(utterance)) - slot_names
        if unknown:
            raise ValueError(f"intent {name}: utterance {utterance!r} names unknown slots {sorted(unknown)}")
    response = str(data.get("response") or "")
    if set(SLOT_REFERENCE.findall(response)) - slot_names:
        raise ValueError(f"intent {name}: the response names slots the intent does not have")
    if any(s.required and not s.prompt for s in slots):
        raise ValueError(f"intent {name}: a required slot needs a prompt")
    return Intent(
        name=name,
        description=str(data.get("description", "")),
        utterances=utterances,
        slots=tuple(slots),
        response=str(data.get("response") or ""),
        fallback=bool(data.get("fallback", False)),
    )


class AssistantErrorCode(ErrorCode):
    TEXT_EMPTY = "TEXT_EMPTY", "The message is empty or only blanks."
    TEXT_TOO_LONG = "TEXT_TOO_LONG", "The message is longer than the assistant reads (BFF_ASSISTANT_MAX_TEXT_CHARS)."
    INVALID_SESSION_ID = "INVALID_SESSION_ID", "The session id is not 8-64 letters, digits, '-' or '_'."
