"""What the OpenSearch adapter sends and how it reads the answers: the index template, documents, the
query DSL for each ``SearchRequest`` and the parsing of hits, aggregations and suggestions.

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
    SearchDocument,
    SearchRequest,
    SearchResult,
    SearchSort,
    price_bucket_id,
    price_bucket_label,
)

Json = dict[str, Any]
# The embedded engine's BM25 weights (``fts_query.BM25``): title 10, brand 5, type/category/tags 4,
# description 1. ``cross_fields`` matches each word in whichever field holds it, so "brand + noun" finds a
# product whose brand holds one word and whose title holds the other.
TEXT_FIELDS = [
    "title^10",
    "vendor.text^5",
    "product_type.text^4",
    "category_titles^4",
    "tags.text^4",
    "description",
]
# Typo tolerance applies to the fields shoppers name things by, never to descriptions: a word that matches
# nothing ("café") must not fuzzily match a description-only word ("easy to care for"). Words up to 4 letters
# get no edit (one edit there mostly lands on another real word), 5 letters one, longer ones two.
FUZZINESS = "AUTO:5,6"
SUGGEST_FIELDS = ["title.sayt", "title.sayt._2gram", "title.sayt._3gram", "vendor.text", "category_titles"]
# Edge n-grams of the title's words (search_as_you_type): a fuzzy query there is a fuzzy prefix.
SUGGEST_PREFIX_FIELD = "title.sayt._index_prefix"
# The words of the named fields (title, brand, type, categories, tags), unstemmed: what corrections come from.
SPELLING_FIELD = "spelling"
# Every word unstemmed (named fields and descriptions): whether a typed word starts indexed words.
WORD_FIELDS = [SPELLING_FIELD, "description.words"]
TEXT_ANALYZER = "folded_english"
WORD_ANALYZER = "folded"


def _keyword_with_text() -> Json:
    return {
        "type": "keyword",
        "fields": {"text": {"type": "text", "analyzer": TEXT_ANALYZER}},
        "copy_to": SPELLING_FIELD,
    }


def _analysis() -> Json:
    """Lucene's ``english`` analyser with accents folded ("café" finds "cafe"), and plain folded words."""
    return {
        "filter": {
            "english_possessive": {"type": "stemmer", "language": "possessive_english"},
            "english_stop": {"type": "stop", "stopwords": "_english_"},
            "english_stemmer": {"type": "stemmer", "language": "english"},
        },
        "analyzer": {
            TEXT_ANALYZER: {
                "type": "custom",
                "tokenizer": "standard",
                "filter": ["english_possessive", "lowercase", "asciifolding", "english_stop", "english_stemmer"],
            },
            WORD_ANALYZER: {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding"]},
        },
    }


def index_body(shards: int = 1, replicas: int = 1, alias: str | None = None) -> Json:
    """Settings and mappings of a product index; with ``alias``, the index is created as the alias's
    write index (the first index, at start-up)."""
    text: Json = {"type": "text", "analyzer": TEXT_ANALYZER}
    body: Json = {
        "settings": {
            "index": {"number_of_shards": shards, "number_of_replicas": replicas},
            "analysis": _analysis(),
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "product_id": {"type": "keyword"},
                "handle": {"type": "keyword"},
                "title": {
                    **text,
                    "copy_to": SPELLING_FIELD,
                    "fields": {
                        "sayt": {"type": "search_as_you_type", "analyzer": WORD_ANALYZER},
                        "raw": {"type": "keyword", "ignore_above": 256},
                    },
                },
                "description": {**text, "fields": {"words": {"type": "text", "analyzer": WORD_ANALYZER}}},
                "vendor": _keyword_with_text(),
                "product_type": _keyword_with_text(),
                "tags": _keyword_with_text(),
                "category_id": {"type": "keyword"},
                "category_ids": {"type": "keyword"},
                "category_titles": {**text, "copy_to": SPELLING_FIELD},
                "category_path": {"type": "keyword"},
                SPELLING_FIELD: {"type": "text", "analyzer": WORD_ANALYZER},
                "price": {"type": "scaled_float", "scaling_factor": 100},
                "available": {"type": "boolean"},
                "created_at": {"type": "date"},
                "sales_rank": {"type": "integer"},
                "suggest": {"type": "completion", "analyzer": WORD_ANALYZER},
            },
        },
    }
    if alias is not None:
        body["aliases"] = {alias: {"is_write_index": True}}
    return body


def document_source(doc: SearchDocument) -> Json:
    return {
        "product_id": doc.id,
        "handle": doc.handle,
        "title": doc.title,
        "description": doc.description,
        "vendor": doc.vendor,
        "product_type": doc.product_type,
        "tags": list(doc.tags),
        "category_id": doc.category_id,
        "category_ids": [cid for cid, _ in doc.category_path],
        "category_titles": [title for _, title in doc.category_path],
        "category_path": " > ".join(title for _, title in doc.category_path),
        "price": float(doc.price),
        "available": doc.available,
        "created_at": doc.created_at.isoformat() if doc.created_at else None,
        "sales_rank": doc.sales_rank or None,
        "suggest": {"input": completion_inputs(doc)},
    }


def completion_inputs(doc: SearchDocument) -> list[str]:
    """What the completion suggester completes: the title from each of its words on (so ``linen s`` reaches
    "Linen Shirt Dress" inside "Tailored Linen Shirt Dress"), and the brand."""
    words = doc.title.split()
    tails = [" ".join(words[i:]) for i in range(len(words))]
    return [s for s in dict.fromkeys([*tails, doc.vendor]) if s]


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
