"""Mutations of one root field run from their compiled plans and answer exactly as graphql-core does.

A shopper's cart session (create, add, update, remove, note, attributes, codes, buyer) with its refusals
(unknown merchandise, a negative quantity, a cart that does not exist, an id that is not one, a missing
variable), a write refused by authorization, aliases, fragments and ``@include`` on a payload, runs once on an
app with plans and once on one without. The two sessions make their own carts: ids are compared by the order
in which they first appear. Every answer must be equal, ``extensions.backendCalls`` included, and every call
made to the cart store must be reported (nothing executed twice). A mutation of several root fields runs them one after
another, so it is left to graphql-core.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bff import metrics
from bff.graphql.compiled_run import stats
from tests.cart_fixtures import ADD, ATTRIBUTES, BUYER, CODES, CREATE, NOTE, REMOVE, UPDATE
from tests.conftest import NO_COST_LIMIT, app_client, make_settings

# Tokens that may be a session's own ids (its cart's, its lines'), wherever they appear, and instants.
TOKENS = re.compile(r"[A-Za-z0-9_-]{12,}")
OWN_TYPES = ("Cart", "CartLine")
INSTANTS = {"createdAt", "updatedAt"}

SHAPES = """mutation Shapes($cartId: ID!, $lines: [CartLineInput!]!, $withCost: Boolean!) {
  __typename
  added: cartLinesAdd(cartId: $cartId, lines: $lines) {
    __typename
    ...Summary
    cart { cost @include(if: $withCost) { totalAmount { amount currencyCode } } }
    userErrors { field code }
  }
}
fragment Summary on CartLinesAddPayload { cart { totalQuantity lines(first: 10) { nodes { quantity } } } }"""
TWO_ROOTS = """mutation Twice($cartId: ID!, $lines: [CartLineInput!]!) {
  first: cartLinesAdd(cartId: $cartId, lines: $lines) { cart { totalQuantity } }
  second: cartLinesAdd(cartId: $cartId, lines: $lines) { cart { totalQuantity } }
}"""
PRODUCT_UPDATE = """mutation($id: ID!) { productUpdate(input: {id: $id, title: "Taken over"}) { product { title } } }"""
TRACK = """mutation($events: [InteractionInput!]!) {
  trackInteractions(events: $events) { accepted userErrors { code } }
}"""


@pytest.fixture(scope="module")
async def pair(seeded_dir: Path) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    roomy = {"max_query_cost": NO_COST_LIMIT, "response_cache": False}
    async with (
        app_client(make_settings(seeded_dir, compiled_execution=True, **roomy)) as compiled,
        app_client(make_settings(seeded_dir, compiled_execution=False, **roomy)) as reference,
    ):
        yield compiled, reference


async def _variants(http: httpx.AsyncClient) -> list[str]:
    query = "{ products(first: 30) { nodes { variants(first: 1) { nodes { id quantityAvailable } } } } }"
    body = (await http.post("/graphql", json={"query": query})).json()
    found = [v for p in body["data"]["products"]["nodes"] for v in p["variants"]["nodes"]]
    return [v["id"] for v in found if v["quantityAvailable"] > 5]


class Session:
    """One shopper's requests on one app: each answer kept, with the engine that ran it."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.answers: list[dict[str, Any]] = []
        self.engines: list[str] = []
        self.unreported: list[tuple[str, dict[str, int], dict[str, int]]] = []

    async def send(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        before, calls = stats.copy(), metrics.total_calls.copy()
        response = await self.http.post("/graphql", json={"query": document, "variables": variables})
        body: dict[str, Any] = response.json()
        ran = [engine for engine in ("compiled", "graphql-core") if stats[engine] != before[engine]]
        self.engines.append(ran[0] if ran else "-")
        # The cart store's calls (the interaction buffer reads the catalog in the background, at any time)
        made = {k: v for k, v in (metrics.total_calls - calls).items() if k.startswith("carts.")}
        counted = body.get("extensions", {}).get("backendCalls", {})
        reported = {k: v for k, v in counted.items() if k.startswith("carts.")}
        if made != reported:
            self.unreported.append((document[:40], made, reported))
        self.answers.append({"status": response.status_code, **body})
        return body


async def shop(session: Session, variants: list[str]) -> None:
    """The same requests for either app; what later steps need is read from earlier answers."""
    one, two, three = variants[:3]
    created = await session.send(CREATE, {"input": {"lines": [{"merchandiseId": one, "quantity": 2}]}})
    cart = created["data"]["cartCreate"]["cart"]["id"]
    added = await session.send(ADD, {"cartId": cart, "lines": [{"merchandiseId": two, "quantity": 1}]})
    line = added["data"]["cartLinesAdd"]["cart"]["lines"]["nodes"][-1]["id"]
    await session.send(UPDATE, {"cartId": cart, "lines": [{"id": line, "quantity": 3}]})
    await session.send(UPDATE, {"cartId": cart, "lines": [{"id": line, "quantity": -1}]})
    unknown = "gid://shopify/ProductVariant/does-not-exist"
    await session.send(ADD, {"cartId": cart, "lines": [{"merchandiseId": unknown, "quantity": 1}]})
    await session.send(ADD, {"cartId": "gid://shopify/Cart/nobody", "lines": [{"merchandiseId": one, "quantity": 1}]})
    await session.send(ADD, {"cartId": "not-an-id", "lines": [{"merchandiseId": one, "quantity": 1}]})
    await session.send(ADD, {"cartId": cart})  # a required variable missing: refused before execution
    await session.send(NOTE, {"cartId": cart, "note": "Gift wrap, please"})
    await session.send(ATTRIBUTES, {"cartId": cart, "attributes": [{"key": "gift", "value": "yes"}]})
    await session.send(CODES, {"cartId": cart, "codes": ["NO-SUCH-CODE"]})
    await session.send(BUYER, {"cartId": cart, "buyer": {"email": "not an address", "countryCode": "FR"}})
    await session.send(BUYER, {"cartId": cart, "buyer": {"email": "shopper@example.com", "countryCode": "FR"}})
    for with_cost in (True, False):
        lines = [{"merchandiseId": three, "quantity": 1}]
        await session.send(SHAPES, {"cartId": cart, "lines": lines, "withCost": with_cost})
    await session.send(TWO_ROOTS, {"cartId": cart, "lines": [{"merchandiseId": one, "quantity": 1}]})
    await session.send(REMOVE, {"cartId": cart, "ids": [line]})
    product = "gid://shopify/Product/1"
    await session.send(PRODUCT_UPDATE, {"id": product})  # an admin's write, refused to a shopper
    await session.send(TRACK, {"events": [{"type": "VIEW", "productId": product}]})  # anonymous, no session


def comparable(value: Any, seen: dict[str, str]) -> Any:
    """The answer with a session's own ids numbered by first appearance, instants and error ids left out."""
    if isinstance(value, dict):
        return {k: comparable(v, seen) for k, v in value.items() if k not in INSTANTS and k != "errorId"}
    if isinstance(value, list):
        return [comparable(v, seen) for v in value]
    if isinstance(value, str):
        return TOKENS.sub(lambda m: _numbered(m.group(0), seen), value)
    return value


def _numbered(token: str, seen: dict[str, str]) -> str:
    try:
        decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return token
    own = decoded.partition("/")[0] in OWN_TYPES and "/" in decoded
    return seen.setdefault(token, f"<own {len(seen)}>") if own else token


async def test_a_cart_session_answers_the_same_from_plans_and_graphql_core(
    pair: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    compiled, reference = pair
    variants = await _variants(reference)
    mine, theirs = Session(compiled), Session(reference)
    await shop(mine, variants)
    await shop(theirs, variants)

    assert len(mine.answers) == len(theirs.answers) == 19
    mine_seen: dict[str, str] = {}
    theirs_seen: dict[str, str] = {}
    for step, (a, b) in enumerate(zip(mine.answers, theirs.answers, strict=True)):
        assert comparable(a, mine_seen) == comparable(b, theirs_seen), step
    assert mine.unreported == [] and theirs.unreported == []
    # what the session met: answers, refusals as user errors, GraphQL errors with codes
    codes = {e["extensions"]["code"] for answer in mine.answers for e in answer.get("errors", [])}
    assert codes == {"BAD_USER_INPUT", "UNAUTHENTICATED"}, codes
    user_errors = [
        e["code"]
        for answer in mine.answers
        for payload in (answer.get("data") or {}).values()
        if isinstance(payload, dict)
        for e in payload.get("userErrors", [])
    ]
    assert {"LESS_THAN", "INVALID_MERCHANDISE_LINE", "INVALID", "NO_SHOPPER"} <= set(user_errors), user_errors
    # the plans ran every mutation of one root field; graphql-core the one of two, and none on the reference
    expected = ["compiled"] * 19
    expected[7] = "-"  # the missing variable: answered before any execution
    expected[15] = "graphql-core"
    assert mine.engines == expected
    assert theirs.engines == ["-"] * 19


async def test_a_mutation_of_two_root_fields_runs_them_one_after_another(
    pair: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    compiled, _ = pair
    (variant, *_) = await _variants(compiled)
    lines = [{"merchandiseId": variant, "quantity": 1}]
    session = Session(compiled)
    created = await session.send(CREATE, {"input": {"lines": lines}})
    cart = created["data"]["cartCreate"]["cart"]["id"]
    both = await session.send(TWO_ROOTS, {"cartId": cart, "lines": lines})
    assert both["data"] == {"first": {"cart": {"totalQuantity": 2}}, "second": {"cart": {"totalQuantity": 3}}}
    assert session.engines == ["compiled", "graphql-core"]
