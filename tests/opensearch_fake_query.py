"""The OpenSearch stand-in's query DSL: the queries, aggregations, sorts and suggesters the adapter sends,
evaluated over ``FakeIndex`` documents as a cluster would.

Scoring is BM25 (k1 1.2, b 0.75) per field with the field's boost, like Lucene's; ``cross_fields`` blends
each term's document frequency across its fields (the largest) and scores a term by its best field
(``tie_breaker`` 0); ``bool_prefix`` sums its fields (``most_fields``); prefix and fuzzy expansions score like
Lucene's default rewrites (a prefix as a constant, a fuzzy term by its closest expansion). What it does not
model: shards (scores are one shard's), positions (phrases), and the exact BM25 float arithmetic.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from tests.opensearch_fake_index import FakeIndex, FieldSpec, Json

Scores = dict[str, float]
K1, B = 1.2, 0.75


class QueryError(Exception):
    """A query the cluster would refuse (400 ``parsing_exception``) or the stand-in cannot run."""


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (adjacent transpositions count once), as Lucene's fuzzy automata count."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[-1]


def auto_edits(fuzziness: Any, term: str) -> int:
    """Edits ``fuzziness`` allows for ``term``: a number, ``AUTO`` (3,6) or ``AUTO:low,high``."""
    text = str(fuzziness)
    if text.upper().startswith("AUTO"):
        low, high = (int(x) for x in text.split(":", 1)[1].split(",")) if ":" in text else (3, 6)
        return 0 if len(term) < low else 1 if len(term) < high else 2
    return int(text)


def _fields(names: list[str]) -> list[tuple[str, float]]:
    found = []
    for name in names:
        path, _, boost = name.partition("^")
        found.append((path, float(boost) if boost else 1.0))
    return found


def _msm(spec: Any, optional: int) -> int:
    if spec is None:
        return 1
    text = str(spec)
    if text.endswith("%"):
        return math.floor(optional * int(text[:-1]) / 100)
    value = int(text)
    return value if value >= 0 else max(optional + value, 0)


class Searcher:
    """Runs one request's query DSL over one index."""

    def __init__(self, index: FakeIndex) -> None:
        self.index = index
        self._field_stats: dict[str, tuple[int, float]] = {}

    def spec(self, path: str) -> FieldSpec:
        found = self.index.fields.get(path)
        if found is None:
            raise QueryError(f"no mapping for field [{path}]")
        return found

    # BM25 over one text field.
    def _stats(self, path: str) -> tuple[int, float]:
        found = self._field_stats.get(path)
        if found is None:
            lengths = self.index.lengths.get(path, {})
            found = (len(lengths), (sum(lengths.values()) / len(lengths) if lengths else 1.0) or 1.0)
            self._field_stats[path] = found
        return found

    def df(self, path: str, term: str) -> int:
        return len(self.index.postings.get(path, {}).get(term, {}))

    def vocabulary(self, path: str) -> dict[str, dict[str, int]]:
        return self.index.postings.get(path, {})

    def term_scores(self, path: str, term: str, boost: float, df: int | None = None) -> Scores:
        docs, average = self._stats(path)
        postings = self.index.postings.get(path, {}).get(term, {})
        freq = df if df is not None else len(postings)
        idf = math.log(1 + (docs - freq + 0.5) / (freq + 0.5))
        lengths = self.index.lengths[path] if postings else {}
        return {
            d: boost * idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[d] / average))
            for d, tf in postings.items()
        }

    def prefix_scores(self, path: str, prefix: str, boost: float) -> Scores:
        found: Scores = {}
        for term, postings in self.vocabulary(path).items():
            if term.startswith(prefix):
                found.update(dict.fromkeys(postings, boost))
        return found

    def fuzzy_scores(self, path: str, term: str, fuzziness: Any, prefix_length: int, boost: float) -> Scores:
        edits = auto_edits(fuzziness, term)
        head = term[:prefix_length]
        found: Scores = {}
        for candidate in self.vocabulary(path):
            if candidate.startswith(head) and abs(len(candidate) - len(term)) <= edits:
                distance = edit_distance(term, candidate)
                if distance <= edits:
                    # Lucene's fuzzy rewrite scales an expansion's score by its similarity.
                    weight = 1 - distance / max(min(len(term), len(candidate)), 1)
                    for doc, score in self.term_scores(path, candidate, boost * weight).items():
                        found[doc] = max(found.get(doc, 0.0), score)
        return found

    # Queries.
    def run(self, query: Json) -> Scores:
        ((kind, body),) = query.items()
        handler = getattr(self, f"q_{kind}", None)
        if handler is None:
            raise QueryError(f"unknown query [{kind}]")
        result: Scores = handler(body)
        return result

    def q_match_all(self, body: Json) -> Scores:
        return dict.fromkeys(self.index.docs, float(body.get("boost", 1.0)))

    def q_match_none(self, body: Json) -> Scores:
        return {}

    def q_bool(self, body: Json) -> Scores:
        def clauses(name: str) -> list[Json]:
            value = body.get(name, [])
            return value if isinstance(value, list) else [value]

        must, filters, should = clauses("must"), clauses("filter"), clauses("should")
        result: Scores | None = None
        for clause in must + filters:
            scores = self.run(clause)
            weight = 1.0 if clause in must else 0.0
            if result is None:
                result = {d: s * weight for d, s in scores.items()}
            else:
                result = {d: result[d] + scores[d] * weight for d in result if d in scores}
        if should:
            needed = (
                _msm(body.get("minimum_should_match"), len(should))
                if body.get("minimum_should_match") is not None or result is None
                else 0
            )
            per_clause = [self.run(c) for c in should]
            base = result if result is not None else {d for s in per_clause for d in s}
            merged: Scores = {}
            for doc in base:
                hits = [s[doc] for s in per_clause if doc in s]
                if len(hits) >= needed:
                    merged[doc] = (result[doc] if result is not None else 0.0) + sum(hits)
            result = merged
        if result is None:
            result = self.q_match_all({})
        for clause in clauses("must_not"):
            excluded = self.run(clause)
            result = {d: s for d, s in result.items() if d not in excluded}
        return result

    def _values(self, path: str, doc: str) -> list[Any]:
        return self.index.values(self.spec(path), doc)

    def q_term(self, body: Json) -> Scores:
        ((path, value),) = body.items()
        wanted = value["value"] if isinstance(value, dict) else value
        return {d: 1.0 for d in self.index.docs if wanted in self._values(path, d)}

    def q_terms(self, body: Json) -> Scores:
        ((path, values),) = ((k, v) for k, v in body.items() if k != "boost")
        return {d: 1.0 for d in self.index.docs if set(self._values(path, d)) & set(values)}

    def q_range(self, body: Json) -> Scores:
        ((path, bounds),) = body.items()
        tests = {"gte": float.__ge__, "gt": float.__gt__, "lte": float.__le__, "lt": float.__lt__}

        def inside(v: Any) -> bool:
            return all(tests[op](float(v), float(bound)) for op, bound in bounds.items() if op in tests)

        return {d: 1.0 for d in self.index.docs if any(inside(v) for v in self._values(path, d))}

    def q_prefix(self, body: Json) -> Scores:
        ((path, value),) = body.items()
        spec = value if isinstance(value, dict) else {"value": value}
        return self.prefix_scores(path, spec["value"], float(spec.get("boost", 1.0)))

    def q_fuzzy(self, body: Json) -> Scores:
        ((path, value),) = body.items()
        fuzziness, prefix_length = value.get("fuzziness", "AUTO"), int(value.get("prefix_length", 0))
        return self.fuzzy_scores(path, value["value"], fuzziness, prefix_length, float(value.get("boost", 1.0)))

    def _combine(self, per_term: list[Scores], operator: str, msm: Any) -> Scores:
        needed = len(per_term) if operator.lower() == "and" else _msm(msm, len(per_term))
        docs = {d for s in per_term for d in s}
        found = {d: [s[d] for s in per_term if d in s] for d in docs}
        return {d: sum(v) for d, v in found.items() if len(v) >= max(needed, 1)}

    def q_match(self, body: Json) -> Scores:
        ((path, value),) = body.items()
        spec = value if isinstance(value, dict) else {"query": value}
        field = self.spec(path)
        terms = field.search_analyze(str(spec["query"]))
        boost = float(spec.get("boost", 1.0))
        if "fuzziness" in spec:
            prefix_length = int(spec.get("prefix_length", 0))
            per_term = [self.fuzzy_scores(path, t, spec["fuzziness"], prefix_length, boost) for t in terms]
        else:
            per_term = [self.term_scores(path, t, boost) for t in terms]
        return self._combine(per_term, spec.get("operator", "or"), spec.get("minimum_should_match"))

    def q_multi_match(self, body: Json) -> Scores:
        kind = body.get("type", "best_fields")
        fields = _fields(body["fields"])
        text = str(body["query"])
        operator, msm = body.get("operator", "or"), body.get("minimum_should_match")
        if kind == "cross_fields":
            if "fuzziness" in body:
                raise QueryError("fuzziness not allowed for type [cross_fields]")
            return self._cross_fields(fields, text, operator, msm)
        if kind == "bool_prefix":
            if body.get("fuzziness") and kind == "bool_prefix":
                raise QueryError("the stand-in has no fuzzy bool_prefix")
            per_field = [self._bool_prefix(path, boost, text, operator, msm) for path, boost in fields]
            return _sum(per_field)
        per_field = []
        for path, boost in fields:
            match: Json = {"query": text, "operator": operator, "boost": boost}
            for key in ("fuzziness", "prefix_length", "minimum_should_match"):
                if key in body:
                    match[key] = body[key]
            per_field.append(self.q_match({path: match}))
        if kind == "most_fields":
            return _sum(per_field)
        if kind == "best_fields":
            return _max(per_field)
        raise QueryError(f"the stand-in has no multi_match type [{kind}]")

    def _cross_fields(self, fields: list[tuple[str, float]], text: str, operator: str, msm: Any) -> Scores:
        analysed = {tuple(self.spec(p).search_analyze(text)) for p, _ in fields}
        if len(analysed) != 1:
            raise QueryError("the stand-in runs cross_fields over fields of one analyser only")
        terms = list(next(iter(analysed)))
        per_term = []
        for term in dict.fromkeys(terms):
            blended = max(self.df(p, term) for p, _ in fields)
            per_term.append(_max([self.term_scores(p, term, boost, blended) for p, boost in fields]))
        return self._combine(per_term, operator, msm)

    def _bool_prefix(self, path: str, boost: float, text: str, operator: str, msm: Any) -> Scores:
        terms = self.spec(path).search_analyze(text)
        if not terms:
            return {}
        per_term = [self.term_scores(path, t, boost) for t in terms[:-1]]
        per_term.append(self.prefix_scores(path, terms[-1], boost))
        return self._combine(per_term, operator, msm)


def _sum(parts: Iterable[Scores]) -> Scores:
    found: Scores = {}
    for part in parts:
        for doc, score in part.items():
            found[doc] = found.get(doc, 0.0) + score
    return found


def _max(parts: Iterable[Scores]) -> Scores:
    found: Scores = {}
    for part in parts:
        for doc, score in part.items():
            found[doc] = max(found.get(doc, 0.0), score)
    return found


WORD_AT = re.compile(r"\S+")
