"""Storefront operations written for Shopify's Storefront API (``tests/shopify_operations/``: a product page,
a product grid of `products(first: 100)` with `variants(first: 250)` and `images(first: 20)`, search by query
string, recommendations) answer without any `errors` entry: validated against the schema, served by a compiled
plan, under the cost limit, on the embedded default and on the AWS adapters (DynamoDB on moto's server, the
OpenSearch stand-in, Personalize through botocore's Stubber)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.stub import Stubber
from graphql import parse, validate

from bff.backends.dynamodb_catalog import DynamoCatalogStore, create_table
from bff.backends.personalize import PersonalizeRecommender
from bff.backends.ports import unwrap
from bff.backends.search_indexer import reindex
from bff.catalog_io import generate_catalog
from bff.graphql.compiled_run import stats
from bff.ids import from_global_id
from bff.settings import Settings
from resolvers.schema import schema
from tests.conftest import app_client, make_settings
from tests.opensearch_fake import FakeCluster, running_fake

OPERATIONS = Path(__file__).parent / "shopify_operations"
FRAGMENTS = (OPERATIONS / "product_fragments.graphql").read_text()
# The catalog's operations (other areas' documents share the folder and run in their own tests).
NAMES = [
    "complementary_products",
    "get_product",
    "get_product_recommendations",
    "get_products",
    "product_page_hydrogen",
    "search_products",
]
TABLE = "shopify-operations"
ARN = "arn:aws:personalize:us-east-1:123456789012"


def document(name: str) -> str:
    """The operation as a storefront sends it: its text, with the shared fragments when it spreads them."""
    text = (OPERATIONS / f"{name}.graphql").read_text()
    return text + "\n" + FRAGMENTS if "...product" in text else text


def test_every_operation_is_valid_against_the_schema() -> None:
    for name in NAMES:
        assert validate(schema._schema, parse(document(name))) == [], name


async def pick(http: httpx.AsyncClient) -> dict[str, Any]:
    """A product with options and tags from the seeded store (through the API: the tests know no ids)."""
    body = await post(
        http, "{ products(first: 20, sortKey: BEST_SELLING) { nodes { id handle tags options { name values } } } }"
    )
    return next(p for p in body["data"]["products"]["nodes"] if p["tags"] and p["options"])


async def post(http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def variables_for(name: str, product: dict[str, Any]) -> dict[str, Any]:
    selected = [{"name": o["name"].upper(), "value": o["values"][-1].lower()} for o in product["options"]]
    return {
        "get_product": {"handle": product["handle"]},
        "get_products": {"sortKey": "BEST_SELLING", "reverse": False},
        "get_product_recommendations": {"productId": product["id"]},
        "complementary_products": {"productId": product["id"]},
        "search_products": {"query": f"tag:{product['tags'][0]} variants.price:<1000", "first": 50},
        "product_page_hydrogen": {
            "country": "US",
            "language": "EN",
            "handle": product["handle"],
            "selectedOptions": [*selected, {"name": "Not an option", "value": "x"}],
        },
    }[name]


def image_urls(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [value["url"]] if isinstance(value.get("url"), str) else []
        return own + [u for v in value.values() for u in image_urls(v)]
    if isinstance(value, list):
        return [u for v in value for u in image_urls(v)]
    return []


def check(name: str, data: dict[str, Any], product: dict[str, Any], origin: str) -> None:
    """What a storefront page relies on, beyond the absence of errors."""
    urls = image_urls(data)
    assert urls and all(u.startswith(origin + "/") for u in urls), (name, urls[:3])
    if name == "get_product":
        page = data["product"]
        assert page["handle"] == product["handle"]
        assert page["descriptionHtml"].startswith("<p>")
        assert page["seo"]["title"] and len(page["seo"]["description"]) <= 160
        assert len({o["id"] for o in page["options"]}) == len(page["options"]) == len(product["options"])
        assert page["variants"]["edges"] and page["images"]["edges"]
    elif name == "get_products":
        edges = data["products"]["edges"]
        assert len(edges) > 50
        assert all(e["node"]["variants"]["edges"] for e in edges)
    elif name == "search_products":
        nodes = data["products"]["nodes"]
        tag = product["tags"][0]
        assert product["id"] in {n["id"] for n in nodes}
        assert all(tag in n["tags"] for n in nodes)
        assert all("crop=center" in n["featuredImage"]["url"] for n in nodes if n["featuredImage"])
    elif name in ("get_product_recommendations", "complementary_products"):
        lists = [data["productRecommendations"]] if "productRecommendations" in data else list(data.values())
        for found in lists:
            assert found and product["id"] not in {p["id"] for p in found}
    elif name == "product_page_hydrogen":
        wanted = {o["name"]: o["values"][-1] for o in product["options"]}
        chosen = data["product"]["selectedVariant"]
        assert {o["name"]: o["value"] for o in chosen["selectedOptions"]} == wanted
        assert data["product"]["firstAvailable"]["id"] == chosen["id"]
        assert data["product"]["encodedVariantExistence"].startswith("v1_")
        assert all(v["id"] != chosen["id"] for v in data["product"]["adjacentVariants"])
        for option in data["product"]["options"]:
            for value in option["optionValues"]:
                having = value["firstSelectableVariant"]["selectedOptions"]
                assert {"name": option["name"], "value": value["name"]} in having


async def run_suite(http: httpx.AsyncClient, settings: Settings) -> dict[str, dict[str, Any]]:
    product = await pick(http)
    answers = {}
    for name in NAMES:
        before = stats["compiled"]
        body = await post(http, document(name), variables_for(name, product))
        assert "errors" not in body, (name, body["errors"])
        cost = body["extensions"]["cost"]
        assert cost["requestedQueryCost"] <= cost["maxCost"] == settings.max_query_cost, name
        assert stats["compiled"] == before + 1, f"{name} was not served by a compiled plan"
        check(name, body["data"], product, settings.image_origin)
        answers[name] = body
    return answers


async def test_the_operations_answer_on_the_embedded_default(seeded_dir: Path) -> None:
    settings = make_settings(seeded_dir, image_base_url="https://images.shop.example")
    async with app_client(settings) as http:
        await run_suite(http, settings)


async def test_a_grid_of_100_products_with_variants_and_images_costs_two_backend_calls(seeded_dir: Path) -> None:
    settings = make_settings(seeded_dir)
    async with app_client(settings) as http:
        body = await post(http, document("get_products"), {"sortKey": "TITLE"})
    assert "errors" not in body
    assert len(body["data"]["products"]["edges"]) > 50
    # One listing read, one batch of every listed product's variants; images come with the products.
    assert body["extensions"]["backendCalls"] == {
        "total": 2,
        "catalog.list_products": 1,
        "catalog.get_variants_by_product": 1,
    }


@pytest.fixture(scope="module")
def opensearch() -> Iterator[tuple[str, FakeCluster]]:
    with running_fake() as running:
        yield running


@pytest.fixture(scope="module")
async def aws_settings(
    tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str, opensearch: tuple[str, FakeCluster]
) -> Settings:
    categories, records = generate_catalog(products=60, seed=5)
    store = await DynamoCatalogStore.open(TABLE, "us-east-1", moto_endpoint)
    await create_table(store.requests)
    await store.upsert_categories(categories)
    await store.upsert_products(records)
    await store.close()
    return make_settings(
        tmp_path_factory.mktemp("shopify-aws"),
        catalog_backend="dynamodb",
        aws_endpoint_url=moto_endpoint,
        dynamodb_table=TABLE,
        search_backend="opensearch",
        opensearch_url=opensearch[0],
        opensearch_auth="none",
        recommender_backend="personalize",
        personalize_related_arn=f"{ARN}:recommender/related",
        personalize_bought_together_arn=f"{ARN}:recommender/bought-together",
        recommender_rebuild_interval_seconds=0,
        image_base_url="https://cdn.shop.example/",
        # moto's server answers some listings in seconds, past the catalog's production deadline.
        call_policy={"catalog": {"timeout_seconds": 60}},
    )


@pytest.fixture
async def aws_app(aws_settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Stubber, list[str]]]:
    served = app_client(aws_settings)
    http = await served.__aenter__()
    try:
        backends = served.state.backends
        await reindex(backends.catalog, backends.search)
        listed = await post(http, "{ products(first: 30, sortKey: TITLE) { nodes { id } } }")
        ids = [p["id"] for p in listed["data"]["products"]["nodes"]]
        adapter = unwrap(backends.recommender)
        assert isinstance(adapter, PersonalizeRecommender)
        with Stubber(adapter.runtime) as stub:
            yield http, stub, ids
    finally:
        await served.__aexit__(None, None, None)


async def test_the_operations_answer_on_the_aws_adapters(
    aws_app: tuple[httpx.AsyncClient, Stubber, list[str]], aws_settings: Settings, opensearch: tuple[str, FakeCluster]
) -> None:
    http, stub, ids = aws_app
    keys = [from_global_id(i)[1] for i in ids]
    # One Personalize list per recommendation list the suite asks for (related; complementary and related).
    for _ in range(3):
        stub.add_response("get_recommendations", {"itemList": [{"itemId": k} for k in keys[:12]]})
    searches_before = len(opensearch[1].sent("POST", "/_search"))
    answers = await run_suite(http, aws_settings)
    calls = answers["get_products"]["extensions"]["backendCalls"]
    # The grid of 100 products: the listing's ids, one batch of products, one of variants (the shared cache's
    # reads and writes beside them), never a call per product.
    assert {k: v for k, v in calls.items() if k.startswith("catalog.")} == {
        "catalog.list_product_ids": 1,
        "catalog.get_products": 1,
        "catalog.get_variants_by_product": 1,
    }
    stub.assert_no_pending_responses()
    # The query string ran as one search on the cluster.
    assert len(opensearch[1].sent("POST", "/_search")) == searches_before + 1


async def test_in_context_is_accepted_with_known_codes_and_changes_no_answer(seeded_dir: Path) -> None:
    settings = make_settings(seeded_dir)
    async with app_client(settings) as http:
        product = await pick(http)
        variables = variables_for("product_page_hydrogen", product)
        text = document("product_page_hydrogen")
        french = await post(http, text, {**variables, "country": "FR", "language": "PT_BR"})
        plain = text.replace("@inContext(country: $country, language: $language)", "")
        plain = plain.replace("$country: CountryCode\n  $language: LanguageCode\n", "")
        rest = {k: v for k, v in variables.items() if k not in ("country", "language")}
        without = await post(http, plain, rest)
        unknown = await post(http, text, {**variables, "country": "QQ"})
        misplaced = await post(http, "{ shop @inContext(country: US) { name } }")

    assert "errors" not in french and french["data"] == without["data"]
    assert unknown["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", unknown
    assert "CountryCode" in unknown["errors"][0]["message"]
    assert misplaced["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
