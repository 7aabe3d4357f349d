"""Slow services overlap: with every port call delayed, a page's calls wait only on what they depend on.

The order of the port calls' spans (one per call, from the port boundary, delays included) shows the
rounds: home reads the cart's variants as soon as the cart is read, while the recommender still works; the
product page asks the recommender beside the variants and the category, as soon as the product is known.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from bench.scenarios import home, product_page
from tests.conftest import app_client, make_settings

# A recommender far slower than everything else: any call that waited for it would start after it ends.
DELAYS = {"recommender": 300.0, "catalog": 10.0, "carts": 10.0, "cache": 1.0}


def calls_of_last_request(exporter: InMemorySpanExporter) -> dict[str, list[ReadableSpan]]:
    finished = exporter.get_finished_spans()
    request = [s for s in finished if s.kind is SpanKind.SERVER][-1]
    calls: dict[str, list[ReadableSpan]] = {}
    for span in finished:
        if span.kind is SpanKind.CLIENT and span.context.trace_id == request.context.trace_id:
            calls.setdefault(span.name, []).append(span)
    return calls


def start(span: ReadableSpan) -> int:
    assert span.start_time is not None
    return span.start_time


def end(span: ReadableSpan) -> int:
    assert span.end_time is not None
    return span.end_time


async def post(http: Any, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = (await http.post("/graphql", json={"query": document, "variables": variables})).json()
    assert not body.get("errors"), body["errors"]
    return body


async def test_home_reads_the_carts_variants_while_the_recommender_works(
    history_dir: Path, spans: InMemorySpanExporter
) -> None:
    async with app_client(make_settings(history_dir)) as http:  # the search index, built without delays

        async def probe(document: str, values: dict[str, Any]) -> dict[str, Any]:
            return await post(http, document, values)

        variables = {"first": 24, **await home.prepare(probe)}
    settings = make_settings(history_dir, latency_injection=True, latency_ms=DELAYS, latency_sigma=0.0)
    async with app_client(settings) as http:
        body = await post(http, home.DOCUMENT, variables)
        calls = calls_of_last_request(spans)

    assert body["data"]["cart"]["totalQuantity"] == 3 and body["data"]["forYou"]["items"]
    (recommender,) = calls["recommender.recommend"]
    (cart,) = calls["carts.get_carts"]
    (variants,) = calls["catalog.get_variants"]
    (listing,) = calls["catalog.list_products"]
    # The first round: the listing, the cart and the recommender start together.
    assert max(start(listing), start(cart)) < end(listing) and start(recommender) < end(cart)
    # The cart's variants: after the cart, before the recommender has answered (not a round behind it).
    assert end(cart) <= start(variants) and end(variants) < end(recommender)
    # The recommended products: one batch once the recommender has answered.
    (products,) = calls.get("catalog.get_products") or calls["cache.get_many"][-1:]
    assert start(products) >= end(recommender)


async def test_the_product_page_asks_the_recommender_with_the_variants_and_category(
    history_dir: Path, spans: InMemorySpanExporter
) -> None:
    async with app_client(make_settings(history_dir)) as http:

        async def probe(document: str, values: dict[str, Any]) -> dict[str, Any]:
            return await post(http, document, values)

        assert product_page.scenario.prepare is not None
        variables = await product_page.scenario.prepare(probe)
    settings = make_settings(history_dir, latency_injection=True, latency_ms=DELAYS, latency_sigma=0.0)
    async with app_client(settings) as http:
        body = await post(http, product_page.DOCUMENT, variables)
        calls = calls_of_last_request(spans)

    assert body["data"]["product"]["recommendations"]["items"]
    (product,) = calls["catalog.get_products_by_handle"]
    (recommender,) = calls["recommender.recommend"]
    (variants,) = calls["catalog.get_variants_by_product"]
    (category,) = calls["catalog.get_categories"]
    # One round after the product: its variants, its category and the recommender together.
    for span in (variants, category, recommender):
        assert start(span) >= end(product)
    assert start(recommender) < min(end(variants), end(category))
    # The related products: one batch once the recommender has answered.
    (related,) = calls["catalog.get_products"]
    assert start(related) >= end(recommender)
