"""GraphiQL's preloaded tabs: the storefront's main flows, each of which runs as it is on the served catalog."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx


async def run(client: httpx.AsyncClient, tab: dict[str, str]) -> dict[str, Any]:
    variables = json.loads(tab["variables"] or "{}")
    response = await client.post("/graphql", json={"query": tab["query"], "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def preloaded_tabs(client: httpx.AsyncClient) -> list[dict[str, str]]:
    page = await client.get("/graphql", headers={"accept": "text/html"})
    config = re.search(r'<script id="graphiql-config" type="application/json">(.*?)</script>', page.text, re.S)
    assert config is not None
    tabs: list[dict[str, str]] = json.loads(config[1])["tabs"]
    return tabs


async def test_every_preloaded_example_runs_without_errors(client: httpx.AsyncClient) -> None:
    tabs = await preloaded_tabs(client)

    for tab in tabs:
        body = await run(client, tab)
        assert "errors" not in body, (tab["query"].splitlines()[0], body["errors"])
        assert all(value is not None for value in body["data"].values()), tab["query"].splitlines()[0]


async def test_the_examples_show_search_with_facets_and_predictive_search(client: httpx.AsyncClient) -> None:
    tabs = await preloaded_tabs(client)

    search = next((t for t in tabs if re.search(r"\bsearch\(", t["query"])), None)
    predictive = next((t for t in tabs if "predictiveSearch(" in t["query"]), None)

    assert search is not None and "productFilters" in search["query"] and "totalCount" in search["query"]
    assert predictive is not None
    assert all(kind in predictive["query"] for kind in ("products", "categories", "queries"))
    body = await run(client, search)
    facets = body["data"]["search"]["productFilters"]
    assert facets and all(f["values"] for f in facets)


async def test_the_cart_flow_starts_with_a_real_cart(client: httpx.AsyncClient) -> None:
    tabs = await preloaded_tabs(client)

    create = next(t for t in tabs if "cartCreate(" in t["query"])
    payload = (await run(client, create))["data"]["cartCreate"]
    assert payload["userErrors"] == [] and payload["cart"]["totalQuantity"] >= 1
    later = [t for t in tabs if "cartId" in t["variables"]]
    assert {"cartLinesAdd(", "cartLinesUpdate(", "cartDiscountCodesUpdate(", "cartBuyerIdentityUpdate("} <= {
        name
        for name in ("cartLinesAdd(", "cartLinesUpdate(", "cartDiscountCodesUpdate(", "cartBuyerIdentityUpdate(")
        if any(name in t["query"] for t in later)
    }
    # Run with the id the first tab answered, the next tab changes that cart.
    add = next(t for t in later if "cartLinesAdd(" in t["query"])
    add = {**add, "variables": add["variables"].replace("paste the cart id cartCreate answered", payload["cart"]["id"])}
    added = (await run(client, add))["data"]["cartLinesAdd"]
    assert added["userErrors"] == [] and added["cart"]["totalQuantity"] > payload["cart"]["totalQuantity"]
