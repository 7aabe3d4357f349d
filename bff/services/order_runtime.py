"""The order workflow's moving parts for one process: the steps over the ports, and the embedded worker."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

from bff.backends.order_codec import notification_for
from bff.backends.order_registry import OrderBackends
from bff.domain.orders import Order, OrderStatus
from bff.services.order_steps import OrderSteps, StatusListener
from bff.services.order_worker import OrderWorker
from bff.settings import Settings


def order_steps(backends: OrderBackends, listeners: Sequence[StatusListener] = ()) -> OrderSteps:
    """The steps over ``backends``; every status move is published to the status feed first, then ``listeners``."""

    async def publish(order: Order) -> None:
        await backends.feed.publish(notification_for(order, order.history[-1].reason))

    async def released(order: Order) -> None:
        # A cancel gave the order's units back: a product that was sold out may be available again.
        if order.status is OrderStatus.CANCELLED and backends.availability is not None:
            await backends.availability(list(order.reserved))

    steps = (publish, released, *listeners)
    return OrderSteps(backends.orders, backends.payments, backends.risk, backends.notifier, steps)


def embedded_worker(settings: Settings, backends: OrderBackends, steps: OrderSteps) -> OrderWorker | None:
    """The worker over the embedded runs (None when Step Functions runs the workflow)."""
    if backends.runs is None:
        return None
    worker = OrderWorker(
        backends.runs,
        steps.by_name(),
        lease_seconds=settings.order_lease_seconds,
        poll_seconds=settings.order_poll_seconds,
        concurrency=settings.order_worker_concurrency,
        retry_scale=settings.order_retry_scale,
    )
    if backends.embedded_workflow is not None:
        backends.embedded_workflow.wakers.append(worker.wake)
    return worker


@contextlib.asynccontextmanager
async def running(worker: OrderWorker | None) -> AsyncIterator[OrderWorker | None]:
    """``worker`` serving in the background for the block's duration (nothing when None)."""
    if worker is None:
        yield None
        return
    stop = asyncio.Event()
    task = asyncio.create_task(worker.serve(stop), name="order-worker")
    try:
        yield worker
    finally:
        stop.set()
        await task
