"""Slow services overlap: with every port call delayed, a page's calls wait only on what they depend on.

The order of the port calls' spans (one per call, from the port boundary, delays included) shows the
rounds: home reads the cart's variants as soon as the cart is read, while the recommender still works; the
product page asks the recommender beside the variants and the category, as soon as the product is known,
and with the catalog read through the shared cache (the benchmark's latency profile) takes three rounds:
the product by handle from the cache, the recommender, the related products from the cache. A search page
reads its hits' products and its category facet's labels together, one round after the engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from bench import latency
from bench.scenarios import home, product_page, search
from tests.conftest import app_client, make_settings

# A recommender far slower than everything else: any call that waited for it would start after it ends.
DELAYS = {"recommender": 300.0, "catalog": 10.0, "carts": 10.0, "cache": 1.0}


def last_request(exporter: InMemorySpanExporter) -> ReadableSpan:
    """The span of the last request served."""
    return [s for s in exporter.get_finished_spans() if s.kind is SpanKind.SERVER][-1]


def calls_in(exporter: InMemorySpanExporter, request: ReadableSpan) -> list[ReadableSpan]:
    """The port calls made for ``request``, in the order they started."""
    finished = exporter.get_finished_spans()
    mine = [s for s in finished if s.kind is SpanKind.CLIENT and s.context.trace_id == request.context.trace_id]
    return sorted(mine, key=start)


def calls_of_last_request(exporter: InMemorySpanExporter) -> dict[str, list[ReadableSpan]]:
    calls: dict[str, list[ReadableSpan]] = {}
    for span in calls_in(exporter, last_request(exporter)):
        calls.setdefault(span.name, []).append(span)
    return calls


def rounds(spans: list[ReadableSpan]) -> int:
    """The longest chain of calls each started after the one before it ended: the request's rounds."""
    depth: dict[int, int] = {}
    for n, span in enumerate(spans):  # in start order: whatever ended before a call started is already counted
        depth[n] = 1 + max((depth[m] for m, other in enumerate(spans[:n]) if end(other) <= start(span)), default=0)
    return max(depth.values(), default=0)


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


async def product_page_variables(history_dir: Path) -> dict[str, Any]:
    """The product page scenario's variables, picked from the store served without delays."""
    async with app_client(make_settings(history_dir)) as http:

        async def probe(document: str, values: dict[str, Any]) -> dict[str, Any]:
            return await post(http, document, values)

        assert product_page.scenario.prepare is not None
        return await product_page.scenario.prepare(probe)


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
    variables = await product_page_variables(history_dir)
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


async def test_the_product_pages_related_products_wait_for_the_recommender_alone(
    history_dir: Path, spans: InMemorySpanExporter
) -> None:
    variables = await product_page_variables(history_dir)
    # The benchmark's profile: every call delayed, the catalog's by-key reads through the shared cache. The
    # cache is slow here too, so a cache write the request waited for could not hide in its next call.
    assert latency.ENV == {"BFF_LATENCY_INJECTION": "true", "BFF_CATALOG_READ_THROUGH": "true"}
    delays = {**DELAYS, "cache": 50.0}
    settings = make_settings(
        history_dir, latency_injection=True, latency_ms=delays, latency_sigma=0.0, catalog_read_through=True
    )
    async with app_client(settings) as http:
        cold_body = await post(http, product_page.DOCUMENT, variables)
        cold_request = last_request(spans)
        warm_body = await post(http, product_page.DOCUMENT, variables)
        warm = calls_in(spans, last_request(spans))
    cold = calls_in(spans, cold_request)  # with the writes still under way when it answered (the app waited)

    assert warm_body["data"] == cold_body["data"] and warm_body["data"]["product"]["recommendations"]["items"]
    for calls in (cold, warm):
        (recommender,) = [s for s in calls if s.name == "recommender.recommend"]
        others = [s for s in calls if s is not recommender]
        # Nothing but the product's lookup before the recommender: one call (by handle from the store the
        # first time; by the id it led to, from the cache, after).
        assert len([s for s in others if end(s) <= start(recommender)]) == 1
        # Nothing is under way when the recommender answers, and the related products are the next call:
        # no other read, no write between them.
        assert all(end(s) <= end(recommender) or start(s) >= end(recommender) for s in others)
        (related, *_) = [s for s in others if start(s) >= end(recommender)]
        assert related.name == "cache.get_many"
        assert not [s for s in others if end(recommender) < end(s) <= start(related)]
    # Cold: what was read from the store is written to the cache in the background, never waited for: the
    # recommender starts while the product is being written, the page answers while its related products are.
    (product, *_, related_products) = [s for s in cold if s.name == "cache.set_many"]
    (recommender,) = [s for s in cold if s.name == "recommender.recommend"]
    assert start(recommender) < end(product)
    assert start(related_products) > end(recommender) and end(related_products) > end(cold_request)
    # Warm: the product by handle, the recommender (beside the variants and category), the related
    # products: three rounds, every read a cache hit, nothing written.
    assert rounds(warm) == 3
    assert {s.name for s in warm} == {"cache.get_many", "recommender.recommend"}


SEARCH_DELAYS = {**DELAYS, "search": 30.0}
PREDICTIVE = """query($q: String!) { predictiveSearch(query: $q, limit: 5) {
    products { id title } categories { id title } queries { text } } }"""


async def served_with_delays(
    history_dir: Path, spans: InMemorySpanExporter, document: str, variables: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[ReadableSpan]], list[ReadableSpan]]:
    """The answer to one request served with ``SEARCH_DELAYS``, its port calls by name and all in start order."""
    async with app_client(make_settings(history_dir)):  # the search index, built without delays
        pass
    settings = make_settings(history_dir, latency_injection=True, latency_ms=SEARCH_DELAYS, latency_sigma=0.0)
    async with app_client(settings) as http:
        body = await post(http, document, variables)
        return body, calls_of_last_request(spans), calls_in(spans, last_request(spans))


async def test_a_search_page_reads_its_products_and_its_facets_labels_in_one_round(
    history_dir: Path, spans: InMemorySpanExporter
) -> None:
    variables = dict(search.scenario.variables or {})
    body, calls, every = await served_with_delays(history_dir, spans, search.DOCUMENT, variables)

    found = body["data"]["search"]
    assert found["edges"] and [f for f in found["productFilters"] if f["id"] == "filter.p.category"]
    (searched,) = calls["search.search"]
    (products,) = calls["catalog.get_products"]
    (categories,) = calls["catalog.get_categories"]
    # After the engine, the hits' products and the category facet's labels together: two rounds in all.
    assert min(start(products), start(categories)) >= end(searched)
    assert start(categories) < end(products) and start(products) < end(categories)
    assert rounds(every) == 2


async def test_predictive_search_reads_its_products_and_categories_in_one_round(
    history_dir: Path, spans: InMemorySpanExporter
) -> None:
    body, calls, every = await served_with_delays(history_dir, spans, PREDICTIVE, {"q": "sh"})

    suggested = body["data"]["predictiveSearch"]
    assert suggested["products"] and suggested["categories"]
    (suggest,) = calls["search.suggest"]
    (products,) = calls["catalog.get_products"]
    (categories,) = calls["catalog.get_categories"]
    assert min(start(products), start(categories)) >= end(suggest)
    assert start(categories) < end(products) and start(products) < end(categories)
    assert rounds(every) == 2
