"""The synchronous part of checkout, measured apart from ``make bench`` (``python -m bench.checkout``).

``make bench``'s harness sends one set of variables over and over, and a checkout is a write that can happen
once per cart and key: repeated, it measures the retry path (the key answering its order), not a placement.
So this script prepares ``--orders`` guest carts (two lines each) through the API, then sends one
``checkoutComplete`` per cart, each with a fresh idempotency key, ``--concurrency`` at a time, to the app in
process (ASGI, no network); the workflow worker is off, so only the synchronous part is timed: the cart read,
today's prices, the one transaction, the workflow's start. It reports p50/p90/p99 of the request, the backend
calls per request (``extensions.backendCalls``, at most 4), and the same for the floor: the use case
(``bff.services.checkout``) called directly over the same backends, without HTTP or GraphQL.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from bff.app import create_app
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.catalog_io import generate_catalog
from bff.domain.checkout import CheckoutInput
from bff.domain.orders import Address
from bff.ids import to_global_id
from bff.services.checkout import Checkout
from bff.settings import Settings

CREATE = "mutation ($input: CartInput) { cartCreate(input: $input) { cart { id } userErrors { code } } }"
CHECKOUT = """mutation Checkout($input: CheckoutCompleteInput!) { checkoutComplete(input: $input) {
  order { id status total { amount currencyCode } } userErrors { field code message } } }"""
ADDRESS = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "address1": "1 Main St",
    "city": "London",
    "zip": "N1",
    "countryCode": "GB",
}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _summary(name: str, seconds: list[float], calls: list[int] | None = None) -> str:
    ms = [s * 1000 for s in seconds]
    counted = f"  backend calls {min(calls)}-{max(calls)}" if calls else ""
    return (
        f"{name:>6}: p50 {_percentile(ms, 0.5):6.2f} ms  p90 {_percentile(ms, 0.9):6.2f} ms  "
        f"p99 {_percentile(ms, 0.99):6.2f} ms  mean {statistics.fmean(ms):6.2f} ms{counted}"
    )


async def _carts(http: httpx.AsyncClient, variants: list[str], count: int) -> list[str]:
    carts = []
    for i in range(count):
        lines = [
            {"merchandiseId": variants[i % len(variants)], "quantity": 1},
            {"merchandiseId": variants[(i + 1) % len(variants)], "quantity": 1},
        ]
        body = (await http.post("/graphql", json={"query": CREATE, "variables": {"input": {"lines": lines}}})).json()
        carts.append(body["data"]["cartCreate"]["cart"]["id"])
    return carts


async def measure(orders: int, concurrency: int, data_dir: Path) -> list[str]:
    categories, records = generate_catalog(products=50, seed=3)
    store = await SqliteCatalogStore.open(data_dir / "catalog.sqlite3")
    await store.upsert_categories(categories)
    await store.upsert_products(records)
    await store.set_stock([(v.id, 1_000_000) for r in records for v in r.variants])
    await store.close()
    variants = [to_global_id("ProductVariant", v.id) for r in records for v in r.variants]
    settings = Settings(env="test", data_dir=data_dir, expose_metrics=True, rate_limit=False, order_worker_in_app=False)
    app = create_app(settings)
    report = []
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff") as http:
            limit = asyncio.Semaphore(concurrency)
            carts = await _carts(http, variants, orders)
            seconds: list[float] = []
            calls: list[int] = []

            async def one(cart: str) -> None:
                data = {
                    "cartId": cart,
                    "idempotencyKey": str(uuid.uuid4()),
                    "email": "ada@example.com",
                    "shippingAddress": ADDRESS,
                    "billingAddress": ADDRESS,
                    "deliveryMethod": "STANDARD",
                    "paymentToken": "tok_sandbox_approve",
                }
                async with limit:
                    started = time.perf_counter()
                    body: dict[str, Any] = (
                        await http.post("/graphql", json={"query": CHECKOUT, "variables": {"input": data}})
                    ).json()
                    seconds.append(time.perf_counter() - started)
                assert body["data"]["checkoutComplete"]["order"] is not None, body
                calls.append(body["extensions"]["backendCalls"]["total"])

            await asyncio.gather(*(one(c) for c in carts))
            report.append(_summary("bff", seconds, calls))

            # The floor: the same use case over the same backends, no HTTP, no GraphQL.
            state = app.state.bff
            carts = await _carts(http, variants, orders)
            floor: list[float] = []
            address = Address("Ada", "Lovelace", "1 Main St", "London", "N1", "GB")

            async def direct(cart: str) -> None:
                checkout = Checkout(
                    state.backends.carts,
                    state.backends.orders,
                    state.backends.catalog,
                    state.backends.discounts,
                    state.backends.catalog_reads.get_variants,
                    None,
                )
                data = CheckoutInput(
                    cart, str(uuid.uuid4()), "ada@example.com", address, address, "STANDARD", "tok_sandbox_approve"
                )
                async with limit:
                    started = time.perf_counter()
                    result = await checkout.complete(None, data, None)
                    floor.append(time.perf_counter() - started)
                assert result.order is not None, result.problems

            await asyncio.gather(*(direct(c) for c in carts))
            report.append(_summary("floor", floor))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.checkout", description=__doc__)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        lines = asyncio.run(measure(args.orders, args.concurrency, Path(tmp)))
    print(f"checkoutComplete, {args.orders} orders, {args.concurrency} at a time (embedded, in process):")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
