"""Orders for workflow tests: written straight into the embedded store, as checkout leaves them (PENDING,
their run at the state machine's start), and the embedded workflow over real SQLite files."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
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
from bff.services.order_steps import OrderSteps, StatusListener
from bff.services.order_worker import OrderWorker

HOME = Address("Ada", "Lovelace", "12 St James's Square", "London", "SW1Y 4JH", "GB")
ABROAD = Address("Ada", "Lovelace", "1 Rue de Rivoli", "Paris", "75001", "FR")


def make_order(
    *,
    token: str = APPROVE,
    email: str = "ada@example.com",
    customer_id: str | None = "customer-1",
    billing: Address = HOME,
    shipping: Address = HOME,
    lines: tuple[tuple[str, int], ...] = (("variant-1", 2),),
    unit_price: Decimal = Decimal("10.00"),
) -> Order:
    now = datetime.now(UTC)
    order_lines = tuple(
        OrderLine(
            variant_id=variant,
            product_id=f"product-of-{variant}",
            title=f"Thing {variant}",
            sku=None,
            quantity=quantity,
            unit_price=Money(unit_price, "USD"),
            discount=Money(Decimal(0), "USD"),
            total=Money(unit_price * quantity, "USD"),
        )
        for variant, quantity in lines
    )
    total = sum((line.total.amount for line in order_lines), Decimal(0))
    return Order(
        id=uuid.uuid4().hex,
        created_at=now,
        updated_at=now,
        status=OrderStatus.PENDING,
        lines=order_lines,
        currency_code="USD",
        subtotal=total,
        discount_total=Decimal(0),
        shipping_total=Decimal(0),
        total=total,
        email=email,
        shipping_address=shipping,
        billing_address=billing,
        delivery_method="STANDARD",
        payment_token=token,
        cart_id=uuid.uuid4().hex,
        idempotency_key=uuid.uuid4().hex,
        customer_id=customer_id,
        history=(HistoryEntry(OrderStatus.PENDING, now, "order placed"),),
    )


@dataclass
class Workflow:
    orders: SqliteOrderStore
    runs: SqliteRunQueue
    payments: SandboxPaymentGateway
    steps: OrderSteps
    worker: OrderWorker

    async def place(self, order: Order) -> Order:
        await self.orders.insert_order(order, first_run_data(order.id), START)
        return order

    async def status(self, order_id: str) -> OrderStatus:
        [order] = await self.orders.get_orders([order_id])
        assert order is not None
        return order.status


@asynccontextmanager
async def embedded_workflow(
    data_dir: Path, *, owner: str = "test-worker", listeners: tuple[StatusListener, ...] = ()
) -> AsyncIterator[Workflow]:
    catalog = await SqliteCatalogStore.open(data_dir / "catalog.sqlite3")  # the file's own schema first
    await catalog.close()
    orders = await SqliteOrderStore.open(data_dir / "catalog.sqlite3")
    runs = await SqliteRunQueue.open(data_dir / "catalog.sqlite3")
    payments = await SandboxPaymentGateway.open(data_dir / "payments-sandbox.sqlite3", timeout_seconds=0.01)
    steps = OrderSteps(orders, payments, RulesRiskAssessor(), LogNotifier(), listeners)
    worker = OrderWorker(runs, steps.by_name(), owner=owner, lease_seconds=5, retry_scale=0.001)
    try:
        yield Workflow(orders, runs, payments, steps, worker)
    finally:
        await payments.close()
        await runs.close()
        await orders.close()
