"""A declined order's lines put back into a cart, so the shopper can pay another way without starting over.

Checkout converts the cart when it places the order; the payment is decided afterwards, in the workflow. When
the payment is declined (the order CANCELLED, its stock released), the hosted checkout gives the shopper the
cart back: the order's lines, email and applicable discount codes, in a cart whose id is derived from the
order's (``bff.services.checkout_links.restored_cart_id``). Writing it is conditional on no such cart
existing, so restoring again (a reload, two tabs) finds the cart restored the first time: one per order.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bff.backends.carts import CartStore
from bff.domain.cart import Cart, CartLine
from bff.domain.orders import Order, OrderStatus
from bff.errors import Conflict
from bff.services.cart_edit import new_line_id

DECLINE_REASON = "payment declined"


def payment_declined(order: Order) -> str | None:
    """Why the order's payment was declined (the provider's words), None when it was not cancelled so."""
    if order.status is not OrderStatus.CANCELLED:
        return None
    for entry in reversed(order.history):
        if entry.status is OrderStatus.CANCELLED and entry.reason.startswith(DECLINE_REASON):
            return entry.reason
    return None


def restored_cart(order: Order, cart_id: str, now: datetime, guest_ttl: timedelta) -> Cart:
    lines = tuple(
        CartLine(id=new_line_id(), variant_id=line.variant_id, quantity=line.quantity) for line in order.lines
    )
    return Cart(
        id=cart_id,
        created_at=now,
        updated_at=now,
        lines=lines,
        customer_id=order.customer_id,
        email=order.email or None,
        country_code=order.shipping_address.country_code or None,
        discount_codes=order.discount_codes,
        expires_at=None if order.customer_id else now + guest_ttl,
    )


async def restore_cart(carts: CartStore, order: Order, cart_id: str, guest_ttl: timedelta) -> Cart | None:
    """The cart holding ``order``'s lines again (written now, or found written before); None when it cannot
    be had (restored before and since checked out or expired)."""
    [existing] = await carts.get_carts([cart_id])
    if existing is not None:
        return existing
    try:
        return await carts.save_cart(restored_cart(order, cart_id, datetime.now(UTC), guest_ttl), None)
    except Conflict:  # restored meanwhile (or restored, then converted): read what there is
        [existing] = await carts.get_carts([cart_id])
        return existing
