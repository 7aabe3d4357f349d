"""Changes to an order after checkout: the buyer's cancel (until it is fulfilled: the stock released, any
payment voided) and a reviewer's decision on an order held for review."""

from __future__ import annotations

from bff.backends.order_registry import OrderBackends
from bff.domain.error_codes import OrderErrorCode, Problem
from bff.domain.identity import Identity
from bff.domain.orders import FINAL, Order, OrderStatus
from bff.errors import BffError
from bff.ownership import check_owner
from bff.services.order_runtime import order_steps

NOT_FOUND = Problem(("id",), "No order of yours has this id.", OrderErrorCode.ORDER_NOT_FOUND)


async def cancel_order(backends: OrderBackends, user: Identity | None, order_id: str) -> Order | Problem:
    [order] = await backends.orders.get_orders([order_id])
    if order is None:
        return NOT_FOUND
    try:
        check_owner(user, order.customer_id, allow_admin=True)
    except BffError:
        return NOT_FOUND  # another customer's order: as if there were none
    if order.status in FINAL:
        return Problem(
            ("id",),
            f"The order is {order.status.value.lower()}: it can no longer be cancelled.",
            OrderErrorCode.ORDER_NOT_CANCELLABLE,
        )
    reason = "cancelled by the customer" if user and user.subject == order.customer_id else "cancelled by staff"
    moved = await order_steps(backends).cancel_order(order, reason)
    if moved is None:  # the workflow moved it on meanwhile
        [now] = await backends.orders.get_orders([order_id])
        status = now.status.value.lower() if now else "gone"
        return Problem(
            ("id",), f"The order is {status}: it can no longer be cancelled.", OrderErrorCode.ORDER_NOT_CANCELLABLE
        )
    return moved


async def review_order(backends: OrderBackends, order_id: str, approve: bool) -> Order | Problem:
    """A reviewer's decision on an order held for review (the caller is an admin): the workflow resumes."""
    [order] = await backends.orders.get_orders([order_id])
    if order is None:
        return NOT_FOUND
    if order.status is not OrderStatus.ON_HOLD:
        message = f"The order is {order.status.value.lower()}, not held for review."
        return Problem(("id",), message, OrderErrorCode.ORDER_NOT_ON_HOLD)
    await backends.workflow.review(order, "APPROVE" if approve else "DENY")
    return order
