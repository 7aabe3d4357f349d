"""The OpenSearch stand-in's indices: mappings read like a cluster reads them, text analysed like Lucene's
analysers (standard tokenizer, lowercase, asciifolding, the English stop list, possessive and Porter stemming,
shingles, edge n-grams of ``search_as_you_type``), documents held per index with per-field term statistics.

Porter stemming is SQLite FTS5's ``porter`` tokenizer: the same Martin Porter algorithm Lucene's
``PorterStemFilter`` (the ``english`` stemmer) implements. Searches see a write at once: a real cluster shows
it after the next refresh (every second by default).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]
# Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET, the `_english_` list.
ENGLISH_STOP = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not"}
    | {"of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was"}
    | {"will", "with"}
)
# UAX#29 words, roughly: letters/digits joined by in-word apostrophes and dots ("chef's", "3.5").
TOKEN = re.compile(r"[^\W_]+(?:['\u2019.][^\W_]+)*")
MAX_PREFIX = 20  # search_as_you_type's default max edge n-gram


class Stemmer:
    """Porter stems through SQLite FTS5's porter tokenizer, cached."""

    def __init__(self) -> None:
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute("CREATE VIRTUAL TABLE w USING fts5(t, tokenize='porter ascii')")
        self._conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(w, 'instance')")
        self._cache: dict[str, str] = {}

    def stem(self, word: str) -> str:
        found = self._cache.get(word)
        if found is None:
            if not word.isascii() or not word.isalpha():
                found = word
            else:
                self._conn.execute("INSERT INTO w(rowid, t) VALUES (1, ?)", (word,))
                row = self._conn.execute("SELECT term FROM v").fetchone()
                self._conn.execute("DELETE FROM w")
                found = row[0] if row else word
            self._cache[word] = found
        return found


STEMMER = Stemmer()


def fold(token: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", token) if not unicodedata.combining(c))


def _possessive(token: str) -> str:
    return re.sub(r"['\u2019][sS]$", "", token)


def _shingles(tokens: list[str], low: int, high: int, unigrams: bool) -> list[str]:
    out = list(tokens) if unigrams else []
    for size in range(low, high + 1):
        out += [" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]
    return out


Filter = Callable[[list[str]], list[str]]


def _token_filter(spec: Json) -> Filter:
    kind = spec["type"]
    if kind == "lowercase":
        return lambda ts: [t.lower() for t in ts]
    if kind == "asciifolding":
        return lambda ts: [fold(t) for t in ts]
    if kind == "stop":
        return lambda ts: [t for t in ts if t not in ENGLISH_STOP]
    if kind == "stemmer" and spec.get("language") == "possessive_english":
        return lambda ts: [_possessive(t) for t in ts]
    if kind == "stemmer" and spec.get("language") in ("english", "porter"):
        return lambda ts: [STEMMER.stem(t) for t in ts]
    if kind == "shingle":
        low, high = spec.get("min_shingle_size", 2), spec.get("max_shingle_size", 2)
        return lambda ts: _shingles(ts, low, high, spec.get("output_unigrams", True))
    raise ValueError(f"the stand-in has no token filter {spec}")


BUILTIN_FILTERS: dict[str, Json] = {
    "lowercase": {"type": "lowercase"},
    "asciifolding": {"type": "asciifolding"},
}


def analyzer(name: str, settings: Json) -> Callable[[str], list[str]]:
    """A named analyser of an index (its custom ones, or ``standard``/``english``/``simple``/``keyword``)."""
    if name == "keyword":
        return lambda text: [text]
    if name == "simple":
        return lambda text: [w.lower() for w in re.findall(r"[^\W\d_]+", text)]
    analysis = settings.get("analysis", {})
    custom = analysis.get("analyzer", {}).get(name)
    if name == "english" and custom is None:
        specs: list[Json] = [
            {"type": "stemmer", "language": "possessive_english"},
            {"type": "lowercase"},
            {"type": "stop"},
            {"type": "stemmer", "language": "english"},
        ]
    elif name == "standard" or custom is None:
        specs = [{"type": "lowercase"}]
    else:
        defined = analysis.get("filter", {})
        specs = [defined.get(f) or BUILTIN_FILTERS[f] for f in custom.get("filter", [])]
    filters = [_token_filter(s) for s in specs]

    def run(text: str) -> list[str]:
        tokens = TOKEN.findall(text)
        for f in filters:
            tokens = f(tokens)
        return [t for t in tokens if t]

    return run


@dataclass
class FieldSpec:
    """One searchable field path: where its value comes from and how it becomes terms."""

    path: str
    source: str
    type: str
    analyze: Callable[[str], list[str]]
    search_analyze: Callable[[str], list[str]]


def _sayt(path: str, source: str, base: Callable[[str], list[str]]) -> list[FieldSpec]:
    def grams(size: int) -> Callable[[str], list[str]]:
        return lambda text: _shingles(base(text), size, size, False)

    def prefixes(text: str) -> list[str]:
        shingles = _shingles(base(text), 2, 3, True)
        return [s[:n] for s in shingles for n in range(1, min(len(s), MAX_PREFIX) + 1)]

    return [
        FieldSpec(path, source, "text", base, base),
        FieldSpec(f"{path}._2gram", source, "text", grams(2), grams(2)),
        FieldSpec(f"{path}._3gram", source, "text", grams(3), grams(3)),
        FieldSpec(f"{path}._index_prefix", source, "text", prefixes, base),
    ]


def field_specs(mappings: Json, settings: Json) -> tuple[dict[str, FieldSpec], dict[str, list[str]]]:
    """Every field path of ``mappings`` (sub-fields included), and the ``copy_to`` targets of each source."""
    specs: dict[str, FieldSpec] = {}
    copies: dict[str, list[str]] = {}

    def add(path: str, source: str, mapping: Json) -> None:
        kind = mapping.get("type", "object")
        if kind in ("text", "search_as_you_type"):
            analyze = analyzer(mapping.get("analyzer", "standard"), settings)
            search = analyzer(str(mapping.get("search_analyzer", mapping.get("analyzer", "standard"))), settings)
            if kind == "search_as_you_type":
                specs.update({s.path: s for s in _sayt(path, source, analyze)})
            else:
                specs[path] = FieldSpec(path, source, kind, analyze, search)
        elif kind == "completion":
            simple = analyzer(mapping.get("analyzer", "simple"), settings)
            specs[path] = FieldSpec(path, source, kind, simple, simple)
        else:
            specs[path] = FieldSpec(path, source, kind, lambda v: [v], lambda v: [v])
        for sub, sub_mapping in mapping.get("fields", {}).items():
            add(f"{path}.{sub}", source, sub_mapping)
        targets = mapping.get("copy_to", [])
        copies[path] = [targets] if isinstance(targets, str) else list(targets)

    for name, mapping in mappings.get("properties", {}).items():
        add(name, name, mapping)
    return specs, copies


@dataclass
class FakeIndex:
    """One index: its settings and mappings, its documents, and per text field the terms of each document."""

    name: str
    settings: Json
    mappings: Json
    docs: dict[str, Json] = field(default_factory=dict)
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    copies: dict[str, list[str]] = field(default_factory=dict)
    # Per text field: term -> doc -> term frequency, and doc -> length (terms).
    postings: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    lengths: dict[str, dict[str, int]] = field(default_factory=dict)
    doc_terms: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.fields, self.copies = field_specs(self.mappings, self.settings)

    def check(self, source: Json) -> str | None:
        """Why a strict mapping refuses ``source`` (an unknown field), or ``None``."""
        if self.mappings.get("dynamic") == "strict":
            for key in source:
                if key not in self.mappings.get("properties", {}):
                    return f"mapping set to strict, dynamic introduction of [{key}] within [_doc] is not allowed"
        return None

    def values(self, spec: FieldSpec, doc_id: str) -> list[Any]:
        source = self.docs[doc_id]
        value = source.get(spec.source)
        if spec.type == "completion" and isinstance(value, dict):
            value = value.get("input")
        found = [] if value is None else list(value) if isinstance(value, list) else [value]
        for origin, targets in self.copies.items():
            if spec.path in targets and source.get(origin) is not None:
                extra = source[origin]
                found += list(extra) if isinstance(extra, list) else [extra]
        return found

    def put(self, doc_id: str, source: Json) -> None:
        self.remove(doc_id)
        self.docs[doc_id] = source
        for path, spec in self.fields.items():
            if spec.type in ("text", "search_as_you_type"):
                counts = Counter(t for v in self.values(spec, doc_id) for t in spec.analyze(str(v)))
                postings = self.postings.setdefault(path, {})
                for term, tf in counts.items():
                    postings.setdefault(term, {})[doc_id] = tf
                self.lengths.setdefault(path, {})[doc_id] = sum(counts.values())
                self.doc_terms.setdefault(path, {})[doc_id] = list(counts)

    def remove(self, doc_id: str) -> bool:
        if doc_id not in self.docs:
            return False
        for path, postings in self.postings.items():
            self.lengths[path].pop(doc_id, None)
            for term in self.doc_terms[path].pop(doc_id, []):
                docs = postings[term]
                docs.pop(doc_id, None)
                if not docs:
                    del postings[term]
        del self.docs[doc_id]
        return True
