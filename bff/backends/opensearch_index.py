"""The OpenSearch product index: its analysers, mappings and settings, and the document of a product."""

from __future__ import annotations

from typing import Any

from bff.domain.search import SearchDocument

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
# The words of the named fields (title, brand, type, categories, tags), unstemmed: what corrections come from.
SPELLING_FIELD = "spelling"
# Every word unstemmed (named fields and descriptions): whether a typed word starts indexed words.
WORD_FIELDS = [SPELLING_FIELD, "description.words"]
# Bumped whenever the analysers or mappings change: an index with another version needs `bff reindex`.
MAPPING_VERSION = 2
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
            "_meta": {"bff_mapping": MAPPING_VERSION},
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
