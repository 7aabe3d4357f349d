"""The ``OrderStore`` port: orders by id and by customer, status moves, the notification outbox.

An order is written once by checkout (``place_order``, one transaction with its stock reservations, the
cart's conversion and the idempotency key) and afterwards changes only through ``move_order``: a status move
conditional on the status it leaves, which appends the history entry and the outbox notification in the same
write and, moving to CANCELLED, releases the order's reserved stock in it too. So a step the workflow runs
twice (a retry after a crash) moves the order once, and stock is released once.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from bff.backends.ports import PortSpec
from bff.domain.checkout import Placed, Placement
from bff.domain.order_workflow import Run
from bff.domain.orders import Notification, Order, OrderPage, OrderStatus
from bff.domain.risk import CustomerHistory


@runtime_checkable
class OrderStore(Protocol):
    async def get_orders(self, ids: Sequence[str]) -> list[Order | None]:
        """Orders by id (strongly consistent), in the order asked; None for an unknown one."""

    async def get_order_by_number(self, number: int) -> Order | None:
        """The order with this order number (strongly consistent), None when no order has it."""

    async def customer_orders(self, customer_id: str, first: int, after: tuple[datetime, str] | None) -> OrderPage:
        """A customer's orders, newest first: ``first`` of them, older than ``after`` (created at, order id)."""

    async def customer_history(
        self, customer_id: str | None, email: str, client_address: str | None, since: datetime, before: str
    ) -> CustomerHistory:
        """What earlier orders say about a buyer (risk screening): by customer, else by email; ``before`` is
        the order being screened, left out."""

    async def move_order(
        self,
        order_id: str,
        status: OrderStatus,
        at: datetime,
        *,
        expected: Collection[OrderStatus],
        reason: str = "",
        risk_reasons: Sequence[str] = (),
    ) -> Order | None:
        """Move the order to ``status`` if it is in one of ``expected``; with the history entry, the outbox
        notification and (to CANCELLED) the release of its stock in the same write. The order as moved, or
        None when it was not in an expected status (nothing written)."""

    async def place_order(self, placement: Placement) -> Placed:
        """Checkout's one transaction (``bff.domain.checkout.Placement``): the order PENDING with its stock
        reserved, the cart converted and the idempotency key claimed, or nothing at all and why."""

    async def order_for_key(self, idempotency_key: str) -> tuple[str, Order] | None:
        """The (cart id, order) an unexpired idempotency key (``<scope>#<key>``) holds, None when it holds none:
        a retried checkout whose cart is already converted answers the order it placed."""

    async def notifications(self, order_id: str) -> list[Notification]:
        """The order's outbox: a notification per status change, oldest first."""

    async def close(self) -> None: ...


# `move_order` is conditional: a retry after a lost answer finds the order moved and answers None; a retried
# `place_order` would answer REPLAYED (its key is claimed), but checkout retries by itself with the same key.
ORDERS: PortSpec[OrderStore] = PortSpec(
    OrderStore,
    "orders",
    idempotent=(
        "get_orders",
        "get_order_by_number",
        "customer_orders",
        "customer_history",
        "notifications",
        "order_for_key",
    ),
)


@runtime_checkable
class RunQueue(Protocol):
    """The embedded workflow's durable runs: claimed under a lease, so two workers never run one order."""

    async def claim(self, owner: str, lease_seconds: float, now: datetime) -> Run | None:
        """A run due now whose lease is free or expired, leased to ``owner``; None when none is due."""

    async def save(self, run: Run, owner: str, run_after: datetime, now: datetime) -> bool:
        """Store the run's progress and end ``owner``'s lease; False when the lease was lost (another worker
        took the run after it expired): the caller drops its result."""

    async def extend(self, order_id: str, owner: str, until: datetime) -> bool:
        """Keep the lease while a long step runs; False when it was lost."""

    async def start_run(self, order_id: str, data: dict[str, object], state: str, *, again: bool = False) -> bool:
        """A run of the order at ``state``; False when the order has one already. With ``again`` (a reviewer's
        decision) a finished run starts over from ``state``; an unfinished one is never replaced."""

    async def unfinished(self) -> int:
        """How many runs are not done (tests, the worker's drain)."""

    async def close(self) -> None: ...
