"""The ``OrderWorkflow`` port: start the asynchronous part of an order once checkout has written it PENDING.

``start`` is idempotent per order: a checkout retried with the same idempotency key starts it again, and that
must never run the workflow twice. Embedded, checkout's transaction itself writes the order's run
(``bff.backends.local.sqlite_orders``) and ``start`` only wakes the worker. In AWS the order event goes to the
SQS FIFO queue for the order management system (``MessageGroupId`` = order id, deduplication id from the
idempotency key) and a Step Functions execution named after the order id runs the steps
(``bff.backends.aws_order_workflow``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from bff.backends.orders import RunQueue
from bff.backends.ports import PortSpec
from bff.domain.order_workflow import START, first_run_data
from bff.domain.orders import Order


@runtime_checkable
class OrderWorkflow(Protocol):
    async def start(self, order: Order) -> None:
        """Run the workflow for ``order`` (nothing new when it already runs or ran)."""

    async def review(self, order: Order, decision: str) -> None:
        """Resume an order held for review: ``APPROVE`` (to payment) or ``DENY`` (cancelled)."""

    async def close(self) -> None: ...


WORKFLOW: PortSpec[OrderWorkflow] = PortSpec(OrderWorkflow, "order_workflow", idempotent=("start", "review"))


class EmbeddedOrderWorkflow:
    """Store the order's run (nothing new when checkout's SQLite transaction already did) and tell the
    in-process workers to look now."""

    def __init__(self, runs: RunQueue) -> None:
        self.runs = runs
        self.wakers: list[Callable[[], None]] = []

    async def start(self, order: Order) -> None:
        await self.runs.start_run(order.id, first_run_data(order.id), START)
        self._wake()

    async def review(self, order: Order, decision: str) -> None:
        await self.runs.start_run(order.id, {**first_run_data(order.id), "review": decision}, START, again=True)
        self._wake()

    def _wake(self) -> None:
        for wake in self.wakers:
            wake()

    async def close(self) -> None:
        return None
