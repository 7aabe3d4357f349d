"""The parsed-document cache: bounded in bytes, and refused documents keep no parsed tree."""

from __future__ import annotations

import tracemalloc

import pytest
from graphql import parse

from bench.scenarios.product_page import DOCUMENT as PRODUCT_PAGE
from bff.graphql.documents import DocumentCache
from resolvers.schema import schema


def fragments_only(seed: int) -> str:
    """~50 KB that parse (under the token limit) but define no operation: refused, never executed."""
    name = "x" * 200
    return " ".join(f"fragment F{seed}_{i} on Query {{ {name}: __typename }}" for i in range(230))


def test_refused_documents_keep_no_tree_and_almost_no_bytes() -> None:
    documents = DocumentCache(schema._schema)
    for seed in range(20):
        entry = documents.get(fragments_only(seed))
        assert entry.errors and entry.document is None
        assert all(e.nodes is None and e.source is None for e in entry.errors)
    assert len(documents) == 20
    assert documents.bytes < 20 * 1024  # 20 posts of 50 KB held ~4 MB each before


def test_the_cache_holds_at_most_its_byte_budget() -> None:
    documents = DocumentCache(schema._schema, max_bytes=8 << 20)
    queries = [PRODUCT_PAGE.replace("ProductPage", f"ProductPage{i}") for i in range(200)]
    for query in queries:
        assert documents.get(query).errors == []
    assert documents.bytes <= 8 << 20
    assert 0 < len(documents) < len(queries)
    assert documents.bytes == sum(documents.get(q).size for q in queries[-len(documents) :])


def test_an_entry_estimate_is_not_below_what_its_tree_holds() -> None:
    documents = DocumentCache(schema._schema)
    for query in (PRODUCT_PAGE, "{ " + " ".join(f"a{i}: __typename" for i in range(99)) + " }"):
        tracemalloc.start()
        parse(query)
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        assert documents.get(query).size >= held


def test_one_document_bigger_than_an_eighth_of_the_budget_is_not_kept() -> None:
    documents = DocumentCache(schema._schema, max_bytes=64 * 1024)
    assert documents.get(PRODUCT_PAGE).errors == []
    assert len(documents) == 0


def _lexed(query: str) -> int:
    from graphql.language import Lexer, Source, TokenKind

    lexer, count = Lexer(Source(query)), 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def test_the_token_scan_counts_what_graphql_cores_lexer_reads() -> None:
    from graphql import get_introspection_query

    from bench.scenarios import load
    from bff.graphql.documents import count_tokens

    documents = [s.document for s in load()] + [
        get_introspection_query(descriptions=True),
        '{ search(query: "a \\"quoted\\" # not a comment", first: -12) { totalCount } } # a comment { } ...',
        'query Q($f: Float = 1.5e-3, $l: [ID!]! = ["x"]) @skip(if: false) { ...F } fragment F on Query { __typename }',
        '"""A block string with "quotes" and { braces } and # hashes"""\nquery { __typename }',
    ]
    for document in documents:
        assert count_tokens(document) == _lexed(document), document


async def test_a_document_over_the_token_limit_is_refused_without_parsing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import bff.graphql.documents as documents

    parsed: list[str] = []
    real_parse = documents.parse
    monkeypatch.setattr(documents, "parse", lambda q, **kw: parsed.append(q) or real_parse(q, **kw))
    cache = documents.DocumentCache(schema._schema, max_tokens=100)
    wide = "{" + " ".join(f"a{i}: __typename" for i in range(60)) + "}"  # 182 tokens

    refused = cache.get(wide)
    cache.get("{ __typename }")

    assert refused.syntax_error and "more than 100 tokens" in refused.errors[0].message
    assert parsed == ["{ __typename }"]
