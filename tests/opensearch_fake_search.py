"""The OpenSearch stand-in's ``_search``: hits (query, ``post_filter``, sort, ``from``/``size``, total),
aggregations (``global``, ``filter``, ``terms``, ``range``) and suggesters (``term``, ``completion``), answered
in a cluster's response shape."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.opensearch_fake_index import FakeIndex, Json
from tests.opensearch_fake_query import QueryError, Scores, Searcher, auto_edits, edit_distance

MAX_TRACKED = 10_000


def _sort_key(searcher: Searcher, clauses: list[Any], scores: Scores) -> Any:
    specs: list[tuple[str, bool, str]] = []
    for clause in clauses:
        if isinstance(clause, str):
            clause = {clause: {}}
        ((path, options),) = clause.items()
        options = options if isinstance(options, dict) else {"order": options}
        default = "desc" if path == "_score" else "asc"
        specs.append((path, options.get("order", default) == "desc", options.get("missing", "_last")))

    def key(doc: str) -> tuple[Any, ...]:
        parts: list[Any] = []
        for path, desc, missing in specs:
            if path == "_score":
                value: Any = scores[doc]
            else:
                values = searcher.index.values(searcher.spec(path), doc)
                value = (max(values) if desc else min(values)) if values else None
            if value is None:
                parts.append((1 if missing == "_last" else -1, 0))
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                parts.append((0, -value if desc else value))
            else:
                parts.append((0, _Reversed(value) if desc else value))
        return tuple(parts)

    return key


class _Reversed:
    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Reversed) -> bool:
        return bool(self.value > other.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and self.value == other.value


def _aggregate(searcher: Searcher, aggs: Json, docs: set[str]) -> Json:
    out: Json = {}
    for name, spec in aggs.items():
        subs = spec.get("aggs", {})
        if "global" in spec:
            within = set(searcher.index.docs)
            out[name] = {"doc_count": len(within), **_aggregate(searcher, subs, within)}
        elif "filter" in spec:
            within = docs & set(searcher.run(spec["filter"]))
            out[name] = {"doc_count": len(within), **_aggregate(searcher, subs, within)}
        elif "terms" in spec:
            out[name] = _terms(searcher, spec["terms"], docs)
        elif "range" in spec:
            out[name] = _range(searcher, spec["range"], docs)
        else:
            raise QueryError(f"the stand-in has no aggregation {sorted(spec)}")
    return out


def _terms(searcher: Searcher, spec: Json, docs: set[str]) -> Json:
    field = searcher.spec(spec["field"])
    counts: Counter[Any] = Counter()
    for doc in docs:
        counts.update(set(searcher.index.values(field, doc)))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    buckets = []
    for key, count in ranked[: spec.get("size", 10)]:
        if isinstance(key, bool):
            buckets.append({"key": int(key), "key_as_string": str(key).lower(), "doc_count": count})
        else:
            buckets.append({"key": key, "doc_count": count})
    rest = sum(c for _, c in ranked[spec.get("size", 10) :])
    return {"doc_count_error_upper_bound": 0, "sum_other_doc_count": rest, "buckets": buckets}


def _range(searcher: Searcher, spec: Json, docs: set[str]) -> Json:
    field = searcher.spec(spec["field"])
    buckets = []
    for r in spec["ranges"]:
        low, high = r.get("from"), r.get("to")
        count = 0
        for doc in docs:
            values = [float(v) for v in searcher.index.values(field, doc)]
            count += any((low is None or v >= low) and (high is None or v < high) for v in values)
        bucket: Json = {"key": r.get("key", f"{low or '*'}-{high or '*'}"), "doc_count": count}
        bucket.update({k: r[k] for k in ("from", "to") if k in r})
        buckets.append(bucket)
    return {"buckets": buckets}


def _term_suggest(searcher: Searcher, text: str, spec: Json) -> list[Json]:
    path = spec["field"]
    field = searcher.spec(path)
    vocabulary = Counter({t: len(docs) for t, docs in searcher.vocabulary(path).items()})
    entries = []
    offset = 0
    lowered = text.lower()
    for token in field.search_analyze(text):
        at = lowered.find(token, offset)
        offset = at + len(token) if at >= 0 else offset
        options: list[Json] = []
        missing = spec.get("suggest_mode", "missing") == "missing"
        if len(token) >= spec.get("min_word_length", 4) and not (missing and vocabulary[token]):
            head = token[: spec.get("prefix_length", 1)]
            for candidate, freq in vocabulary.items():
                if candidate == token or not candidate.startswith(head) or len(candidate) < 2:
                    continue
                if abs(len(candidate) - len(token)) > spec.get("max_edits", 2):
                    continue
                distance = edit_distance(token, candidate)
                if distance <= spec.get("max_edits", 2):
                    score = 1 - distance / min(len(candidate), len(token))
                    options.append({"text": candidate, "score": round(score, 6), "freq": freq})
            options.sort(key=lambda o: (-o["score"], -o["freq"], o["text"]))
        entries.append(
            {"text": token, "offset": max(at, 0), "length": len(token), "options": options[: spec.get("size", 5)]}
        )
    return entries


def _completion(searcher: Searcher, prefix: str, spec: Json) -> list[Json]:
    field = searcher.spec(spec["field"])
    typed = " ".join(field.search_analyze(prefix))
    fuzzy = spec.get("fuzzy")
    options: list[tuple[float, str, str]] = []
    for doc in searcher.index.docs:
        for value in searcher.index.values(field, doc):
            surface = " ".join(field.analyze(str(value)))
            start = surface[: len(typed)]
            if start == typed:
                score = 2.0
            elif (
                fuzzy
                and start[:1] == typed[:1]
                and edit_distance(typed, start) <= auto_edits(fuzzy["fuzziness"], typed)
            ):
                score = 1.0
            else:
                continue
            options.append((score, str(value), doc))
    options.sort(key=lambda o: (-o[0], o[1].lower(), o[2]))
    found: list[Json] = []
    seen: set[str] = set()
    for score, text, doc in options:
        if spec.get("skip_duplicates") and text.lower() in seen:
            continue
        seen.add(text.lower())
        found.append({"text": text, "_index": searcher.index.name, "_id": doc, "_score": score})
        if len(found) == spec.get("size", 5):
            break
    return [{"text": prefix, "offset": 0, "length": len(prefix), "options": found}]


def search(index: FakeIndex, body: Json) -> Json:
    """Answer ``body`` over ``index`` like a one-shard cluster."""
    searcher = Searcher(index)
    body = body or {}
    scores = searcher.run(body.get("query", {"match_all": {}}))
    matched = set(scores)
    hits = set(searcher.run(body["post_filter"])) & matched if "post_filter" in body else matched
    order = _sort_key(searcher, body.get("sort", ["_score"]), scores)
    ranked = sorted(hits, key=lambda d: (order(d), d))
    start, size = int(body.get("from", 0)), int(body.get("size", 10))
    page = ranked[start : start + size]
    include = body.get("_source", True) is not False
    result_hits: Json = {
        "max_score": max((scores[d] for d in hits), default=None),
        "hits": [
            {"_index": index.name, "_id": d, "_score": scores[d], **({"_source": index.docs[d]} if include else {})}
            for d in page
        ],
    }
    tracked = body.get("track_total_hits", MAX_TRACKED)
    if tracked is not False:
        limit = len(hits) if tracked is True else int(tracked)
        relation = "gte" if len(hits) > limit else "eq"
        result_hits = {"total": {"value": min(len(hits), limit), "relation": relation}, **result_hits}
    response: Json = {"took": 1, "timed_out": False, "hits": result_hits}
    if "aggs" in body or "aggregations" in body:
        response["aggregations"] = _aggregate(searcher, body.get("aggs") or body["aggregations"], matched)
    if "suggest" in body:
        suggest = dict(body["suggest"])
        shared = suggest.pop("text", None)
        response["suggest"] = {}
        for name, spec in suggest.items():
            if "term" in spec:
                entries = _term_suggest(searcher, spec.get("text", shared), spec["term"])
            elif "completion" in spec:
                entries = _completion(searcher, spec.get("prefix", shared), spec["completion"])
            else:
                raise QueryError(f"the stand-in has no suggester {sorted(spec)}")
            response["suggest"][name] = entries
    return response
