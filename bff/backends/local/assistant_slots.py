"""Slot values from a shopper's text, for the embedded assistant.

- a custom slot type (values with synonyms): the words of the text, one to three at a time, matched against
  every value and synonym with rapidfuzz (similarity 85 of 100 or more, so "sneakrs" finds sneaker); the
  best match resolves to its value, as Lex's top resolution does;
- ``AMAZON.Number``: a number, preferably after "under", "below", "less than", "up to" or a currency sign;
- ``AMAZON.AlphaNumeric``: the slot's ``valueRegex`` (an order number), else a word with a digit;
- ``AMAZON.City`` / ``AMAZON.PostalCode``: what follows "near", "in", "around" or "close to"; when the
  slot was just asked for, the whole reply.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from bff.domain.assistant import BotDefinition, Slot, SlotType

MIN_SIMILARITY = 85
PRICE = re.compile(
    r"(?:under|below|less than|up to|at most|max(?:imum)?|cheaper than|<)\s*[$€£]?\s*(\d+(?:[.,]\d{1,2})?)"
    r"|[$€£]\s*(\d+(?:[.,]\d{1,2})?)"
    r"|(\d+(?:[.,]\d{1,2})?)\s*(?:dollars|euros|pounds|bucks|usd|eur|gbp)",
    re.IGNORECASE,
)
NUMBER = re.compile(r"\d+(?:[.,]\d{1,2})?")
PLACE = re.compile(r"\b(?:near|in|around|close to|closest to|at|by)\s+(.+)$", re.IGNORECASE)
NOT_PLACES = frozenset({"me", "here", "store", "stores", "a store", "person", "my area", "size"})
ALPHANUMERIC = r"[A-Za-z]*\d[\w-]*"
WORD = re.compile(r"[\w'-]+")


class SlotReader:
    def __init__(self, bot: BotDefinition) -> None:
        self.bot = bot
        # Per custom type: (folded phrase, resolved value), longest phrases first.
        self._phrases: dict[str, list[tuple[str, str]]] = {}
        for slot_type in bot.slot_types:
            self._phrases[slot_type.name] = _phrases(slot_type)

    def read(self, slot: Slot, text: str, *, asked: bool) -> str | None:
        """The slot's value in ``text``; ``asked``: the slot was just asked for (the reply is its value)."""
        if slot.type in self._phrases:
            return self._custom(slot.type, text)
        if slot.type == "AMAZON.Number":
            found = PRICE.search(text)
            if found:
                return _number(next(g for g in found.groups() if g))
            plain = NUMBER.search(text) if asked else None
            return _number(plain.group()) if plain else None
        if slot.type == "AMAZON.AlphaNumeric":
            pattern = re.compile(r"(?<![\w-])(" + (slot.value_regex or ALPHANUMERIC) + r")(?![\w-])")
            match = pattern.search(text)
            return match.group(1).lstrip("#").upper() if match else None
        # A place: after a preposition, or the whole reply when it was asked for.
        match = PLACE.search(text)
        place = match.group(1) if match else (text if asked else None)
        if place is None:
            return None
        place = place.strip(" ?.!,")
        return place if place and place.lower() not in NOT_PLACES and len(place) <= 100 else None

    def _custom(self, type_name: str, text: str) -> str | None:
        words = [w.lower() for w in WORD.findall(text)]
        grams = {" ".join(words[i : i + n]) for n in (3, 2, 1) for i in range(len(words) - n + 1)}
        best: tuple[float, int, str] | None = None
        for phrase, value in self._phrases[type_name]:
            for gram in grams:
                if abs(len(gram) - len(phrase)) > 3:
                    continue
                score = 100.0 if gram == phrase else fuzz.ratio(gram, phrase)
                # Short words must match exactly: "m" or "top" are too easily near something else.
                if score >= MIN_SIMILARITY and (len(phrase) > 3 or score == 100):
                    candidate = (score, len(phrase), value)
                    if best is None or candidate[:2] > best[:2]:
                        best = candidate
        return best[2] if best else None


def _phrases(slot_type: SlotType) -> list[tuple[str, str]]:
    phrases = [(p.lower(), v.value) for v in slot_type.values for p in (v.value, *v.synonyms)]
    return sorted(phrases, key=lambda p: -len(p[0]))


def _number(text: str) -> str:
    return text.replace(",", ".")
