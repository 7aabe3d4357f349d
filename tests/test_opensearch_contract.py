"""The OpenSearch adapter by contract: the real ``AsyncOpenSearch`` against a recording stand-in
(``tests/opensearch_fake.py``): the DSL sent for each input, the parsing of cluster-shaped answers, the
bulk error report and the alias switch of a rebuild."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import AsyncIterator, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bff.backends.opensearch import OpenSearchProductSearch
from bff.backends.opensearch_dsl import document_source
from bff.domain.catalog import ProductQuery
from bff.domain.search import SearchDocument, SearchRequest, SearchSort
from bff.errors import ServiceUnavailable
from bff.settings import Settings
from tests.conftest import app_client, gql, make_settings
from tests.opensearch_fake import FakeCluster, running_fake
from tests.stand_ins import AWS_ENV, free_port

SEARCH_RESPONSE: dict[str, Any] = {
    "took": 4,
    "timed_out": False,
    "hits": {
        "total": {"value": 42, "relation": "eq"},
        "max_score": 3.2,
        "hits": [{"_index": "products-1", "_id": f"demo-0000{i}", "_score": 3.0 - i, "_source": {}} for i in (1, 2, 3)],
    },
    "aggregations": {
        "category": {"doc_count": 42, "values": {"buckets": [{"key": "cat-apparel", "doc_count": 30}]}},
        "product_type": {"doc_count": 42, "values": {"buckets": [{"key": "Backpack", "doc_count": 12}]}},
        "vendor": {
            "doc_count": 40,
            "values": {"buckets": [{"key": "Acme", "doc_count": 25}, {"key": "", "doc_count": 3}]},
        },
        "price": {
            "doc_count": 42,
            "values": {
                "buckets": [
                    {"key": "filter.v.price.0-25", "from": 0.0, "to": 25.0, "doc_count": 10},
                    {"key": "filter.v.price.25-50", "from": 25.0, "to": 50.0, "doc_count": 0},
                    {"key": "filter.v.price.500-", "from": 500.0, "doc_count": 2},
                ]
            },
        },
        "available": {
            "doc_count": 42,
            "values": {
                "buckets": [
                    {"key": 1, "key_as_string": "true", "doc_count": 40},
                    {"key": 0, "key_as_string": "false", "doc_count": 2},
                ]
            },
        },
    },
    "suggest": {
        "did_you_mean": [{"text": "backpak", "offset": 0, "length": 7, "options": [{"text": "backpack", "score": 0.7}]}]
    },
}
SUGGEST_RESPONSE: dict[str, Any] = {
    "hits": {"total": {"value": 2, "relation": "eq"}, "hits": [{"_id": "demo-00004"}, {"_id": "demo-00005"}]},
    "aggregations": {"categories": {"buckets": [{"key": "cat-mens-shirts", "doc_count": 2}]}},
    "suggest": {"queries": [{"text": "shi", "options": [{"text": "Shirt"}, {"text": "Shirt"}, {"text": "Shield"}]}]},
}


@pytest.fixture(scope="module")
def opensearch_fake() -> Iterator[tuple[str, FakeCluster]]:
    with running_fake() as running:
        yield running


def doc(product_id: str, price: str = "19.99") -> SearchDocument:
    return SearchDocument(
        id=product_id,
        handle=product_id,
        title=f"Product {product_id}",
        description="",
        vendor="Acme",
        product_type="Backpack",
        tags=("sale",),
        category_id="cat-bags",
        category_path=(("cat-acc", "Accessories"), ("cat-bags", "Bags")),
        price=Decimal(price),
        available=True,
        created_at=None,
        sales_rank=3,
    )


@pytest.fixture
async def adapter(opensearch_fake: tuple[str, FakeCluster]) -> AsyncIterator[OpenSearchProductSearch]:
    url, cluster = opensearch_fake
    cluster.requests.clear()
    cluster.search_response = SEARCH_RESPONSE
    settings = Settings(
        env="test", search_backend="opensearch", opensearch_url=url, opensearch_auth="basic",
        opensearch_username="bff", opensearch_password="s3cret",
    )  # fmt: skip
    search = OpenSearchProductSearch.from_settings(settings)
    yield search
    await search.close()


async def test_search_sends_fuzzy_multi_match_scope_filters_and_disjunctive_facets(
    adapter: OpenSearchProductSearch, opensearch_fake: tuple[str, FakeCluster]
) -> None:
    _, cluster = opensearch_fake
    filters = ProductQuery(
        category_id="cat-bags", vendors=("Acme",), available=True, min_price=Decimal(10), max_price=Decimal(50)
    )
    result = await adapter.search(SearchRequest("backpak", filters, offset=20, limit=2, with_facets=True))

    (sent,) = cluster.sent("POST", "/products/_search")
    body = sent.body
    assert sent.headers["authorization"] == "Basic " + base64.b64encode(b"bff:s3cret").decode()
    assert (body["from"], body["size"], body["_source"]) == (20, 3, False)
    as_typed, misspelt = (m["multi_match"] for m in body["query"]["bool"]["must"][0]["bool"]["should"])
    assert (as_typed["query"], as_typed["fields"][0], "fuzziness" in as_typed) == ("backpak", "title^10", False)
    assert "description" in as_typed["fields"]
    # Typos are forgiven in the fields shoppers name things by, not in descriptions, and not in short words.
    assert (misspelt["query"], misspelt["fuzziness"], misspelt["prefix_length"]) == ("backpak", "AUTO:5,6", 1)
    assert "description" not in misspelt["fields"] and "title^10" in misspelt["fields"]
    assert body["query"]["bool"]["filter"] == [{"term": {"category_ids": "cat-bags"}}]
    assert body["post_filter"]["bool"]["filter"] == [
        {"terms": {"vendor": ["Acme"]}},
        {"term": {"available": True}},
        {"range": {"price": {"gte": 10.0, "lte": 50.0}}},
    ]
    # Each facet counts with the other filters only.
    assert body["aggs"]["vendor"]["filter"]["bool"]["filter"] == [
        {"term": {"available": True}},
        {"range": {"price": {"gte": 10.0, "lte": 50.0}}},
    ]
    assert body["aggs"]["price"]["aggs"]["values"]["range"]["ranges"][0] == {
        "key": "filter.v.price.0-25",
        "from": 0.0,
        "to": 25.0,
    }
    assert body["suggest"]["did_you_mean"]["phrase"]["field"] == "title.shingle"
    assert body["sort"][0] == {"_score": {"order": "desc"}}

    assert (result.product_ids, result.total, result.has_more) == (["demo-00001", "demo-00002"], 42, True)
    assert result.did_you_mean == "backpack" and result.corrected_query is None
    facets = {f.id: f for f in result.facets}
    assert [(v.label, v.count) for v in facets["filter.p.vendor"].values] == [("Acme", 25)]
    assert [(v.value, v.count) for v in facets["filter.v.price"].values] == [
        ((Decimal(0), Decimal(25)), 10),
        ((Decimal(500), None), 2),
    ]
    assert [(v.value, v.count) for v in facets["filter.v.availability"].values] == [(True, 40), (False, 2)]


@pytest.mark.parametrize(
    ("sort", "reverse", "first_key"),
    [
        (SearchSort.PRICE, False, {"price": {"order": "asc"}}),
        (SearchSort.PRICE, True, {"price": {"order": "desc"}}),
        (SearchSort.NEWEST, False, {"created_at": {"order": "desc", "missing": "_last"}}),
        (SearchSort.BEST_SELLING, False, {"sales_rank": {"order": "asc", "missing": "_last"}}),
    ],
)
async def test_sort_keys_become_sort_clauses(
    adapter: OpenSearchProductSearch,
    opensearch_fake: tuple[str, FakeCluster],
    sort: SearchSort,
    reverse: bool,
    first_key: dict[str, Any],
) -> None:
    await adapter.search(SearchRequest("bag", sort=sort, reverse=reverse, with_total=False))
    (sent,) = opensearch_fake[1].sent("POST", "/_search")
    assert sent.body["sort"][0] == first_key
    assert sent.body["track_total_hits"] is False and "aggs" not in sent.body


async def test_browsing_a_category_matches_all(
    adapter: OpenSearchProductSearch, opensearch_fake: tuple[str, FakeCluster]
) -> None:
    await adapter.search(SearchRequest(None, ProductQuery(category_id="cat-bags"), limit=0, with_facets=True))
    (sent,) = opensearch_fake[1].sent("POST", "/_search")
    assert sent.body["query"]["bool"]["must"] == [{"match_all": {}}]
    assert "suggest" not in sent.body


async def test_predictive_search_uses_bool_prefix_and_the_completion_suggester(
    adapter: OpenSearchProductSearch, opensearch_fake: tuple[str, FakeCluster]
) -> None:
    opensearch_fake[1].search_response = SUGGEST_RESPONSE
    found = await adapter.suggest("Linen Hedph", 3)
    (sent,) = opensearch_fake[1].sent("POST", "/_search")
    as_typed, misspelt = sent.body["query"]["bool"]["should"]
    assert as_typed["multi_match"]["type"] == "bool_prefix"
    # A typo in the word being typed: the other words match (fuzzily), the last one as a fuzzy title-word start.
    head, last = misspelt["bool"]["must"]
    assert head == {"match": {"title": {"query": "linen", "fuzziness": "AUTO:5,6", "operator": "and"}}}
    assert last == {
        "fuzzy": {"title.sayt._index_prefix": {"value": "hedph", "fuzziness": "AUTO:5,6", "prefix_length": 1}}
    }
    completion = sent.body["suggest"]["queries"]["completion"]
    assert (completion["field"], completion["fuzzy"]["fuzziness"]) == ("suggest", "AUTO:5,6")
    assert (found.product_ids, found.category_ids, found.queries) == (
        ["demo-00004", "demo-00005"],
        ["cat-mens-shirts"],
        ["shirt", "shield"],
    )


def test_completions_start_at_every_word_of_the_title() -> None:
    source = document_source(dataclasses.replace(doc("p1"), title="Tailored Linen Shirt Dress"))

    assert source["suggest"]["input"] == [
        "Tailored Linen Shirt Dress",
        "Linen Shirt Dress",
        "Shirt Dress",
        "Dress",
        "Acme",
    ]


async def test_rebuild_loads_a_new_index_then_moves_the_alias_and_reports_failed_documents(
    adapter: OpenSearchProductSearch, opensearch_fake: tuple[str, FakeCluster]
) -> None:
    _, cluster = opensearch_fake

    async def batches(*groups: Sequence[SearchDocument]) -> AsyncIterator[Sequence[SearchDocument]]:
        for group in groups:
            yield group

    first = await adapter.rebuild(batches([doc("demo-00001"), doc("bad-1")], [doc("demo-00002")]))
    assert (first.indexed, first.failed) == (2, [("bad-1", "400: failed to parse field [price]")])
    created = cluster.sent("PUT", f"/{first.index}")[0].body
    assert created["mappings"]["properties"]["title"]["fields"]["sayt"] == {"type": "search_as_you_type"}
    assert created["mappings"]["properties"]["price"]["type"] == "scaled_float"
    bulk_lines = [line for r in cluster.sent("POST", "/_bulk") for line in r.body]
    assert bulk_lines[0] == {"index": {"_index": first.index, "_id": "demo-00001"}}
    assert bulk_lines[1]["category_path"] == "Accessories > Bags"
    assert cluster.aliases["products"] == first.index

    cluster.requests.clear()
    second = await adapter.rebuild(batches([doc("demo-00003")]))
    order = [(r.method, r.path) for r in cluster.requests]
    alias_call = order.index(("POST", "/_aliases"))
    assert order.index(("POST", f"/{second.index}/_refresh")) < alias_call
    assert cluster.sent("POST", "/_aliases")[0].body == {
        "actions": [
            {"remove": {"index": first.index, "alias": "products"}},
            {"add": {"index": second.index, "alias": "products", "is_write_index": True}},
        ]
    }
    assert order.index(("DELETE", f"/{first.index}")) > alias_call
    assert first.index not in cluster.indices and second.index in cluster.indices


async def test_incremental_updates_write_through_the_alias(
    adapter: OpenSearchProductSearch, opensearch_fake: tuple[str, FakeCluster]
) -> None:
    await adapter.index_documents([doc("demo-00009")])
    await adapter.remove_documents(["demo-00010"])
    lines = [line for r in opensearch_fake[1].sent("POST", "/_bulk") for line in r.body]
    assert lines[0] == {"index": {"_index": "products", "_id": "demo-00009"}}
    assert lines[2] == {"delete": {"_index": "products", "_id": "demo-00010"}}
    with pytest.raises(ServiceUnavailable):
        await adapter.index_documents([doc("bad-2")])


async def test_sigv4_signs_requests_for_amazon_opensearch_service(
    opensearch_fake: tuple[str, FakeCluster], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in AWS_ENV.items():
        monkeypatch.setenv(key, value)
    url, cluster = opensearch_fake
    cluster.requests.clear()
    search = OpenSearchProductSearch.from_settings(
        Settings(env="test", search_backend="opensearch", opensearch_url=url)
    )
    try:
        await search.search(SearchRequest("bag"))
    finally:
        await search.close()
    headers = cluster.requests[-1].headers
    assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=testing/")
    assert "/us-east-1/es/aws4_request" in headers["authorization"]
    assert "x-amz-date" in headers


async def test_an_unreachable_cluster_is_service_unavailable() -> None:
    settings = Settings(
        env="test",
        search_backend="opensearch",
        opensearch_url=f"http://127.0.0.1:{free_port()}",
        opensearch_auth="none",
    )
    search = OpenSearchProductSearch.from_settings(settings)
    try:
        with pytest.raises(ServiceUnavailable):
            await search.search(SearchRequest("bag"))
    finally:
        await search.close()


async def test_graphql_search_on_opensearch_sends_the_inputs_as_dsl(
    seeded_dir: Path, opensearch_fake: tuple[str, FakeCluster]
) -> None:
    url, cluster = opensearch_fake
    cluster.search_response = SEARCH_RESPONSE
    settings = make_settings(seeded_dir, search_backend="opensearch", opensearch_url=url, opensearch_auth="none")
    query = """query($filters: [ProductFilter!]) {
      search(query: "backpak", first: 2, sortKey: PRICE, reverse: true, productFilters: $filters) {
        totalCount didYouMean edges { node { id } } productFilters { id values { label count input } } } }"""
    filters = [{"vendors": ["Acme"]}, {"vendors": ["Loomwell"]}, {"available": True}, {"price": {"max": "80"}}]
    async with app_client(settings) as http:
        cluster.requests.clear()
        body = await gql(http, query, filters=filters)
    assert "errors" not in body, body
    result = body["data"]["search"]
    (sent,) = cluster.sent("POST", "/_search")
    assert sent.body["post_filter"]["bool"]["filter"] == [
        {"terms": {"vendor": ["Acme", "Loomwell"]}},
        {"term": {"available": True}},
        {"range": {"price": {"lte": 80.0}}},
    ]
    assert sent.body["sort"][0] == {"price": {"order": "desc"}}
    assert (sent.body["size"], sent.body["track_total_hits"]) == (3, True)
    assert len(result["edges"]) == 2  # hydrated from the catalog in one batch
    assert (result["totalCount"], result["didYouMean"]) == (42, "backpack")
    price = {f["id"]: f for f in result["productFilters"]}["filter.v.price"]["values"]
    assert price[0]["input"] == {"price": {"min": "0", "max": "24.99"}}
