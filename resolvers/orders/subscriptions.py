"""``OrderSubscription``: ``orderStatusChanged(orderId)``, each status change of the caller's order as it
happens (``bff.graphql.subscriptions`` serves it over WebSocket)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry

from bff.context import Info
from bff.domain.orders import FINAL
from bff.errors import Forbidden, Unauthenticated
from bff.ids import from_global_id, to_global_id
from resolvers.orders.types import OrderStatus, status_of


@strawberry.type(description="An order's status changed.")
class OrderStatusChange:
    order_id: strawberry.ID = strawberry.field(description="Global id of the order.")
    status: OrderStatus = strawberry.field(description="The status it took.")
    at: datetime = strawberry.field(description="When.")
    message: str = strawberry.field(description="The notification sent to the buyer about it.")


@strawberry.type
class OrderSubscription:
    @strawberry.subscription(
        description=(
            "Each status change of one of your orders from now on (PAID, FULFILLED, ...), ending once it is "
            "fulfilled or cancelled. Only the order's owner may subscribe."
        )
    )
    async def order_status_changed(
        self, info: Info, order_id: Annotated[strawberry.ID, strawberry.argument(description="Global id of the order.")]
    ) -> AsyncGenerator[OrderStatusChange, None]:
        ctx = info.context
        if ctx.user is None:
            raise Unauthenticated("sign in to follow an order", reason="sign_in_required")
        _, key = from_global_id(order_id, "Order", field="orderId")
        [order] = await ctx.backends.orders.orders.get_orders([key])
        if order is None or order.customer_id != ctx.user.subject:
            raise Forbidden("you can follow only your own orders")  # unknown or another's: the same answer
        events = await ctx.backends.orders.feed.subscribe(key)
        try:
            async for event in events:
                yield OrderStatusChange(
                    order_id=strawberry.ID(to_global_id("Order", event.order_id)),
                    status=status_of(event.status),
                    at=event.at,
                    message=event.message,
                )
                if event.status in FINAL:
                    return
        finally:
            await events.aclose()  # type: ignore[attr-defined]
