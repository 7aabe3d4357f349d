"""Orders completed per second by one embedded workflow worker (``python -m bench.order_worker``).

Places ``--orders`` PENDING orders straight into a fresh data dir's order store (as checkout leaves them, each
with its run), then times one ``OrderWorker`` (``--concurrency`` runs at once, the app's default) taking every
one through risk screening, the sandbox payment and fulfilment: PENDING -> PAID -> FULFILLED, three tasks and
two status moves (each with its outbox notification) per order. Prints orders/s and tasks/s.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from bff.backends.local.rules_risk import RulesRiskAssessor
from bff.backends.local.sandbox_payments import APPROVE, SandboxPaymentGateway
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.backends.local.sqlite_order_runs import SqliteRunQueue
from bff.backends.local.sqlite_orders import SqliteOrderStore
from bff.backends.notifications import LogNotifier
from bff.domain.catalog import Money
from bff.domain.order_workflow import START, first_run_data
from bff.domain.orders import Address, HistoryEntry, Order, OrderLine, OrderStatus
from bff.services.order_steps import OrderSteps
from bff.services.order_worker import OrderWorker

ADDRESS = Address("Ada", "Lovelace", "12 St James's Square", "London", "SW1Y 4JH", "GB")


def _order(customer: int) -> Order:
    now = datetime.now(UTC)
    price = Money(Decimal("19.99"), "USD")
    line = OrderLine("v1", "p1", "Bench thing", None, 1, price, Money(Decimal(0), "USD"), price)
    return Order(
        id=secrets.token_urlsafe(24),
        created_at=now,
        updated_at=now,
        status=OrderStatus.PENDING,
        lines=(line,),
        currency_code="USD",
        subtotal=price.amount,
        discount_total=Decimal(0),
        shipping_total=Decimal(0),
        total=price.amount,
        email=f"buyer{customer}@example.com",
        shipping_address=ADDRESS,
        billing_address=ADDRESS,
        delivery_method="STANDARD",
        payment_token=APPROVE,
        cart_id=secrets.token_urlsafe(24),
        idempotency_key=secrets.token_urlsafe(12),
        customer_id=f"customer-{customer}",
        history=(HistoryEntry(OrderStatus.PENDING, now, "order placed"),),
    )


async def measure(orders: int, concurrency: int, data_dir: Path) -> tuple[float, int]:
    path = data_dir / "catalog.sqlite3"
    await (await SqliteCatalogStore.open(path)).close()
    store = await SqliteOrderStore.open(path)
    runs = await SqliteRunQueue.open(path)
    payments = await SandboxPaymentGateway.open(data_dir / "payments-sandbox.sqlite3")
    try:
        for i in range(orders):
            order = _order(i)
            await store.insert_order(replace(order), first_run_data(order.id), START)
        steps = OrderSteps(store, payments, RulesRiskAssessor(), LogNotifier())
        worker = OrderWorker(runs, steps.by_name(), concurrency=concurrency, poll_seconds=0.01)
        stop = asyncio.Event()
        started = time.perf_counter()
        serving = asyncio.create_task(worker.serve(stop))
        while await runs.unfinished():  # noqa: ASYNC110 - runs are rows; polled as the worker's drain does
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        stop.set()
        await serving
        return elapsed, worker.tasks_run
    finally:
        await payments.close()
        await runs.close()
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.order_worker", description=__doc__)
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        elapsed, tasks = asyncio.run(measure(args.orders, args.concurrency, Path(tmp)))
    print(
        f"{args.orders} orders in {elapsed:.2f} s: {args.orders / elapsed:.0f} orders/s, {tasks / elapsed:.0f} tasks/s "
        f"(one worker, concurrency {args.concurrency})"
    )


if __name__ == "__main__":
    main()
