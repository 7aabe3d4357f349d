"""Shopify storefront operations for collections, menus, pages and the shop (``tests/shopify_operations/``),
run as a storefront sends them on the embedded default and on the AWS adapters (DynamoDB on moto's server,
the OpenSearch stand-in for facets): through the compiled plans and under the default cost limit, without
`errors`; checked against the catalog and the content feed they were seeded from.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from bff.backends.dynamodb_catalog import DynamoCatalogStore, create_table
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.backends.search_indexer import reindex
from bff.catalog_io import generate_catalog
from bff.graphql.compiled_run import stats
from bff.ids import to_global_id
from bff.services.content_feed import import_content
from bff.services.content_seed import seed_demo_pages
from tests.conftest import app_client, error_codes, make_settings
from tests.opensearch_fake import running_fake

OPERATIONS = Path(__file__).parent / "shopify_operations"
TABLE = "shopify-collections"
SHOP_URL = "https://shop.example.com"
CATEGORIES, RECORDS = generate_catalog(products=60, seed=5)
PRODUCTS = {r.product.id: r.product for r in RECORDS}
PICKS = [
    RECORDS[5].product.id,
    RECORDS[2].product.handle,
    "no-such-product",
    RECORDS[9].product.id,
    RECORDS[30].product.id,
]
FEED = [
    {
        "type": "collection",
        "handle": "staff-picks.2026",
        "title": "Staff picks",
        "description": "What we use ourselves.",
        "descriptionHtml": "<p>What we <em>use</em> ourselves.</p><script>x()</script>",
        "products": PICKS,
    },
    {"type": "page", "handle": "size_guide", "title": "Size guide", "bodyHtml": "<table><tr><td>S</td></tr></table>"},
    {
        "type": "menu",
        "handle": "help-links",
        "title": "Help",
        "items": [
            {"title": "Sizes", "type": "PAGE", "resource": "page:size_guide"},
            {"title": "Picks", "type": "COLLECTION", "resource": "collection:staff-picks.2026"},
            {"title": "A shirt", "type": "PRODUCT", "resource": f"product:{RECORDS[0].product.handle}"},
            {"title": "Blog", "type": "HTTP", "url": "https://blog.example.com/"},
        ],
    },
]


def operation(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")


def subtree(category_id: str) -> set[str]:
    below = {category_id}
    for category in CATEGORIES:  # the generator lists parents before their children
        if category.parent_id in below:
            below.add(category.id)
    return below


async def seed_content(store: Any, tmp_path: Path) -> None:
    feed = tmp_path / "content.jsonl"
    feed.write_text("\n".join(json.dumps(r) for r in FEED), encoding="utf-8")
    await seed_demo_pages(store)
    report = await import_content(store, feed)
    assert not report.rejected, report


def patient(app: app_client) -> app_client:
    """Start-up on a busy machine (the embedded index and model built, moto's tables) may take more than the
    lifespan manager's default 5 s."""
    app.manager = LifespanManager(app.app, startup_timeout=60, shutdown_timeout=60)
    return app


@pytest.fixture(scope="module")
async def apps(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str) -> AsyncIterator[dict[str, Any]]:
    """The same catalog and content on the embedded default and on the AWS adapters, an app on each."""
    from bff.backends.dynamodb_content import DynamoContentStore
    from bff.backends.local.content_sqlite import SqliteContentStore

    embedded_dir, aws_dir = tmp_path_factory.mktemp("shop-embedded"), tmp_path_factory.mktemp("shop-aws")
    embedded = make_settings(embedded_dir, shop_url=SHOP_URL, shop_name="Harbor Goods")
    sqlite = await SqliteCatalogStore.open(embedded.catalog_db_path)
    dynamodb = await DynamoCatalogStore.open(TABLE, "us-east-1", moto_endpoint)
    await create_table(dynamodb.requests)
    for store in (sqlite, dynamodb):
        await store.upsert_categories(CATEGORIES)
        await store.upsert_products(RECORDS)
        await store.close()
    for content in (
        await SqliteContentStore.open(embedded.content_db_path),
        await DynamoContentStore.open(TABLE, "us-east-1", moto_endpoint),
    ):
        await seed_content(content, embedded_dir)
        await content.close()
    with running_fake() as (url, cluster):
        aws = make_settings(
            aws_dir,
            shop_url=SHOP_URL,
            shop_name="Harbor Goods",
            catalog_backend="dynamodb",
            aws_endpoint_url=moto_endpoint,
            dynamodb_table=TABLE,
            search_backend="opensearch",
            opensearch_url=url,
            opensearch_auth="none",
            # moto's server answers some listings in seconds, past the production deadlines.
            call_policy={"catalog": {"timeout_seconds": 60}, "content": {"timeout_seconds": 60}},
        )
        embedded_app, aws_app = patient(app_client(embedded)), patient(app_client(aws))
        async with embedded_app as on_embedded, aws_app as on_aws:
            yield {"embedded": on_embedded, "aws": on_aws, "aws_app": aws_app, "cluster": cluster}


@pytest.fixture(scope="module")
async def indexed(apps: dict[str, Any]) -> dict[str, Any]:
    """The OpenSearch stand-in holds the catalog (the app's own indexer, as `bff reindex` runs it)."""
    backends = apps["aws_app"].state.backends
    await reindex(backends.catalog, backends.search, catch_up=False)
    return apps


@pytest.fixture(params=["embedded", "aws"])
def http(request: pytest.FixtureRequest, indexed: dict[str, Any]) -> httpx.AsyncClient:
    client: httpx.AsyncClient = indexed[request.param]
    return client


async def run(http: httpx.AsyncClient, name: str, **variables: Any) -> dict[str, Any]:
    """A storefront operation as sent: by operation name, through the compiled plan, without errors."""
    before = stats["compiled"]
    response = await http.post("/graphql", json={"query": operation(name), "variables": variables or None})
    body: dict[str, Any] = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    assert stats["compiled"] == before + 1, "graphql-core answered instead of the compiled plan"
    return body


async def collection(http: httpx.AsyncClient, handle: str, **variables: Any) -> dict[str, Any]:
    variables.setdefault("sortKey", "COLLECTION_DEFAULT")
    found: dict[str, Any] = (await run(http, "collection_page", handle=handle, **variables))["data"]["collection"]
    return found


async def test_every_operation_answers_on_a_seeded_store(http: httpx.AsyncClient) -> None:
    await run(http, "collection_page", handle="footwear", first=24, sortKey="BEST_SELLING")
    await run(http, "collection_list", first=20)
    await run(http, "menu_header", headerMenuHandle="main-menu")
    await run(http, "menu_footer", footerMenuHandle="footer")
    await run(http, "page_detail", handle="shipping")
    await run(http, "page_list", first=10, handle="about")
    await run(http, "shop_info")


async def test_a_category_collection_lists_its_subtree_sorted_by_price(http: httpx.AsyncClient) -> None:
    expected = {p.id for p in PRODUCTS.values() if p.category_id in subtree("cat-footwear")}

    found = await collection(http, "footwear", first=50, sortKey="PRICE")

    nodes = found["products"]["nodes"]
    assert found["id"] == to_global_id("Collection", "footwear") and found["title"] == "Footwear"
    assert {n["id"] for n in nodes} == {to_global_id("Product", i) for i in expected} and expected
    prices = [Decimal(n["priceRange"]["minVariantPrice"]["amount"]) for n in nodes]
    assert prices == sorted(prices)
    reverse = await collection(http, "footwear", first=50, sortKey="PRICE", reverse=True)
    reversed_prices = [Decimal(n["priceRange"]["minVariantPrice"]["amount"]) for n in reverse["products"]["nodes"]]
    assert reversed_prices == sorted(prices, reverse=True)


async def test_a_price_filter_sent_as_floats_keeps_its_bounds(http: httpx.AsyncClient) -> None:
    home = [r for r in RECORDS if r.product.category_id in subtree("cat-home")]
    prices = sorted(min(v.price.amount for v in r.variants) for r in home)
    low, high = prices[1], prices[-2]  # sent as floats (Shopify's type), which cannot hold them exactly
    assert Decimal(float(low)) != low or Decimal(float(high)) != high

    found = await collection(
        http, "home", first=50, sortKey="PRICE", filters=[{"price": {"min": float(low), "max": float(high)}}]
    )

    amounts = [Decimal(n["priceRange"]["minVariantPrice"]["amount"]) for n in found["products"]["nodes"]]
    assert amounts == [p for p in prices if low <= p <= high]


async def test_a_facet_value_input_passed_back_narrows_to_its_count(http: httpx.AsyncClient) -> None:
    found = await collection(http, "apparel", first=50)
    filters = {f["id"]: f for f in found["products"]["filters"]}
    vendor = filters["filter.p.vendor"]["values"][0]
    apparel = [p for p in PRODUCTS.values() if p.category_id in subtree("cat-apparel")]
    assert sum(v["count"] for v in filters["filter.p.vendor"]["values"]) == len(apparel)
    assert vendor["input"] == {"productVendor": vendor["label"]}

    narrowed = await collection(http, "apparel", first=50, filters=[vendor["input"]])

    nodes = narrowed["products"]["nodes"]
    assert len(nodes) == vendor["count"] == sum(1 for p in apparel if p.vendor == vendor["label"])
    assert {n["vendor"] for n in nodes} == {vendor["label"]}


def listed() -> list[Any]:
    """The curated collection's products as the feed lists them (ids or handles), the unknown one left out."""
    by_handle = {p.handle: p for p in PRODUCTS.values()}
    return [PRODUCTS.get(m) or by_handle[m] for m in PICKS if m in PRODUCTS or m in by_handle]


async def test_a_curated_collection_lists_its_products_in_the_feed_order(http: httpx.AsyncClient) -> None:
    picks = listed()

    found = await collection(http, "staff-picks.2026", first=10)

    assert [n["id"] for n in found["products"]["nodes"]] == [to_global_id("Product", p.id) for p in picks]
    assert len(picks) == 4
    assert found["descriptionHtml"] == "<p>What we <em>use</em> ourselves.</p>"
    assert found["seo"] == {"title": "Staff picks", "description": "What we use ourselves."}
    by_title = await collection(http, "staff-picks.2026", first=2, sortKey="TITLE")
    page_two = await collection(
        http, "staff-picks.2026", first=2, sortKey="TITLE", endCursor=by_title["products"]["pageInfo"]["endCursor"]
    )
    titles = [n["title"] for n in by_title["products"]["nodes"] + page_two["products"]["nodes"]]
    assert titles == sorted((p.title for p in picks), key=str.lower)


async def test_a_curated_collection_filters_and_counts_in_memory(http: httpx.AsyncClient) -> None:
    picks = listed()
    option = picks[0].options[0]
    vendor = picks[0].vendor

    found = await collection(http, "staff-picks.2026", first=10, filters=[{"productVendor": vendor}])
    by_option = await collection(
        http,
        "staff-picks.2026",
        first=10,
        filters=[{"variantOption": {"name": option.name, "value": option.values[0]}}],
    )

    assert {n["vendor"] for n in found["products"]["nodes"]} == {vendor}
    counts = {
        v["label"]: v["count"]
        for f in found["products"]["filters"]
        if f["id"] == "filter.p.vendor"
        for v in f["values"]
    }
    # the vendor facet counts with every filter but its own: each vendor of the collection, as listed
    assert counts == {v: sum(1 for p in picks if p.vendor == v) for v in {p.vendor for p in picks}}
    expected = [p for p in picks if any(o.name == option.name and option.values[0] in o.values for o in p.options)]
    assert [n["id"] for n in by_option["products"]["nodes"]] == [to_global_id("Product", p.id) for p in expected]


async def test_collections_page_through_categories_and_curated_ones_by_title(http: httpx.AsyncClient) -> None:
    titles: list[str] = []
    cursor = None
    for _ in range(10):
        page = (await run(http, "collection_list", first=15, endCursor=cursor))["data"]["collections"]
        titles += [n["title"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        cursor = page["pageInfo"]["endCursor"]

    expected = sorted([c.title for c in CATEGORIES] + ["Staff picks"], key=str.lower)
    assert titles == expected


async def test_the_main_menu_is_the_category_tree_on_the_shop_domain(http: httpx.AsyncClient) -> None:
    body = await run(http, "menu_header", headerMenuHandle="main-menu")

    shop, menu = body["data"]["shop"], body["data"]["menu"]
    assert (
        shop["name"] == "Harbor Goods" and shop["primaryDomain"] == {"url": SHOP_URL} and shop["brand"]["logo"] is None
    )
    top = [c for c in CATEGORIES if c.parent_id is None]
    assert [i["title"] for i in menu["items"]] == ["Home", *[c.title for c in top]]
    apparel = menu["items"][1]
    assert apparel["url"] == f"{SHOP_URL}/collections/apparel" and apparel["type"] == "COLLECTION"
    assert [i["title"] for i in apparel["items"]] == [c.title for c in CATEGORIES if c.parent_id == "cat-apparel"]
    assert [i["title"] for i in apparel["items"][0]["items"]] == [
        c.title for c in CATEGORIES if c.parent_id == apparel_child_id(apparel)
    ]
    node = await http.post(
        "/graphql",
        json={
            "query": "query($id: ID!) { node(id: $id) { ... on Collection { handle } } }",
            "variables": {"id": apparel["resourceId"]},
        },
    )
    assert node.json()["data"]["node"] == {"handle": "apparel"}


def apparel_child_id(item: dict[str, Any]) -> str:
    first = item["items"][0]["title"]
    return next(c.id for c in CATEGORIES if c.title == first and c.parent_id == "cat-apparel")


async def test_a_feed_menu_links_pages_collections_and_products(http: httpx.AsyncClient) -> None:
    menu = (await run(http, "menu_footer", footerMenuHandle="help-links"))["data"]["menu"]
    footer = (await run(http, "menu_footer", footerMenuHandle="footer"))["data"]["menu"]

    assert [(i["title"], i["type"], i["url"]) for i in menu["items"]] == [
        ("Sizes", "PAGE", f"{SHOP_URL}/pages/size_guide"),
        ("Picks", "COLLECTION", f"{SHOP_URL}/collections/staff-picks.2026"),
        ("A shirt", "PRODUCT", f"{SHOP_URL}/products/{RECORDS[0].product.handle}"),
        ("Blog", "HTTP", "https://blog.example.com/"),
    ]
    assert [i["resourceId"] for i in menu["items"]] == [
        to_global_id("Page", "size_guide"),
        to_global_id("Collection", "staff-picks.2026"),
        to_global_id("Product", RECORDS[0].product.id),
        None,
    ]
    assert [i["title"] for i in footer["items"]] == [
        "About us",
        "Privacy policy",
        "Returns",
        "Shipping",
        "Size guide",
        "Search",
    ]
    missing = await http.post("/graphql", json={"query": '{ menu(handle: "nope") { id } }'})
    assert missing.json()["data"] == {"menu": None}


async def test_pages_by_handle_id_and_list(http: httpx.AsyncClient) -> None:
    page = (await run(http, "page_detail", handle="size_guide"))["data"]["page"]
    listed = (await run(http, "page_list", first=3, handle="returns"))["data"]

    assert page["body"] == "<table><tr><td>S</td></tr></table>" and page["title"] == "Size guide"
    assert page["id"] == to_global_id("Page", "size_guide")
    assert [e["node"]["handle"] for e in listed["pages"]["edges"]] == ["about", "privacy", "returns"]
    assert listed["pages"]["pageInfo"]["hasNextPage"] is True
    assert listed["pageByHandle"]["title"] == "Returns"
    node = await http.post(
        "/graphql",
        json={"query": "query($id: ID!) { node(id: $id) { ... on Page { handle } } }", "variables": {"id": page["id"]}},
    )
    assert node.json()["data"]["node"] == {"handle": "size_guide"}
    assert (await run(http, "page_detail", handle="no-such-page"))["data"]["page"] is None


async def test_shop(http: httpx.AsyncClient) -> None:
    shop = (await run(http, "shop_info"))["data"]["shop"]

    assert shop["name"] == "Harbor Goods"
    assert shop["primaryDomain"] == {"url": SHOP_URL, "host": "shop.example.com", "sslEnabled": True}


BATCHED = """{
  a: page(handle: "about") { title } b: page(handle: "shipping") { title } c: pageByHandle(handle: "returns") { title }
  x: collection(handle: "staff-picks.2026") { title } y: collection(handle: "footwear") { title }
  z: collection(handle: "nope") { title }
}"""


async def test_content_reads_are_batched_per_kind(http: httpx.AsyncClient) -> None:
    body = (await http.post("/graphql", json={"query": BATCHED})).json()

    assert body["data"]["a"]["title"] == "About us" and body["data"]["y"]["title"] == "Footwear"
    assert body["data"]["z"] is None
    calls = body["extensions"]["backendCalls"]
    # one read of the pages, one of the curated collections; the categories asked for, in one batch
    assert calls["content.get_items"] == 2
    assert calls["catalog.get_categories_by_handle"] == 1


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"handle": "x" * 256}, "handle"),
        (
            {"handle": "footwear", "filters": [{"variantOption": {"name": "Size", "value": "M"}}]},
            "filters.variantOption",
        ),
        ({"handle": "footwear", "filters": [{"price": {"min": 30, "max": 10}}]}, "productFilters.price"),
        ({"handle": "footwear", "endCursor": "forged"}, "after"),
    ],
)
async def test_bad_input_is_a_user_error(http: httpx.AsyncClient, variables: dict[str, Any], field: str) -> None:
    response = await http.post(
        "/graphql",
        json={"query": operation("collection_page"), "variables": {"sortKey": "PRICE", "first": 5, **variables}},
    )
    body = response.json()
    assert response.status_code == 200
    assert error_codes(body) == ["BAD_USER_INPUT"], body


async def test_the_filter_panel_is_empty_with_a_warning_while_search_is_down(indexed: dict[str, Any]) -> None:
    http, cluster = indexed["aws"], indexed["cluster"]
    cluster.mode = "unavailable"
    try:
        response = await http.post(
            "/graphql",
            json={
                "query": operation("collection_page"),
                "variables": {"handle": "boots", "first": 5, "sortKey": "TITLE"},
            },
        )
    finally:
        cluster.mode = "ok"

    body = response.json()
    assert "errors" not in body, body
    products = body["data"]["collection"]["products"]
    assert products["filters"] == [] and products["nodes"]
    assert [w["capability"] for w in body["extensions"]["warnings"]] == ["search"]


async def test_shopify_filter_names_narrow_every_product_list(http: httpx.AsyncClient) -> None:
    vendor = RECORDS[0].product.vendor
    query = """query($filter: ProductFilter, $id: ID!) {
      products(first: 50, filter: $filter) { nodes { vendor } }
      node(id: $id) { ... on Collection { handle title } }
    }"""

    body = (
        await http.post(
            "/graphql",
            json={
                "query": query,
                "variables": {
                    "filter": {"productVendor": vendor},
                    "id": to_global_id("Collection", "staff-picks.2026"),
                },
            },
        )
    ).json()

    assert "errors" not in body, body
    assert [n["vendor"] for n in body["data"]["products"]["nodes"]] == [vendor] * sum(
        1 for p in PRODUCTS.values() if p.vendor == vendor
    )
    assert body["data"]["node"] == {"handle": "staff-picks.2026", "title": "Staff picks"}
