"""Loading a cart for a request: who may see it, and the editor the mutations change it through."""

from __future__ import annotations

from datetime import timedelta

from bff import privacy
from bff.context import Context
from bff.domain.cart_change import CartLimits
from bff.ownership import check_cart_owner, is_capability_id
from bff.services.cart_edit import CartEditor
from resolvers.cart.types import Cart


def limits(ctx: Context) -> CartLimits:
    s = ctx.settings
    return CartLimits(
        max_line_quantity=s.cart_max_line_quantity, max_lines=s.cart_max_lines, max_note_length=s.cart_max_note_length
    )


def editor(ctx: Context) -> CartEditor:
    return CartEditor(
        store=ctx.backends.carts,
        user=ctx.user,
        limits=limits(ctx),
        variants=ctx.loaders.variant_by_id.load_many,
        guest_ttl=timedelta(days=ctx.settings.cart_guest_ttl_days),
        locks=ctx.backends.cart_locks,
    )


async def load_cart(ctx: Context, key: str) -> Cart | None:
    """The cart with store key ``key`` for the caller; None when there is none (or it expired), ``FORBIDDEN``
    when it is another customer's. Its response is never cached."""
    privacy.mark_private()
    if not is_capability_id(key):  # no cart ever had such an id: no lookup
        return None
    record = await ctx.loaders.cart_by_id.load(key)
    if record is None:
        return None
    check_cart_owner(ctx.user, record.customer_id)
    return Cart.of(record, ctx)
