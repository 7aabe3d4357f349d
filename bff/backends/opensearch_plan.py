"""How the OpenSearch adapter plans a text query, word by word, as the embedded engine does (``fts_query.plan``).

The first request searches the words as typed (every word must match, in whichever field holds it:
``cross_fields``) and carries, as a ``global`` aggregation, what planning needs to know about each word:
whether the index holds it (stemmed, in any field), whether indexed words (unstemmed) start with it, and,
from a ``term`` suggester over the unstemmed words of the named fields (title, brand, type, categories,
tags; never descriptions), its nearest spellings. A word the index holds is searched as is; one that only starts indexed
words is a prefix ("leath"); one within ``AUTO:5,6`` edits of a named field's word is replaced by it
("backpak" -> "backpack", reported as the corrected query); anything else stays as typed. When the plan
differs from the words as typed, the planned query runs instead. When every word is required and the text
matches nothing in the whole index (whatever the filters), a query of several words runs again with any word
required. So a search costs one request, two when a word was corrected or nothing matched all words, at most
three.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from bff.backends.local.search_text import edit_distance, max_edits
from bff.backends.opensearch_index import SPELLING_FIELD, TEXT_FIELDS, WORD_FIELDS

Json = dict[str, Any]
PLAN = "plan"
TEXT_MATCHES = "text"
MIN_PREFIX = 3  # shorter unknown words are not searched as prefixes (as in the embedded engine)
MIN_CORRECTED = 5  # AUTO:5,6: words up to 4 letters are never corrected


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    kind: Literal["exact", "prefix"] = "exact"
    corrected: bool = False


def _exact(words: list[str], operator: str) -> Json:
    match: Json = {"query": " ".join(words), "type": "cross_fields", "fields": TEXT_FIELDS, "operator": operator}
    if operator == "or":
        match["minimum_should_match"] = 1
    return {"multi_match": match}


def _prefix(word: str) -> Json:
    # One word: a prefix query on each field (match_bool_prefix), scored by the fields that hold it.
    return {"multi_match": {"query": word, "type": "bool_prefix", "fields": TEXT_FIELDS}}


def text_query(words: list[Word], all_words: bool = True) -> Json:
    """Every word required (in any field), or with ``all_words`` false any of them."""
    exact = [w.text for w in words if w.kind == "exact"]
    clauses = [_exact(exact, "and" if all_words else "or")] if exact else []
    clauses += [_prefix(w.text) for w in words if w.kind == "prefix"]
    if len(clauses) == 1:
        return clauses[0]
    if all_words:
        return {"bool": {"must": clauses}}
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def count_aggs(query: Json) -> Json:
    """How many documents of the whole index ``query`` matches (filters and scope aside)."""
    return {PLAN: {"global": {}, "aggs": {TEXT_MATCHES: {"filter": query}}}}


def probe(terms: list[str]) -> tuple[Json, Json]:
    """The aggregations and the suggester the first request carries to plan ``terms``."""
    checks: Json = {TEXT_MATCHES: {"filter": text_query([Word(t) for t in terms])}}
    for i, term in enumerate(terms):
        checks[f"known_{i}"] = {"filter": _exact([term], "and")}
        if len(term) >= MIN_PREFIX:
            # Words as written, not stems: "sunglases" stems to "sunglas", which starts "sunglass".
            checks[f"prefix_{i}"] = {
                "filter": {"multi_match": {"query": term, "type": "bool_prefix", "fields": WORD_FIELDS}}
            }
    suggest = {
        "spelling": {
            "text": " ".join(terms),
            "term": {
                "field": SPELLING_FIELD,
                "suggest_mode": "missing",
                "min_word_length": MIN_CORRECTED,
                "max_edits": 2,
                "prefix_length": 1,
                "size": 5,
            },
        }
    }
    return {PLAN: {"global": {}, "aggs": checks}}, suggest


def text_matches(response: Json) -> int | None:
    """The whole-index match count a request carried (``count_aggs``/``probe``), if it did."""
    found = response.get("aggregations", {}).get(PLAN, {}).get(TEXT_MATCHES)
    return None if found is None else int(found["doc_count"])


def _spellings(response: Json) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for entry in response.get("suggest", {}).get("spelling", []):
        found.setdefault(entry["text"], [o["text"] for o in entry.get("options", [])])
    return found


def plan(terms: list[str], response: Json) -> list[Word]:
    """Each word as it will be searched, from the first response's probe (as typed when it has none)."""
    checks = response.get("aggregations", {}).get(PLAN)
    if checks is None:
        return [Word(t) for t in terms]
    spellings = _spellings(response)
    words: list[Word] = []
    for i, term in enumerate(terms):
        if checks.get(f"known_{i}", {}).get("doc_count", 1):
            words.append(Word(term))
        elif checks.get(f"prefix_{i}", {}).get("doc_count", 0):
            words.append(Word(term, "prefix"))
        elif close := [s for s in spellings.get(term, []) if edit_distance(term, s, 2) <= max_edits(term)]:
            words.append(Word(close[0], corrected=True))
        else:
            words.append(Word(term))
    return words
