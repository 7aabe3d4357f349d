"""A customer's orders, newest first (``customer { orders }``)."""

from __future__ import annotations

from datetime import datetime

from bff.context import Context
from bff.cursors import Position
from bff.errors import BadUserInput
from resolvers.common import PageInfo
from resolvers.connection import Connection, Counter, Edge
from resolvers.orders.types import Order

LISTING = "orders:customer"


async def customer_orders(ctx: Context, customer_id: str, first: int | None, after: str | None) -> Connection[Order]:
    size = ctx.settings.default_page_size if first is None else first
    if not 0 <= size <= ctx.settings.max_page_size:
        raise BadUserInput(f"`first` must be between 0 and {ctx.settings.max_page_size}", field="first")
    position = None
    if after is not None:
        created, order_id = ctx.cursors.decode(after, LISTING)
        try:
            position = (datetime.fromisoformat(str(created)), order_id)
        except ValueError:
            raise BadUserInput("after: invalid cursor", field="after") from None
    page = await ctx.backends.orders.orders.customer_orders(customer_id, size, position)
    edges = [
        Edge(node=order, position=Position(ctx.cursors, LISTING, (order.created_at.isoformat(), order.id)))
        for order in page.orders
    ]
    info = PageInfo(
        has_next_page=page.has_more,
        has_previous_page=after is not None,
        start_cursor=edges[0].cursor() if edges else None,
        end_cursor=edges[-1].cursor() if edges else None,
    )

    async def count() -> int:
        raise BadUserInput("a customer's orders are not counted: page through them", field="totalCount")

    counter: Counter = count
    return Connection(edges=edges, page_info=info, count=counter)  # type: ignore[arg-type]
