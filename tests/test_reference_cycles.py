"""What a request allocates is freed as it ends, by reference counting, not left to the garbage collector.

Cyclic garbage is what fills the collector's young generation under load: each collection walks it, the
survivors make the older collections long, and those pauses are the tail of a busy server. graphql-core's
executor refers to itself, so both ways a document runs take it apart once the result is out: the
compiled plans (queries, and mutations of one root field) and graphql-core's own execution (a mutation of
several root fields, ``bff.graphql.released``).

The measured requests go over raw ASGI: an HTTP client's own objects (httpx's responses and streams refer
to each other) would be counted too.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any

from bench.profile_page import post
from bff.graphql.compiled_run import stats
from tests.cart_fixtures import ADD, CREATE, VARIANTS
from tests.conftest import app_client, gql, make_settings, seed_catalog

HOME = "{ products(first: 12) { nodes { id title priceRange { minVariantPrice { amount } } } } }"
# Two root fields: graphql-core runs them one after another (plans run mutations of one root field).
ADD_AND_NOTE = """mutation($cartId: ID!, $lines: [CartLineInput!]!) {
  cartLinesAdd(cartId: $cartId, lines: $lines) { cart { totalQuantity } }
  cartNoteUpdate(cartId: $cartId, note: "Leave at the door") { cart { note } }
}"""
ROUNDS = 20


async def unreachable_after(app: Any, requests: list[tuple[str, dict[str, Any]]]) -> int:
    """Objects the collector finds unreachable after ``requests``, with automatic collection off meanwhile."""
    gc.collect()
    gc.disable()
    try:
        for document, variables in requests:
            body = json.loads(
                await post(app, "/graphql", json.dumps({"query": document, "variables": variables}).encode())
            )
            assert "errors" not in body, body
        return gc.collect()
    finally:
        gc.enable()


async def test_queries_and_mutations_leave_no_reference_cycles(tmp_path: Path) -> None:
    settings = make_settings(await seed_catalog(tmp_path), response_cache=False)
    client = app_client(settings)
    async with client as http:
        stocked = [
            v["id"]
            for p in (await gql(http, VARIANTS))["data"]["products"]["nodes"]
            for v in p["variants"]["nodes"]
            if v["quantityAvailable"] > ROUNDS
        ]
        created = await gql(http, CREATE, input={"lines": [{"merchandiseId": stocked[0]}]})
        add = (ADD, {"cartId": created["data"]["cartCreate"]["cart"]["id"], "lines": [{"merchandiseId": stocked[1]}]})
        app = client.manager.app
        # Warm: documents parsed, plans built, memos filled.
        serial = (ADD_AND_NOTE, add[1])
        await unreachable_after(app, [add, serial, (HOME, {})])

        before = stats.copy()
        mutations = await unreachable_after(app, [add] * ROUNDS)
        both = await unreachable_after(app, [serial] * ROUNDS)
        queries = await unreachable_after(app, [(HOME, {})] * ROUNDS)
        ran = stats - before

    # Before graphql-core's executor was taken apart after a mutation, each one left ~250 objects in cycles.
    assert mutations == 0
    assert both == 0
    assert queries == 0
    assert ran == {"compiled": 2 * ROUNDS, "graphql-core": ROUNDS}  # both ways a document runs were measured
