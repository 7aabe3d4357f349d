"""Search through GraphQL on the embedded engine: results, pages, facets, predictive search, bad input."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx

from bff.backends.registry import build_backends
from bff.catalog_io import generate_catalog
from bff.domain.catalog import ProductQuery
from bff.domain.search import SearchRequest
from tests.conftest import error_codes, gql, make_settings

SEARCH = """
query Search($q: String!, $first: Int, $after: String, $sortKey: SearchSortKeys, $reverse: Boolean,
             $filters: [ProductFilter!]) {
  search(query: $q, first: $first, after: $after, sortKey: $sortKey, reverse: $reverse,
         productFilters: $filters) {
    totalCount correctedQuery didYouMean
    edges { cursor node { id title vendor productType availableForSale priceRange { minVariantPrice { amount } } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
    productFilters { id label type values { id label count input } }
  }
}
"""


async def search(http: httpx.AsyncClient, query: str, **variables: object) -> dict:
    body = await gql(http, SEARCH, q=query, **variables)
    assert "errors" not in body, body["errors"]
    return body["data"]["search"]


async def test_search_finds_products_by_title_words(client: httpx.AsyncClient) -> None:
    result = await search(client, "fragrance", first=5)
    assert result["totalCount"] > 0
    assert all(e["node"]["productType"] == "Fragrance" for e in result["edges"])


async def test_pages_of_a_search_follow_each_other_without_overlap(client: httpx.AsyncClient) -> None:
    whole = await search(client, "jacket", first=100)
    seen: list[str] = []
    after = None
    while True:
        page = await search(client, "jacket", first=4, after=after)
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [e["node"]["id"] for e in whole["edges"]]
    assert len(seen) == whole["totalCount"]


async def test_a_cursor_from_another_search_is_refused(client: httpx.AsyncClient) -> None:
    page = await search(client, "jacket", first=2)
    body = await gql(client, SEARCH, q="shirt", first=2, after=page["pageInfo"]["endCursor"])
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_price_sort_orders_results_and_reverse_flips_them(client: httpx.AsyncClient) -> None:
    cheap = await search(client, "apparel", first=50, sortKey="PRICE")
    dear = await search(client, "apparel", first=50, sortKey="PRICE", reverse=True)
    prices = [float(e["node"]["priceRange"]["minVariantPrice"]["amount"]) for e in cheap["edges"]]
    assert prices == sorted(prices)
    assert prices[0] <= float(dear["edges"][0]["node"]["priceRange"]["minVariantPrice"]["amount"])


async def test_facet_inputs_narrow_the_results_to_their_counts(client: httpx.AsyncClient) -> None:
    result = await search(client, "apparel", first=1)
    facets = {f["id"]: f for f in result["productFilters"]}
    assert {f["type"] for f in facets.values()} == {"LIST", "PRICE_RANGE", "BOOLEAN"}
    for facet_id in ("filter.p.vendor", "filter.v.price", "filter.v.availability", "filter.p.category"):
        value = facets[facet_id]["values"][0]
        narrowed = await search(client, "apparel", first=1, filters=[value["input"]])
        assert narrowed["totalCount"] == value["count"], (facet_id, value)


async def test_two_values_of_one_facet_add_up(client: httpx.AsyncClient) -> None:
    vendors = {f["id"]: f for f in (await search(client, "apparel", first=1))["productFilters"]}["filter.p.vendor"]
    a, b = vendors["values"][:2]
    both = await search(client, "apparel", first=1, filters=[a["input"], b["input"]])
    assert both["totalCount"] == a["count"] + b["count"]
    # The vendor facet is counted without its own filter, so the other vendors still show.
    counts = {f["id"]: f for f in both["productFilters"]}["filter.p.vendor"]["values"]
    assert len(counts) == len(vendors["values"])


async def test_misspelt_words_are_corrected_and_reported(client: httpx.AsyncClient) -> None:
    result = await search(client, "fragrence", first=3)
    assert result["correctedQuery"] == "fragrance"
    assert result["totalCount"] > 0


async def test_empty_and_stopword_queries_find_nothing(client: httpx.AsyncClient) -> None:
    for query in ["", "   ", "the and of"]:
        result = await search(client, query)
        assert (result["totalCount"], result["edges"]) == (0, []), query


async def test_bad_search_input_is_bad_user_input(client: httpx.AsyncClient) -> None:
    cases = [
        {"q": "x" * 1000},
        {"q": "shirt", "first": 101},
        {"q": "shirt", "first": -1},
        {"q": "shirt", "filters": [{"price": {"min": "50", "max": "10"}}]},
        {"q": "shirt", "filters": [{"price": {"min": "60"}}, {"price": {"max": "20"}}]},
        {"q": "shirt", "after": "not-a-cursor"},
    ]
    for variables in cases:
        body = await gql(client, SEARCH, **variables)
        assert error_codes(body) == ["BAD_USER_INPUT"], variables


async def test_an_unknown_filter_field_fails_validation_not_the_server(client: httpx.AsyncClient) -> None:
    body = await gql(client, SEARCH, q="shirt", filters=[{"colour": "red"}])
    assert error_codes(body) in (["BAD_USER_INPUT"], ["GRAPHQL_VALIDATION_FAILED"])


async def test_a_page_of_hits_is_fetched_with_one_product_batch(client: httpx.AsyncClient) -> None:
    for first in (3, 30):
        body = await gql(client, SEARCH, q="apparel", first=first)
        calls = body["extensions"]["backendCalls"]
        assert calls["search.search"] == 1
        assert calls["catalog.get_products"] == 1
        assert calls["catalog.get_categories"] == 1  # category facet labels, one batch


TWO_SEARCHES = """{
  shirts: search(query: "shirt", first: 6) { edges { node { id title } } productFilters { id values { label } } }
  bags: search(query: "backpack", first: 6) { edges { node { id title } } productFilters { id values { label } } }
}"""


async def test_searches_of_one_request_share_their_product_and_label_batches(client: httpx.AsyncClient) -> None:
    body = await gql(client, TWO_SEARCHES)
    assert "errors" not in body, body["errors"]
    alone = {q: await search(client, q, first=6) for q in ("shirt", "backpack")}
    for field, query in (("shirts", "shirt"), ("bags", "backpack")):
        ids = [e["node"]["id"] for e in body["data"][field]["edges"]]
        assert ids and ids == [e["node"]["id"] for e in alone[query]["edges"]]
        labels = {f["id"]: [v["label"] for v in f["values"]] for f in body["data"][field]["productFilters"]}
        assert labels["filter.p.category"] == [
            v["label"] for f in alone[query]["productFilters"] if f["id"] == "filter.p.category" for v in f["values"]
        ]
    calls = body["extensions"]["backendCalls"]
    # One engine call per search; then one product batch and one category batch for both.
    assert calls["search.search"] == 2
    assert calls["catalog.get_products"] == 1
    assert calls["catalog.get_categories"] == 1


async def test_a_hits_variants_lead_back_to_it_without_another_read(client: httpx.AsyncClient) -> None:
    query = """{ search(query: "shirt", first: 4) { edges { node { id
        variants(first: 1) { nodes { product { id } } } } } } }"""
    body = await gql(client, query)
    assert "errors" not in body, body["errors"]
    nodes = [e["node"] for e in body["data"]["search"]["edges"]]
    assert nodes and all(n["variants"]["nodes"][0]["product"]["id"] == n["id"] for n in nodes)
    assert body["extensions"]["backendCalls"]["catalog.get_products"] == 1


async def test_predictive_search_completes_the_last_word(client: httpx.AsyncClient) -> None:
    query = "{ predictiveSearch(query: $q, limit: 4) { products { title } categories { title } queries { text } } }"
    body = await gql(client, query.replace("{ predictiveSearch", "query($q: String!) { predictiveSearch", 1), q="frag")
    found = body["data"]["predictiveSearch"]
    assert 0 < len(found["products"]) <= 4
    assert all("Fragrance" in p["title"] or "Eau" in p["title"] or p for p in found["products"])
    assert "fragrance" in [q["text"] for q in found["queries"]]
    assert found["categories"]


async def test_predictive_search_limits_are_checked(client: httpx.AsyncClient) -> None:
    query = "query($q: String!, $n: Int!) { predictiveSearch(query: $q, limit: $n) { queries { text } } }"
    assert error_codes(await gql(client, query, q="shirt", n=0)) == ["BAD_USER_INPUT"]
    assert error_codes(await gql(client, query, q="shirt", n=21)) == ["BAD_USER_INPUT"]
    assert (await gql(client, query, q="", n=5))["data"]["predictiveSearch"]["queries"] == []


async def test_category_page_facets_count_the_category_products(client: httpx.AsyncClient) -> None:
    query = """query($filter: ProductFilter) { category(handle: "apparel") {
      products(first: 1, filter: $filter) { totalCount }
      productFilters(filter: $filter) { id values { label count input } } } }"""
    category = (await gql(client, query))["data"]["category"]
    facets = {f["id"]: f for f in category["productFilters"]}
    in_stock = sum(v["count"] for v in facets["filter.v.availability"]["values"])
    assert in_stock == category["products"]["totalCount"]
    vendor = facets["filter.p.vendor"]["values"][0]
    narrowed = (await gql(client, query, filter=vendor["input"]))["data"]["category"]
    assert narrowed["products"]["totalCount"] == vendor["count"]


async def test_catalog_writes_update_the_index(tmp_path: Path) -> None:
    categories, records = generate_catalog(products=30, seed=3)
    async with build_backends(make_settings(tmp_path)) as backends:
        await backends.catalog.upsert_categories(categories)
        await backends.catalog.upsert_products(records)
        target = records[0]
        renamed = dataclasses.replace(target.product, title="Zanzibar Quokka Lantern")
        await backends.catalog.upsert_products([dataclasses.replace(target, product=renamed)])
        found = await backends.search.search(SearchRequest("quokka lantern"))
        assert found.product_ids == [target.product.id]

        sold_out = tuple(dataclasses.replace(v, quantity_available=0) for v in target.variants)
        await backends.catalog.upsert_products([dataclasses.replace(target, product=renamed, variants=sold_out)])
        in_stock = await backends.search.search(SearchRequest("quokka", ProductQuery(available=True)))
        assert in_stock.product_ids == []
        assert (await backends.search.search(SearchRequest("quokka", ProductQuery(available=False)))).total == 1


async def test_total_count_does_not_depend_on_the_page_size(client: httpx.AsyncClient) -> None:
    query = 'query($first: Int) { search(query: "jacket", first: $first) { totalCount edges { cursor } } }'
    counts = {n: (await gql(client, query, first=n))["data"]["search"]["totalCount"] for n in (0, 1, 30)}
    empty_page = await gql(client, query, first=0)

    assert counts[1] > 1
    assert counts[0] == counts[1] == counts[30]
    assert empty_page["data"]["search"]["edges"] == []


async def test_total_count_is_counted_when_only_a_merged_field_selects_it(client: httpx.AsyncClient) -> None:
    merged = """{ search(query: "jacket", first: 2) { edges { cursor } }
                  ...Count }
                fragment Count on Query { search(query: "jacket", first: 2) { totalCount productFilters { id } } }"""
    alone = '{ search(query: "jacket", first: 2) { totalCount } }'

    body = await gql(client, merged)
    expected = (await gql(client, alone))["data"]["search"]["totalCount"]

    assert "errors" not in body, body
    assert expected > 0
    assert body["data"]["search"]["totalCount"] == expected
    assert body["data"]["search"]["productFilters"]


PREDICTIVE = """query($q: String!) { predictiveSearch(query: $q, limit: 5) {
  products { title category { title } } categories { title handle } queries { text } } }"""


async def predictive(http: httpx.AsyncClient, query: str) -> dict:
    body = await gql(http, PREDICTIVE, q=query)
    assert "errors" not in body, body["errors"]
    return body["data"]["predictiveSearch"]


async def test_predictive_search_tolerates_a_typo_in_the_word_being_typed(client: httpx.AsyncClient) -> None:
    found = await predictive(client, "hedph")

    assert found["products"]
    assert "Headphones" in found["products"][0]["title"]
    assert all(p["category"]["title"] == "Headphones" for p in found["products"])
    assert "headphones" in [q["text"] for q in found["queries"]]


async def test_predictive_search_completes_the_phrase_the_titles_hold(client: httpx.AsyncClient) -> None:
    found = await predictive(client, "linen s")

    queries = [q["text"] for q in found["queries"]]
    assert "linen shirt" in queries, queries
    assert all(q.startswith("linen s") for q in queries)
    assert all("Linen" in p["title"] for p in found["products"])


async def test_predictive_search_suggests_only_categories_the_query_is_about(client: httpx.AsyncClient) -> None:
    found = await predictive(client, "run")

    assert found["categories"]
    for category in found["categories"]:
        listing = await gql(
            client,
            "query($h: String!) { category(handle: $h) { products(first: 100) { nodes { title } } } }",
            h=category["handle"],
        )
        titles = [n["title"] for n in listing["data"]["category"]["products"]["nodes"]]
        # Matching "run" in a description ("family-run workshops") makes no category relevant.
        assert any("Run" in t for t in titles), (category["title"], titles[:5])


async def test_a_word_matching_nothing_is_not_corrected_into_an_unrelated_one(client: httpx.AsyncClient) -> None:
    result = await search(client, "café", first=5)
    typed = await predictive(client, "café")

    # The demo catalog sells nothing called café; "care" (1 edit away) is only in descriptions ("easy to care for").
    assert result["correctedQuery"] is None and result["didYouMean"] is None
    assert result["totalCount"] == 0
    assert typed["products"] == [] and typed["queries"] == []


async def test_a_word_with_matches_is_searched_as_typed(tmp_path: Path) -> None:
    categories, records = generate_catalog(products=40, seed=3)
    mug = records[0]
    product = dataclasses.replace(mug.product, handle="cafe-au-lait-mug", title="Café au Lait Mug")
    records = [dataclasses.replace(mug, product=product), *records[1:]]
    async with build_backends(make_settings(tmp_path)) as backends:
        await backends.catalog.upsert_categories(categories)
        await backends.catalog.upsert_products(records)

        found = [
            await backends.search.search(SearchRequest(text=t, limit=5, with_total=True)) for t in ("café", "cafe")
        ]
        typed = await backends.search.suggest("café", 5)

    for result in found:
        assert result.product_ids[0] == product.id
        assert result.corrected_query is None
    assert typed.product_ids[:1] == [product.id]
