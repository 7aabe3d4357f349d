"""The order workflow's steps: the Python the embedded worker and Step Functions' activity workers both run.

Each step takes the run's data (``{"orderId": ..., ...}``) and returns the next data, adding ``outcome`` where
a ``Choice`` follows (``bff.domain.order_workflow``). Steps may run more than once (a retry, a worker killed
after the step but before its progress was saved): each reads the order first and does nothing twice. Status
moves are conditional on the status left (``OrderStore.move_order``), payment is idempotent on the order id,
and stock is released by the move to CANCELLED itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bff.backends.notifications import Notifier
from bff.backends.order_codec import notification_for
from bff.backends.orders import OrderStore
from bff.backends.payments import PaymentGateway, PaymentStatus
from bff.backends.risk import RiskAssessor
from bff.domain.order_workflow import StepTransient
from bff.domain.orders import Order, OrderStatus
from bff.errors import ServiceUnavailable

log = logging.getLogger("bff.orders")

Data = dict[str, Any]
Step = Callable[[Data], Awaitable[Data]]
# Told of every status move after it is stored (subscriptions' fan-out, purchase events).
StatusListener = Callable[[Order], Awaitable[None]]
# Risk screening's velocity window: orders a buyer placed within it count as recent.
VELOCITY_WINDOW = timedelta(hours=1)


def _now() -> datetime:
    return datetime.now(UTC)


class OrderSteps:
    def __init__(
        self,
        orders: OrderStore,
        payments: PaymentGateway,
        risk: RiskAssessor,
        notifier: Notifier,
        listeners: Sequence[StatusListener] = (),
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.orders = orders
        self.payments = payments
        self.risk = risk
        self.notifier = notifier
        self.listeners = tuple(listeners)
        self.clock = clock

    def by_name(self) -> dict[str, Step]:
        """The steps by the names the state machine's tasks give."""
        return {
            "screen_risk": self.screen_risk,
            "hold": self.hold,
            "authorize_payment": self.authorize_payment,
            "fulfil": self.fulfil,
            "cancel": self.cancel,
        }

    async def _order(self, data: Data) -> Order:
        [order] = await self.orders.get_orders([str(data["orderId"])])
        if order is None:
            raise LookupError(f"order {data['orderId']} does not exist")
        return order

    async def _moved(self, order: Order | None, reason: str = "") -> None:
        """Send on what a move stored: the notification, then the listeners. A failure here never undoes the
        move (the outbox keeps the notification); it is logged."""
        if order is None:
            return
        try:
            await self.notifier.order_status_changed(notification_for(order, reason))
        except Exception:
            log.exception("notifying order %s %s failed (kept in its outbox)", order.id, order.status)
        for listener in self.listeners:
            try:
                await listener(order)
            except Exception:
                log.exception("a status listener failed for order %s", order.id)

    async def screen_risk(self, data: Data) -> Data:
        order = await self._order(data)
        if order.status != OrderStatus.PENDING:  # cancelled meanwhile: the cancel step finds nothing to do
            return {**data, "outcome": "DENY", "reason": f"order was {order.status} before screening"}
        since = self.clock() - VELOCITY_WINDOW
        try:
            history = await self.orders.customer_history(
                order.customer_id, order.email, order.client_address, since, order.id
            )
            assessment = await self.risk.assess(order, history)
        except ServiceUnavailable as exc:
            raise StepTransient(str(exc)) from exc
        reasons = list(assessment.reasons)
        return {**data, "outcome": assessment.decision.value, "reasons": reasons, "reason": "; ".join(reasons)}

    async def hold(self, data: Data) -> Data:
        reason = "risk review: " + (data.get("reason") or "risk screening unavailable")
        moved = await self.orders.move_order(
            str(data["orderId"]),
            OrderStatus.ON_HOLD,
            self.clock(),
            expected=(OrderStatus.PENDING,),
            reason=reason,
            risk_reasons=data.get("reasons", ()),
        )
        await self._moved(moved, reason)
        return data

    async def authorize_payment(self, data: Data) -> Data:
        order = await self._order(data)
        if order.status in (OrderStatus.PAID, OrderStatus.FULFILLED):
            return {**data, "outcome": "APPROVED"}
        if order.status == OrderStatus.CANCELLED:
            return {**data, "outcome": "DECLINED", "reason": "order cancelled before payment"}
        try:
            result = await self.payments.authorize(order.payment_token, order.money(order.total), order.id)
        except ServiceUnavailable as exc:
            raise StepTransient(str(exc)) from exc
        if result.status == PaymentStatus.DECLINED:
            return {**data, "outcome": "DECLINED", "reason": f"payment declined ({result.message})"}
        reason = f"payment authorised ({result.reference})"
        moved = await self.orders.move_order(
            order.id, OrderStatus.PAID, self.clock(), expected=(OrderStatus.PENDING, OrderStatus.ON_HOLD), reason=reason
        )
        if moved is None and (await self._order(data)).status == OrderStatus.CANCELLED:
            # Cancelled by the shopper while the payment was being authorised: give the money back.
            await self.payments.void(order.id)
            return {**data, "outcome": "DECLINED", "reason": "order cancelled during payment"}
        await self._moved(moved, reason)
        return {**data, "outcome": "APPROVED", "paymentReference": result.reference}

    async def fulfil(self, data: Data) -> Data:
        reason = "handed to fulfilment"
        moved = await self.orders.move_order(
            str(data["orderId"]), OrderStatus.FULFILLED, self.clock(), expected=(OrderStatus.PAID,), reason=reason
        )
        await self._moved(moved, reason)
        return data

    async def cancel(self, data: Data) -> Data:
        order = await self._order(data)
        reason = str(data.get("reason") or data.get("error", {}).get("Cause") or "cancelled by the workflow")
        await self.cancel_order(order, reason)
        return data

    async def cancel_order(self, order: Order, reason: str) -> Order | None:
        """CANCELLED with its stock released, the payment voided if it was authorised; None when the order
        was already final (fulfilled or cancelled)."""
        moved = await self.orders.move_order(
            order.id,
            OrderStatus.CANCELLED,
            self.clock(),
            expected=(OrderStatus.PENDING, OrderStatus.ON_HOLD, OrderStatus.PAID),
            reason=reason,
        )
        # What it was cancelled from, as stored: it may have been paid since ``order`` was read.
        if moved is not None and moved.history[-2].status == OrderStatus.PAID:
            await self.payments.void(order.id)
        await self._moved(moved, reason)
        return moved
