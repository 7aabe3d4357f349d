"""A cart priced for a response: today's variants (one batch through the request's loader) and the
discount codes' allocations (``bff.services.cart_discounts``), then ``bff.domain.cart_pricing``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from bff.domain.cart import Cart
from bff.domain.cart_pricing import NO_DISCOUNTS, Discounts, PricedCart, price_cart
from bff.domain.catalog import Variant
from bff.services.cart_edit import VariantFetch

DiscountFetch = Callable[[Cart, Mapping[str, Variant | None]], Awaitable[Discounts]]


async def priced(cart: Cart, variants: VariantFetch, discounts: DiscountFetch | None = None) -> PricedCart:
    keys = list(dict.fromkeys(line.variant_id for line in cart.lines))
    by_key = dict(zip(keys, await variants(keys), strict=True)) if keys else {}
    found = await discounts(cart, by_key) if discounts is not None and cart.discount_codes else NO_DISCOUNTS
    return price_cart(cart, by_key, found)
