"""What the OpenSearch adapter sends and how it reads the answers: the request for each ``SearchRequest``
(its text query comes from ``opensearch_plan``) and the parsing of hits, aggregations and suggestions.

Facets are disjunctive: the facetable filters (vendor, type, availability, price) go in ``post_filter`` and
each facet's aggregation applies all of them but its own, so picking one brand still counts the others.
"""

from __future__ import annotations

from typing import Any

from bff.domain.catalog import ProductQuery
from bff.domain.search import (
    FACET_AVAILABLE,
    FACET_CATEGORY,
    FACET_PRICE,
    FACET_PRODUCT_TYPE,
    FACET_VENDOR,
    MAX_FACET_VALUES,
    PRICE_BUCKETS,
    Facet,
    FacetType,
    FacetValue,
    SearchRequest,
    SearchResult,
    SearchSort,
    price_bucket_id,
    price_bucket_label,
)

Json = dict[str, Any]
# Typo tolerance applies to the fields shoppers name things by, never to descriptions: a word that matches
# nothing ("café") must not fuzzily match a description-only word ("easy to care for"). Words up to 4 letters
# get no edit (one edit there mostly lands on another real word), 5 letters one, longer ones two.
FUZZINESS = "AUTO:5,6"
SUGGEST_FIELDS = ["title.sayt", "title.sayt._2gram", "title.sayt._3gram", "vendor.text", "category_titles"]
# Edge n-grams of the title's words (search_as_you_type): a fuzzy query there is a fuzzy prefix.
SUGGEST_PREFIX_FIELD = "title.sayt._index_prefix"


def _scope_filters(q: ProductQuery) -> list[Json]:
    """Filters that narrow what is searched (not faceted disjunctively)."""
    found: list[Json] = []
    if q.category_id is not None:
        found.append({"term": {"category_ids": q.category_id}})
    if q.tags:
        found.append({"terms": {"tags": list(q.tags)}})
    return found


def _facet_filters(q: ProductQuery) -> dict[str, Json]:
    found: dict[str, Json] = {}
    if q.vendors:
        found["vendor"] = {"terms": {"vendor": list(q.vendors)}}
    if q.product_types:
        found["product_type"] = {"terms": {"product_type": list(q.product_types)}}
    if q.available is not None:
        found["available"] = {"term": {"available": q.available}}
    bounds: Json = {}
    if q.min_price is not None:
        bounds["gte"] = float(q.min_price)
    if q.max_price is not None:
        bounds["lte"] = float(q.max_price)
    if bounds:
        found["price"] = {"range": {"price": bounds}}
    return found


def _sort(sort: SearchSort, reverse: bool, with_text: bool) -> list[Json | str]:
    asc, desc = ("desc", "asc") if reverse else ("asc", "desc")
    rank: Json = {"sales_rank": {"order": "asc", "missing": "_last"}}
    if sort is SearchSort.RELEVANCE and with_text:
        return [{"_score": {"order": desc}}, rank, {"product_id": asc}]
    if sort is SearchSort.PRICE:
        return [{"price": {"order": asc}}, {"product_id": asc}]
    if sort is SearchSort.NEWEST:
        return [{"created_at": {"order": desc, "missing": "_last"}}, {"product_id": desc}]
    return [{"sales_rank": {"order": asc, "missing": "_last"}}, {"product_id": asc}]


def _aggregations(facet_filters: dict[str, Json]) -> Json:
    def others(own: str | None) -> Json:
        rest = [f for name, f in facet_filters.items() if name != own]
        return {"bool": {"filter": rest}}

    def terms(field: str, own: str | None) -> Json:
        return {"filter": others(own), "aggs": {"values": {"terms": {"field": field, "size": MAX_FACET_VALUES}}}}

    ranges = [{"key": price_bucket_id(low, high), "from": float(low)} for low, high in PRICE_BUCKETS]
    for spec, (_, high) in zip(ranges, PRICE_BUCKETS, strict=True):
        if high is not None:
            spec["to"] = float(high)
    return {
        "category": terms("category_id", None),
        "product_type": terms("product_type", "product_type"),
        "vendor": terms("vendor", "vendor"),
        "price": {"filter": others("price"), "aggs": {"values": {"range": {"field": "price", "ranges": ranges}}}},
        "available": {"filter": others("available"), "aggs": {"values": {"terms": {"field": "available"}}}},
    }


def search_body(req: SearchRequest, text: Json | None, aggs: Json | None = None) -> Json:
    """The request for ``req`` with ``text`` as its text query (``None``: browsing) and extra ``aggs``."""
    facet_filters = _facet_filters(req.filters)
    body: Json = {
        "from": req.offset,
        "size": req.limit + 1,
        "_source": False,
        "track_total_hits": req.with_total,
        "query": {"bool": {"must": [text or {"match_all": {}}], "filter": _scope_filters(req.filters)}},
        "sort": _sort(req.sort, req.reverse, text is not None),
    }
    if facet_filters:
        body["post_filter"] = {"bool": {"filter": list(facet_filters.values())}}
    found = _aggregations(facet_filters) if req.with_facets else {}
    found.update(aggs or {})
    if found:
        body["aggs"] = found
    return body


def _buckets(aggs: Json, name: str) -> list[Json]:
    return list(aggs.get(name, {}).get("values", {}).get("buckets", []))


def parse_facets(aggs: Json) -> list[Facet]:
    def listed(name: str, facet: str, label: str) -> Facet:
        values = tuple(
            FacetValue(f"{facet}.{b['key']}", str(b["key"]), int(b["doc_count"]), str(b["key"]))
            for b in _buckets(aggs, name)
            if b["doc_count"] and b["key"] != ""
        )
        return Facet(facet, label, FacetType.LIST, values)

    by_key = {b["key"]: int(b["doc_count"]) for b in _buckets(aggs, "price")}
    price = tuple(
        FacetValue(price_bucket_id(low, high), price_bucket_label(low, high), by_key[key], (low, high))
        for low, high in PRICE_BUCKETS
        if by_key.get(key := price_bucket_id(low, high))
    )
    stock = {bool(b["key"]): int(b["doc_count"]) for b in _buckets(aggs, "available")}
    availability = tuple(
        FacetValue(f"{FACET_AVAILABLE}.{int(flag)}", label, stock[flag], flag)
        for flag, label in ((True, "In stock"), (False, "Out of stock"))
        if stock.get(flag)
    )
    return [
        listed("category", FACET_CATEGORY, "Category"),
        listed("product_type", FACET_PRODUCT_TYPE, "Product type"),
        listed("vendor", FACET_VENDOR, "Brand"),
        Facet(FACET_PRICE, "Price", FacetType.PRICE_RANGE, price),
        Facet(FACET_AVAILABLE, "Availability", FacetType.BOOLEAN, availability),
    ]


def parse_search(req: SearchRequest, response: Json, corrected: str | None = None) -> SearchResult:
    hits = response["hits"]["hits"]
    ids = [h["_id"] for h in hits]
    total = response["hits"].get("total", {})
    count = int(total.get("value", 0)) if isinstance(total, dict) else int(total)
    facets = parse_facets(response.get("aggregations", {})) if req.with_facets else []
    return SearchResult(ids[: req.limit], count, len(ids) > req.limit, facets, corrected, corrected)


def suggest_body(text: str, limit: int) -> Json:
    """Products and categories matching as typed (the last word a prefix) or with a typo in the word being
    typed; completions of the words as the titles spell them."""
    head, _, last = text.strip().lower().rpartition(" ")
    typed: Json = {"multi_match": {"query": text, "type": "bool_prefix", "fields": SUGGEST_FIELDS}}
    # A typo in the word being typed ("hedph"): a fuzzy match on the title's indexed word starts (edge n-grams).
    misspelt: list[Json] = [
        {"fuzzy": {SUGGEST_PREFIX_FIELD: {"value": last, "fuzziness": FUZZINESS, "prefix_length": 1}}}
    ]
    if head:
        misspelt.insert(0, {"match": {"title": {"query": head, "fuzziness": FUZZINESS, "operator": "and"}}})
    return {
        "size": limit,
        "_source": False,
        "query": {"bool": {"should": [typed, {"bool": {"must": misspelt}}], "minimum_should_match": 1}},
        "aggs": {"categories": {"terms": {"field": "category_id", "size": limit}}},
        "suggest": {
            "queries": {
                "prefix": text,
                "completion": {
                    "field": "suggest",
                    "size": limit,
                    "skip_duplicates": True,
                    "fuzzy": {"fuzziness": FUZZINESS, "prefix_length": 1},
                },
            }
        },
    }


def parse_suggest(response: Json) -> tuple[list[str], list[str], list[str]]:
    products = [h["_id"] for h in response["hits"]["hits"]]
    categories = [b["key"] for b in response.get("aggregations", {}).get("categories", {}).get("buckets", [])]
    queries: list[str] = []
    for entry in response.get("suggest", {}).get("queries", []):
        for option in entry.get("options", []):
            if (text := option["text"].lower()) not in queries:
                queries.append(text)
    return products, categories, queries
