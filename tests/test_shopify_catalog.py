"""The catalog in Shopify's shapes: the search syntax of `products(query:)` (parsed, translated, answered by
the search engine, refused with `BAD_USER_INPUT`), the image connection and image URLs, option ids, SEO,
the sanitized HTML description, variant matching with Shopify's arguments, and `productRecommendations`."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bff.domain.catalog import ProductQuery
from bff.domain.search_syntax import SearchSyntaxError, parse, translate
from bff.settings import Settings
from resolvers.catalog.product_parts import description_html
from tests.conftest import app_client, error_codes, gql, make_settings
from tests.test_settings import PRODUCTION


def words_and_filters(query: str) -> tuple[str | None, ProductQuery]:
    translation = translate(parse(query))
    return translation.text, translation.filters


@pytest.mark.parametrize(
    ("query", "text", "filters"),
    [
        ("", None, ProductQuery()),
        ("linen shirt", "linen shirt", ProductQuery()),
        ('"linen shirt" title:blue', "linen shirt blue", ProductQuery()),
        ("tag:sale AND vendor:Acme", None, ProductQuery(tags=("sale",), vendors=("Acme",))),
        ("(tag:sale OR tag:new) boots", "boots", ProductQuery(tags=("sale", "new"))),
        (
            'product_type:"T Shirt" available_for_sale:false',
            None,
            ProductQuery(product_types=("T Shirt",), available=False),
        ),
        (
            "variants.price:>=10 variants.price:<50 variants.price:<40",
            None,
            ProductQuery(min_price=Decimal(10), max_price=Decimal(40)),
        ),
        ("ORANGE ANDROID notebook", "ORANGE ANDROID notebook", ProductQuery()),
        ("(vendor:Acme (tag:a))", None, ProductQuery(vendors=("Acme",), tags=("a",))),
    ],
)
def test_the_search_syntax_becomes_words_and_filters(query: str, text: str | None, filters: ProductQuery) -> None:
    assert words_and_filters(query) == (text, filters)


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("tag:", "does not parse at character"),
        ("(boots", "does not parse"),
        ("boots OR", "does not parse"),
        ("NOT tag:sale", "negation"),
        ("-tag:sale", "negation"),
        ("tag:a tag:b", "must both hold"),
        ("tag:a OR vendor:b", "different fields"),
        ("sku:ABC", "not a supported field"),
        ("variants.price:<cheap", "takes an amount"),
        ("variants.price:<1e999999", "between 0 and"),
        ("variants.price:>NaN", "between 0 and"),
        ("variants.price:<10 variants.price:>20", "leave no price"),
        ("available_for_sale:maybe", "true or false"),
        ("x" * 201, "longer than 200"),
    ],
)
def test_what_the_search_port_cannot_answer_is_refused_with_the_reason(query: str, reason: str) -> None:
    with pytest.raises(SearchSyntaxError, match=reason):
        translate(parse(query))


SEARCH = """query($q: String!, $first: Int = 100, $after: String) {
  products(query: $q, first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { id } } }"""
EVERY_PRODUCT = """query($after: String) { products(first: 100, after: $after) { pageInfo { hasNextPage endCursor }
  nodes { id title vendor productType tags availableForSale priceRange { minVariantPrice { amount } } } } }"""


async def every_page(client: httpx.AsyncClient, query: str, **variables: Any) -> list[dict[str, Any]]:
    """Every node of a connection, page after page (`after` = the previous page's end cursor)."""
    found: list[dict[str, Any]] = []
    after = None
    while True:
        body = await gql(client, query, after=after, **variables)
        assert "errors" not in body, body
        page = body["data"]["products"]
        found += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def test_query_string_filters_match_what_the_catalog_holds(client: httpx.AsyncClient) -> None:
    catalog = await every_page(client, EVERY_PRODUCT)  # the catalog's own listing, not the search engine
    vendor = catalog[0]["vendor"]
    tags = sorted({t for p in catalog for t in p["tags"]})[:2]
    cases = {
        f'vendor:"{vendor}"': {p["id"] for p in catalog if p["vendor"] == vendor},
        f"tag:{tags[0]} OR tag:{tags[1]}": {p["id"] for p in catalog if set(tags) & set(p["tags"])},
        "variants.price:<=40": {
            p["id"] for p in catalog if Decimal(p["priceRange"]["minVariantPrice"]["amount"]) <= 40
        },
        "available_for_sale:false": {p["id"] for p in catalog if not p["availableForSale"]},
        "available_for_sale:true": {p["id"] for p in catalog if p["availableForSale"]},
    }
    for query, expected in cases.items():
        assert expected, f"the seeded catalog has nothing for {query}"
        found = [p["id"] for p in await every_page(client, SEARCH, q=query, first=7)]
        assert len(found) == len(set(found)) and set(found) == expected, query


async def test_words_in_the_query_string_find_the_product_by_its_title(client: httpx.AsyncClient) -> None:
    product = (await every_page(client, EVERY_PRODUCT))[3]
    body = await gql(client, SEARCH, q=f'title:"{product["title"]}"', first=5)
    assert product["id"] in {p["id"] for p in body["data"]["products"]["nodes"]}


async def test_a_syntax_error_is_bad_user_input(client: httpx.AsyncClient) -> None:
    body = await gql(client, SEARCH, q="tag:(")
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "does not parse" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["field"] == "query"


async def test_a_cursor_of_another_query_is_refused(client: httpx.AsyncClient) -> None:
    first = await gql(client, SEARCH, q="available_for_sale:true", first=2)
    cursor = first["data"]["products"]["pageInfo"]["endCursor"]
    other = await gql(client, SEARCH, q="boots", first=2, after=cursor)
    assert error_codes(other) == ["BAD_USER_INPUT"]


async def test_sort_keys_that_a_search_cannot_order_by_are_refused(client: httpx.AsyncClient) -> None:
    body = await gql(client, '{ products(query: "boots", sortKey: TITLE) { nodes { id } } }')
    assert error_codes(body) == ["BAD_USER_INPUT"]
    relevance = await gql(client, "{ products(sortKey: RELEVANCE, first: 3) { nodes { id } } }")
    best = await gql(client, "{ products(sortKey: BEST_SELLING, first: 3) { nodes { id } } }")
    assert relevance["data"] == best["data"]  # no query: best sellers first


PRODUCT = """query($handle: String!) { product(handle: $handle) {
  id handle featuredImage { id url }
  all: images(first: 250) { edges { cursor node { id url width height } } }
  first: images(first: 1) { pageInfo { hasNextPage endCursor } nodes { url } }
  resized: images(first: 1) { nodes { url(transform: { maxWidth: 300, maxHeight: 200, crop: TOP, scale: 2,
    preferredContentType: WEBP }) } }
  options { id name values optionValues { id name } }
  seo { title description }
  descriptionHtml
} }"""


async def product_with_images(client: httpx.AsyncClient, at_least: int) -> dict[str, Any]:
    body = await gql(client, "{ products(first: 100) { nodes { handle images(first: 20) { nodes { id } } } } }")
    handle = next(p["handle"] for p in body["data"]["products"]["nodes"] if len(p["images"]["nodes"]) >= at_least)
    page = await gql(client, PRODUCT, handle=handle)
    assert "errors" not in page, page
    product: dict[str, Any] = page["data"]["product"]
    return product


async def test_images_are_a_connection_of_absolute_urls_that_resolve(client: httpx.AsyncClient) -> None:
    product = await product_with_images(client, 2)
    nodes = [e["node"] for e in product["all"]["edges"]]
    assert product["featuredImage"] == {"id": nodes[0]["id"], "url": nodes[0]["url"]}
    assert all(n["url"].startswith("http://127.0.0.1:8000/images/") for n in nodes)
    assert product["first"]["pageInfo"]["hasNextPage"] is True
    rest = await gql(
        client,
        "query($h: String!, $a: String) { product(handle: $h) { images(first: 250, after: $a) { nodes { url } } } }",
        h=product["handle"],
        a=product["first"]["pageInfo"]["endCursor"],
    )
    assert [n["url"] for n in rest["data"]["product"]["images"]["nodes"]] == [n["url"] for n in nodes[1:]]
    for node in nodes:
        served = await client.get(urlsplit(node["url"]).path)
        assert served.status_code == 200 and served.headers["content-type"] == "image/svg+xml"


async def test_a_transform_reaches_the_image_service_as_its_parameters(client: httpx.AsyncClient) -> None:
    product = await product_with_images(client, 1)
    url = product["resized"]["nodes"][0]["url"]
    assert parse_qs(urlsplit(url).query) == {"width": ["600"], "height": ["400"], "crop": ["top"], "format": ["webp"]}
    served = await client.get(urlsplit(url).path + "?" + urlsplit(url).query)
    assert served.status_code == 200
    assert b'width="600" height="400"' in served.content
    bad = await gql(
        client,
        "query($id: ID!) { product(id: $id) { featuredImage { url(transform: { maxWidth: 6000 }) } } }",
        id=product["id"],
    )
    assert error_codes(bad) == ["BAD_USER_INPUT"]
    assert bad["errors"][0]["extensions"]["field"] == "transform.maxWidth"


async def test_options_have_ids_unique_per_product_and_value(client: httpx.AsyncClient) -> None:
    body = await gql(
        client, "{ products(first: 50) { nodes { options { id name values optionValues { id name } } } } }"
    )
    options = [o for p in body["data"]["products"]["nodes"] for o in p["options"]]
    assert options
    assert len({o["id"] for o in options}) == len(options)
    values = [v["id"] for o in options for v in o["optionValues"]]
    assert len(set(values)) == len(values)
    assert all([v["name"] for v in o["optionValues"]] == o["values"] for o in options)


async def test_seo_and_html_description_come_from_the_product(client: httpx.AsyncClient) -> None:
    body = await gql(
        client, "{ products(first: 30) { nodes { title description descriptionHtml seo { title description } } } }"
    )
    for product in body["data"]["products"]["nodes"]:
        assert product["seo"]["title"] == product["title"]
        assert len(product["seo"]["description"]) <= 160
        assert product["description"].startswith(product["seo"]["description"].rstrip("…"))
        assert (
            product["descriptionHtml"].startswith("<p>") and product["description"][:20] in product["descriptionHtml"]
        )


def test_the_html_description_keeps_formatting_and_drops_everything_active() -> None:
    given = (
        '<p onclick="steal()">Soft <strong>linen</strong><script>alert(1)</script></p>'
        '<a href="javascript:alert(1)">x</a><a href="https://shop.example/care">care</a><iframe src="x"></iframe>'
    )
    cleaned = description_html(given)
    assert "<strong>linen</strong>" in cleaned and "https://shop.example/care" in cleaned
    for active in ("onclick", "<script", "alert", "javascript:", "<iframe"):
        assert active not in cleaned
    assert description_html("Fish & chips <3\n\nSecond\nline") == "<p>Fish &amp; chips &lt;3</p><p>Second<br>line</p>"


VARIANTS = """query($handle: String!, $selected: [SelectedOptionInput!]!) { product(handle: $handle) {
  options { name values }
  strict: variantBySelectedOptions(selectedOptions: $selected) { id }
  lenient: variantBySelectedOptions(selectedOptions: $selected, ignoreUnknownOptions: true) {
    id selectedOptions { name value } }
  fallback: selectedOrFirstAvailableVariant(selectedOptions: [{ name: "Nope", value: "x" }]) { id availableForSale }
  all: variants(first: 250) { nodes { id availableForSale } }
} }"""


async def test_variants_match_selected_options_as_shopify_documents(client: httpx.AsyncClient) -> None:
    body = await gql(client, "{ products(first: 50) { nodes { handle options { name values } } } }")
    product = next(p for p in body["data"]["products"]["nodes"] if len(p["options"]) == 2)
    selected = [{"name": o["name"].lower(), "value": o["values"][0].upper()} for o in product["options"]]
    page = await gql(
        client, VARIANTS, handle=product["handle"], selected=[*selected, {"name": "Engraving", "value": "no"}]
    )
    assert "errors" not in page, page
    found = page["data"]["product"]
    assert found["strict"] is None  # an option the product does not have
    assert {o["name"]: o["value"] for o in found["lenient"]["selectedOptions"]} == {
        o["name"]: o["values"][0] for o in product["options"]
    }
    first_for_sale = next((v for v in found["all"]["nodes"] if v["availableForSale"]), found["all"]["nodes"][0])
    assert found["fallback"]["id"] == first_for_sale["id"]


async def test_page_sizes_of_a_products_own_lists_go_to_250_and_no_further(client: httpx.AsyncClient) -> None:
    handle = (await gql(client, "{ products(first: 1) { nodes { handle } } }"))["data"]["products"]["nodes"][0][
        "handle"
    ]
    ok = await gql(
        client,
        "query($h: String!) { product(handle: $h) { variants(first: 250) { nodes { id } } "
        "images(first: 250) { nodes { url } } } }",
        h=handle,
    )
    assert "errors" not in ok
    over = await gql(
        client, "query($h: String!) { product(handle: $h) { variants(first: 251) { nodes { id } } } }", h=handle
    )
    assert error_codes(over) == ["BAD_USER_INPUT"]
    listing = await gql(client, "{ products(first: 101) { nodes { id } } }")
    assert error_codes(listing) == ["BAD_USER_INPUT"]  # listings keep the page-size cap


RECOMMENDED = """query($id: ID, $handle: String, $intent: ProductRecommendationIntent = RELATED) {
  productRecommendations(productId: $id, productHandle: $handle, intent: $intent) { id availableForSale } }"""


async def test_product_recommendations_by_id_or_handle_for_both_intents(client: httpx.AsyncClient) -> None:
    product = (await gql(client, "{ products(first: 1, sortKey: BEST_SELLING) { nodes { id handle } } }"))["data"][
        "products"
    ]["nodes"][0]
    related = await gql(client, RECOMMENDED, id=product["id"])
    by_handle = await gql(client, RECOMMENDED, handle=product["handle"])
    together = await gql(client, RECOMMENDED, id=product["id"], intent="COMPLEMENTARY")
    for body in (related, by_handle, together):
        found = body["data"]["productRecommendations"]
        assert 0 < len(found) <= 10
        assert product["id"] not in {p["id"] for p in found} and all(p["availableForSale"] for p in found)
    assert related["data"] == by_handle["data"]
    missing = await gql(client, RECOMMENDED, handle="no-such-product")
    assert missing["data"]["productRecommendations"] is None and "errors" not in missing
    both = await gql(client, RECOMMENDED, id=product["id"], handle=product["handle"])
    assert error_codes(both) == ["BAD_USER_INPUT"]


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("abcXYZ019 ():\"'<>=-.*_ORANDNOT\t")), max_size=60)
    | st.lists(
        st.sampled_from(["tag:", "vendor:", "variants.price:", "<", ">=", "(", ")", "OR", "AND", "NOT", "-", '"x y"']),
        max_size=12,
    ).map(" ".join)
)
def test_any_text_parses_or_is_refused_with_a_reason(query: str) -> None:
    # Only SearchSyntaxError may escape (a BAD_USER_INPUT with its message), never another exception.
    try:
        translation = translate(parse(query))
    except SearchSyntaxError as error:
        refused = str(error)
        translation = None
    if translation is None:
        assert refused
    else:
        assert translation.text is None or 0 < len(translation.text) <= len(query)


def test_production_takes_only_an_https_image_host() -> None:
    with pytest.raises(ValidationError, match="BFF_IMAGE_BASE_URL"):
        Settings(**{**PRODUCTION, "image_base_url": "http://images.shop.example"})  # type: ignore[arg-type]
    settings = Settings(**{**PRODUCTION, "image_base_url": "https://images.shop.example/"})  # type: ignore[arg-type]
    assert settings.image_origin == "https://images.shop.example"


async def test_the_shops_logo_is_an_image_like_any_other(seeded_dir: Path) -> None:
    settings = make_settings(seeded_dir, shop_logo_url="https://cdn.shop.example/logo.png")
    async with app_client(settings) as http:
        body = await gql(
            http,
            "{ shop { brand { logo { image { id url small: url(transform: { maxWidth: 64 }) } } } } }",
        )
    image = body["data"]["shop"]["brand"]["logo"]["image"]
    assert image["url"] == "https://cdn.shop.example/logo.png"
    assert image["small"] == "https://cdn.shop.example/logo.png?width=64" and image["id"]
