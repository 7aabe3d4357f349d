"""Reading an order for the caller: their own (or any, for an admin); a guest's order by its unguessable id."""

from __future__ import annotations

from bff import privacy
from bff.context import Context
from bff.domain import orders as domain
from bff.errors import BffError
from bff.ownership import check_owner, is_capability_id


async def load_order(ctx: Context, key: str) -> domain.Order | None:
    """The order, or None when it is unknown or not the caller's: another customer's order reveals nothing,
    not even that it exists."""
    privacy.mark_private()  # an order is one buyer's: never in the public response cache
    if not is_capability_id(key):
        return None
    [order] = await ctx.backends.orders.orders.get_orders([key])
    if order is None:
        return None
    try:
        check_owner(ctx.user, order.customer_id, allow_admin=True)
    except BffError:
        return None
    return order
