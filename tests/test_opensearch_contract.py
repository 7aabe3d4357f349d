"""The OpenSearch adapter by contract: the real ``AsyncOpenSearch`` against a recording stand-in
(``tests/opensearch_fake.py``): the DSL sent for each input and the parsing of cluster-shaped answers (canned
answers here; ``test_opensearch_search.py`` runs the DSL on documents, ``test_opensearch_reindex.py`` the
index lifecycle)."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bff.backends.opensearch import OpenSearchProductSearch
from bff.backends.opensearch_index import document_source
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
        "spelling": [
            {"text": "backpak", "offset": 0, "length": 7, "options": [{"text": "backpack", "score": 0.86, "freq": 9}]}
        ]
    },
}
# The planning probe's answer: no document holds "backpak" or starts with it, and the text matches nothing.
SEARCH_RESPONSE["aggregations"]["plan"] = {
    "doc_count": 42,
    "text": {"doc_count": 0},
    "known_0": {"doc_count": 0},
    "prefix_0": {"doc_count": 0},
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
    cluster.reset()
    cluster.search_response = SEARCH_RESPONSE
    settings = Settings(
        env="test", search_backend="opensearch", opensearch_url=url, opensearch_auth="basic",
        opensearch_username="bff", opensearch_password="s3cret",
    )  # fmt: skip
    search = OpenSearchProductSearch.from_settings(settings)
    yield search
    await search.close()


async def test_search_sends_cross_field_words_scope_filters_disjunctive_facets_and_a_planning_probe(
    adapter: OpenSearchProductSearch, opensearch_fake: tuple[str, FakeCluster]
) -> None:
    _, cluster = opensearch_fake
    filters = ProductQuery(
        category_id="cat-bags", vendors=("Acme",), available=True, min_price=Decimal(10), max_price=Decimal(50)
    )
    result = await adapter.search(SearchRequest("backpak", filters, offset=20, limit=2, with_facets=True))

    typed, corrected = cluster.sent("POST", "/products/_search")
    body = typed.body
    assert typed.headers["authorization"] == "Basic " + base64.b64encode(b"bff:s3cret").decode()
    assert (body["from"], body["size"], body["_source"]) == (20, 3, False)
    # Every word required, each in whichever field holds it, weighted as the embedded engine weighs fields.
    assert body["query"]["bool"]["must"] == [
        {
            "multi_match": {
                "query": "backpak",
                "type": "cross_fields",
                "fields": [
                    "title^10",
                    "vendor.text^5",
                    "product_type.text^4",
                    "category_titles^4",
                    "tags.text^4",
                    "description",
                ],
                "operator": "and",
            }
        }
    ]
    # The probe: the word's matches in the whole index, as typed and as a prefix; spellings of named fields.
    probe = body["aggs"]["plan"]
    assert probe["global"] == {} and set(probe["aggs"]) == {"text", "known_0", "prefix_0"}
    assert probe["aggs"]["prefix_0"]["filter"]["multi_match"]["fields"] == ["spelling", "description.words"]
    spelling = body["suggest"]["spelling"]
    assert spelling["text"] == "backpak"
    assert spelling["term"] == {
        "field": "spelling",
        "suggest_mode": "missing",
        "min_word_length": 5,
        "max_edits": 2,
        "prefix_length": 1,
        "size": 5,
    }
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
    assert body["sort"][0] == {"_score": {"order": "desc"}}
    # The misspelt word is replaced by the named fields' spelling and searched again, counted in the index.
    again = corrected.body
    assert again["query"]["bool"]["must"][0]["multi_match"]["query"] == "backpack"
    assert "suggest" not in again and set(again["aggs"]["plan"]["aggs"]) == {"text"}

    assert (result.product_ids, result.total, result.has_more) == (["demo-00001", "demo-00002"], 42, True)
    assert result.did_you_mean == "backpack" and result.corrected_query == "backpack"
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
    assert sent.body["track_total_hits"] is False and set(sent.body["aggs"]) == {"plan"}


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
    sent = cluster.sent("POST", "/_search")[0]
    assert sent.body["post_filter"]["bool"]["filter"] == [
        {"terms": {"vendor": ["Acme", "Loomwell"]}},
        {"term": {"available": True}},
        {"range": {"price": {"lte": 80.0}}},
    ]
    assert sent.body["sort"][0] == {"price": {"order": "desc"}}
    assert (sent.body["size"], sent.body["track_total_hits"]) == (3, True)
    assert len(result["edges"]) == 2  # hydrated from the catalog in one batch
    assert (result["totalCount"], result["didYouMean"]) == (42, "backpack")
    assert len(cluster.sent("POST", "/_search")) == 2  # as typed, then corrected
    price = {f["id"]: f for f in result["productFilters"]}["filter.v.price"]["values"]
    assert price[0]["input"] == {"price": {"min": "0", "max": "24.99"}}
