"""Recommendations through the API on the embedded model over a seeded history: lists per intent, the
filters, the backend calls a page makes, interactions, and degradation to the fallback chain."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bff.catalog_io.interaction_history import local_subject
from bff.domain.recommendations import EventType, Interaction
from bff.ids import from_global_id, to_global_id
from tests.conftest import NO_COST_LIMIT, app_client, error_codes, gql, make_settings

LIST = "source items { id availableForSale }"
PAGE_OF_24 = """
{ products(first: 24) { nodes { id recommendations(first: 4) { source items { id title } } } } }
"""


@pytest.fixture(scope="module")
async def served(history_dir: Path) -> AsyncIterator[app_client]:
    app = app_client(make_settings(history_dir, max_query_cost=NO_COST_LIMIT, recommender_rebuild_interval_seconds=0))
    await app.__aenter__()
    yield app
    await app.__aexit__(None, None, None)


def calls(body: dict[str, Any]) -> dict[str, int]:
    found: dict[str, int] = body["extensions"]["backendCalls"]
    return found


def signed_in(app: app_client, user: str) -> dict[str, str]:
    issuer = app.state.backends.local_issuer
    assert issuer is not None
    return {"authorization": f"Bearer {issuer.mint(user)}"}


async def post(http: httpx.AsyncClient, query: str, headers: dict[str, str] | None = None, **variables: Any) -> Any:
    response = await http.post("/graphql", json={"query": query, "variables": variables or None}, headers=headers)
    assert response.status_code in (200, 400), response.text
    return response.json()


async def test_for_you_for_a_signed_in_persona(served: app_client) -> None:
    http = served.http
    body = await post(
        http, f"{{ recommendations(intent: FOR_YOU, first: 8) {{ {LIST} }} }}", signed_in(served, "alice@example.com")
    )
    assert "errors" not in body, body
    answer = body["data"]["recommendations"]
    assert answer["source"] == "EMBEDDED_MODEL"
    assert len(answer["items"]) == 8
    assert all(i["availableForSale"] for i in answer["items"])
    expected = served.state.backends.embedded_model.model.for_shopper[local_subject("alice@example.com")]
    assert [i["id"] for i in answer["items"]][:3] == [to_global_id("Product", p) for p in expected[:3]]
    # One recommender call, one catalog batch for the items.
    assert calls(body) == {"total": 2, "recommender.recommend": 1, "catalog.get_products": 1}


async def test_a_page_of_24_products_with_4_recommendations_each_makes_bounded_calls(served: app_client) -> None:
    body = await gql(served.http, PAGE_OF_24)
    assert "errors" not in body, body
    nodes = body["data"]["products"]["nodes"]
    assert len(nodes) == 24
    for node in nodes:
        ids = [i["id"] for i in node["recommendations"]["items"]]
        assert len(ids) == 4
        assert node["id"] not in ids
        assert len(set(ids)) == 4
    # Embedded: one recommender call for all 24 lists; the listing and one catalog batch for every item.
    assert calls(body) == {
        "total": 3,
        "catalog.list_products": 1,
        "recommender.recommend": 1,
        "catalog.get_products": 1,
    }


async def test_product_page_related_and_bought_together(served: app_client) -> None:
    handle = (await gql(served.http, "{ products(first: 1, sortKey: BEST_SELLING) { nodes { handle } } }"))["data"][
        "products"
    ]["nodes"][0]["handle"]
    query = """query($handle: String!) { product(handle: $handle) { id
        related: recommendations(intent: RELATED, first: 12) { source items { id } }
        together: recommendations(intent: FREQUENTLY_BOUGHT_TOGETHER, first: 4) { source items { id } } } }"""
    body = await gql(served.http, query, handle=handle)
    assert "errors" not in body, body
    product = body["data"]["product"]
    assert product["related"]["source"] == "EMBEDDED_MODEL"
    assert len(product["related"]["items"]) == 12
    for list_ in (product["related"], product["together"]):
        assert product["id"] not in [i["id"] for i in list_["items"]]
    assert calls(body) == {
        "total": 3,
        "catalog.get_products_by_handle": 1,
        "recommender.recommend": 1,
        "catalog.get_products": 1,
    }


async def test_a_recommended_products_variants_lead_back_to_it_without_another_read(served: app_client) -> None:
    query = """{ recommendations(intent: POPULAR, first: 4) { items { id
        variants(first: 1) { nodes { product { id title } } } } } }"""
    body = await post(served.http, query)
    assert "errors" not in body, body
    items = body["data"]["recommendations"]["items"]
    assert len(items) == 4
    for item in items:
        assert item["variants"]["nodes"][0]["product"]["id"] == item["id"]
    # The items' products, read with the list, are the request's: their variants' `product` reads nothing more.
    assert calls(body)["catalog.get_products"] == 1


async def test_anonymous_session_views_make_recently_viewed_and_for_you(served: app_client) -> None:
    http = served.http
    ids = [n["id"] for n in (await gql(http, "{ products(first: 3) { nodes { id } } }"))["data"]["products"]["nodes"]]
    track = """mutation($events: [InteractionInput!]!, $session: String) {
        trackInteractions(events: $events, sessionId: $session) { accepted userErrors { field code } } }"""
    events = [{"type": "VIEW", "productId": i} for i in ids]
    body = await gql(http, track, events=events, session="anon-42")
    assert body["data"]["trackInteractions"] == {"accepted": 3, "userErrors": []}
    # Nothing was sent during the request: the buffer sends in the background.
    assert "recommender.record" not in calls(body)
    await served.state.backends.interactions.flush()
    query = """query($session: String) {
        recent: recommendations(intent: RECENTLY_VIEWED, sessionId: $session, first: 5) { source items { id } }
        forYou: recommendations(intent: FOR_YOU, sessionId: $session, first: 5) { source items { id } } }"""
    body = await gql(http, query, session="anon-42")
    assert body["data"]["recent"] == {"source": "HISTORY", "items": [{"id": i} for i in reversed(ids)]}
    assert body["data"]["forYou"]["source"] == "EMBEDDED_MODEL"
    assert calls(body)["recommender.recommend"] == 1
    other = await gql(http, query, session="anon-other")
    assert other["data"]["recent"] == {"source": "NONE", "items": []}
    assert other["data"]["forYou"]["source"] == "POPULAR"


async def test_bad_input_is_a_coded_error(served: app_client) -> None:
    http = served.http
    for query in (
        "{ recommendations(intent: POPULAR, first: 0) { source } }",
        "{ recommendations(intent: POPULAR, first: 51) { source } }",
        "{ recommendations(intent: RELATED) { source } }",
        '{ recommendations(intent: POPULAR, sessionId: "bad id!") { source } }',
        '{ recommendations(intent: RELATED, productId: "nope") { source } }',
    ):
        body = await gql(http, query)
        assert error_codes(body) == ["BAD_USER_INPUT"], (query, body)
    track = """mutation($events: [InteractionInput!]!) {
        trackInteractions(events: $events) { accepted userErrors { code } } }"""
    body = await gql(http, track, events=[{"type": "VIEW", "productId": to_global_id("Product", "demo-00001")}])
    assert body["data"]["trackInteractions"] == {"accepted": 0, "userErrors": [{"code": "NO_SHOPPER"}]}
    many = [{"type": "VIEW", "productId": to_global_id("Product", "demo-00001")}] * 101
    body = await post(http, track, signed_in(served, "x@example.com"), events=many)
    assert body["data"]["trackInteractions"]["userErrors"] == [{"code": "TOO_MANY_EVENTS"}]


async def test_sold_out_products_only_in_recently_viewed(served: app_client) -> None:
    http = served.http
    sold_out = (await gql(http, "{ products(first: 50, filter: {available: false}) { nodes { id } } }"))["data"][
        "products"
    ]["nodes"]
    assert sold_out, "the demo catalog has sold-out products"
    track = """mutation($events: [InteractionInput!]!) {
        trackInteractions(events: $events, sessionId: "so-1") { accepted } }"""
    await gql(http, track, events=[{"type": "VIEW", "productId": n["id"]} for n in sold_out])
    await served.state.backends.interactions.flush()
    body = await gql(
        http,
        f"""{{ recent: recommendations(intent: RECENTLY_VIEWED, sessionId: "so-1", first: 50) {{ {LIST} }}
        forYou: recommendations(intent: FOR_YOU, sessionId: "so-1", first: 50) {{ {LIST} }} }}""",
    )
    assert {i["id"] for i in body["data"]["recent"]["items"]} == {n["id"] for n in sold_out}
    assert all(i["availableForSale"] for i in body["data"]["forYou"]["items"])


@pytest.mark.parametrize("intent", ["FOR_YOU", "POPULAR", "RELATED", "FREQUENTLY_BOUGHT_TOGETHER"])
async def test_a_slow_recommender_degrades_to_best_sellers_with_a_warning(history_dir: Path, intent: str) -> None:
    settings = make_settings(
        history_dir,
        recommender_delay_seconds=1.0,
        recommender_rebuild_interval_seconds=0,
        call_policy={"recommender": {"timeout_seconds": 0.02, "breaker_failures": 0}},
    )
    async with app_client(settings) as http:
        product = (await gql(http, "{ products(first: 1) { nodes { id } } }"))["data"]["products"]["nodes"][0]["id"]
        body = await gql(
            http,
            """query($intent: RecommendationIntent!, $id: ID) { products(first: 2) { nodes { id } }
            recommendations(intent: $intent, productId: $id, first: 6) { source items { id availableForSale } } }""",
            intent=intent,
            id=product,
        )
    assert "errors" not in body, body
    assert len(body["data"]["products"]["nodes"]) == 2  # the rest of the response is unaffected
    answer = body["data"]["recommendations"]
    assert answer["source"] in ("POPULAR", "SAME_CATEGORY")
    assert len(answer["items"]) == 6 and all(i["availableForSale"] for i in answer["items"])
    assert product not in [i["id"] for i in answer["items"]]
    assert [(w["code"], w["capability"]) for w in body["extensions"]["warnings"]] == [("DEGRADED", "recommender")]
    assert "did not answer in time" in body["extensions"]["warnings"][0]["message"]


async def test_an_untrained_store_recommends_best_sellers(tmp_path: Path, seeded_dir: Path) -> None:
    """No history at all (a fresh laptop): the catalog's best sellers, the anchor's category first."""
    shutil.copy(seeded_dir / "catalog.sqlite3", tmp_path / "catalog.sqlite3")
    async with app_client(make_settings(tmp_path, recommender_rebuild_interval_seconds=0)) as http:
        product = (await gql(http, "{ products(first: 1) { nodes { id category { id } } } }"))["data"]["products"][
            "nodes"
        ][0]
        body = await gql(
            http,
            """query($id: ID) { forYou: recommendations(intent: FOR_YOU) { source items { id } }
            related: recommendations(intent: RELATED, productId: $id, first: 3) {
                source items { category { id } } } }""",
            id=product["id"],
        )
    assert body["data"]["forYou"]["source"] == "POPULAR"
    assert len(body["data"]["forYou"]["items"]) == 8
    assert body["data"]["related"]["source"] == "SAME_CATEGORY"
    assert body["data"]["related"]["items"][0]["category"] == product["category"]
    assert "warnings" not in body.get("extensions", {})


AVAILABLE_3 = '{ products(first: 3, query: "available_for_sale:true") { nodes { id } } }'


async def test_a_model_that_knows_three_products_is_topped_up_with_best_sellers(
    tmp_path: Path, seeded_dir: Path
) -> None:
    """A young store's model knows 3 products: a list of 8 shows those 3 first, then best sellers, in one
    listing of the catalog."""
    shutil.copy(seeded_dir / "catalog.sqlite3", tmp_path / "catalog.sqlite3")
    app = app_client(make_settings(tmp_path, recommender_rebuild_interval_seconds=0))
    async with app as http:
        ids = [n["id"] for n in (await gql(http, AVAILABLE_3))["data"]["products"]["nodes"]]
        model = app.state.backends.embedded_model
        viewed = [from_global_id(i)[1] for i in ids]
        when = datetime.now(UTC)
        await model.record(
            [
                Interaction("s-young", item, EventType.VIEW, when)
                for rank, item in enumerate(viewed)
                for _ in range(3 - rank)
            ]
        )
        await model.rebuild()
        assert model.model.popular == tuple(viewed)
        body = await gql(http, "{ recommendations(intent: FOR_YOU, first: 8) { source items { id } } }")
        best = await gql(http, "{ products(first: 20, sortKey: BEST_SELLING) { nodes { id availableForSale } } }")
    assert "errors" not in body, body
    answer = body["data"]["recommendations"]
    shown = [i["id"] for i in answer["items"]]
    assert len(shown) == 8 and len(set(shown)) == 8
    assert shown[:3] == ids
    sellers = [n["id"] for n in best["data"]["products"]["nodes"] if n["availableForSale"] and n["id"] not in ids]
    assert shown[3:] == sellers[:5]
    assert answer["source"] == "POPULAR"
    assert calls(body) == {
        "total": 3,
        "recommender.recommend": 1,
        "catalog.list_products": 1,
        "catalog.get_products": 1,
    }


POPULAR = """query($cart: ID) { recommendations(intent: POPULAR, first: 8, cartId: $cart) { items { id } } }"""
CART_CREATE = """mutation($lines: [CartLineInput!]!) {
    cartCreate(input: {lines: $lines}) { cart { id } userErrors { code } } }"""
FIRST_VARIANT = """query($id: ID!) { product(id: $id) { variants(first: 1) { nodes { id } } } }"""


async def test_products_in_the_cart_are_left_out_and_cart_writes_are_recorded(served: app_client) -> None:
    http = served.http
    before = [i["id"] for i in (await gql(http, POPULAR))["data"]["recommendations"]["items"]]
    in_cart = before[:2]
    variants = [
        (await gql(http, FIRST_VARIANT, id=p))["data"]["product"]["variants"]["nodes"][0]["id"] for p in in_cart
    ]
    created = await gql(http, CART_CREATE, lines=[{"merchandiseId": v, "quantity": 1} for v in variants])
    cart_id = created["data"]["cartCreate"]["cart"]["id"]
    body = await gql(http, POPULAR, cart=cart_id)
    after = [i["id"] for i in body["data"]["recommendations"]["items"]]
    assert len(after) == 8
    assert not set(in_cart) & set(after)
    assert after[:6] == before[2:]
    # The cart was read beside the recommender: one carts call and one variants batch, no extra recommender call.
    assert calls(body)["recommender.recommend"] == 1
    assert calls(body)["carts.get_carts"] == 1
    # The cart's creation was recorded as add-to-cart interactions of its products, in the background.
    await served.state.backends.interactions.flush()
    history = await served.state.backends.embedded_model.store.recent(2)
    assert [(e.item_id, e.event_type.value) for e in history] == [
        (from_global_id(p)[1], "ADD_TO_CART") for p in in_cart
    ]
    assert cart_id not in history[0].session_id


async def test_a_sessions_or_carts_list_is_never_publicly_cached(served: app_client) -> None:
    http = served.http

    async def get(query: str) -> httpx.Response:
        return await http.get("/graphql", params={"query": query})

    public = "{ recommendations(intent: POPULAR, first: 3) { items { id } } }"
    session = '{ recommendations(intent: RECENTLY_VIEWED, first: 3, sessionId: "anon-42") { items { id } } }'
    await get(public)
    assert "recommender.recommend" not in (await get(public)).json()["extensions"]["backendCalls"]
    await get(session)
    again = await get(session)
    assert again.json()["extensions"]["backendCalls"]["recommender.recommend"] == 1
    assert "public" not in again.headers.get("cache-control", "")
