"""A cart's discount codes evaluated against its lines (``bff.domain.discounts.evaluate``).

Asked only when the cart holds codes: one call for the rules, and, when one of them targets a category, the
lines' products and their categories (for the ancestors) through the request's loaders, one batch each. When
the discount store is unavailable the cart is still answered, its codes not applicable, with a ``DEGRADED``
warning (``bff.degradation``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime

from bff import degradation
from bff.backends.discounts import DiscountStore
from bff.domain.cart import Cart
from bff.domain.cart_pricing import Discounts, DiscountShare, cart_currency
from bff.domain.catalog import Category, Product, Variant
from bff.domain.discounts import DiscountRule, DiscountTarget, PricedLine, evaluate
from bff.services.cart_pricing import DiscountFetch

ProductFetch = Callable[[Sequence[str]], Awaitable[Sequence[Product | None]]]
CategoryFetch = Callable[[Sequence[str]], Awaitable[Sequence[Category | None]]]
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


async def _product_categories(
    product_ids: Sequence[str], products: ProductFetch, categories: CategoryFetch
) -> dict[str, tuple[str, ...]]:
    """Each product's category and that category's ancestors."""
    unique = list(dict.fromkeys(product_ids))
    found = [p for p in await products(unique) if p is not None]
    category_ids = list(dict.fromkeys(p.category_id for p in found if p.category_id))
    by_id = {c.id: c for c in await categories(category_ids) if c is not None} if category_ids else {}
    chains: dict[str, tuple[str, ...]] = {}
    for product in found:
        category = by_id.get(product.category_id or "")
        if category is not None:
            chains[product.id] = (category.id, *category.ancestor_ids)
    return chains


def discounts_for(
    store: DiscountStore, products: ProductFetch, categories: CategoryFetch, clock: Clock = _now
) -> DiscountFetch:
    async def fetch(cart: Cart, variants: Mapping[str, Variant | None]) -> Discounts:
        codes = list(cart.discount_codes)

        async def lookup() -> list[DiscountRule | None]:
            return await store.get_discounts(codes)

        def none_apply() -> list[DiscountRule | None]:
            return [None] * len(codes)

        found: list[DiscountRule | None] = await degradation.degrade("discounts", lookup, none_apply)
        rules = dict(zip(codes, found, strict=True))
        lines = [(line, v) for line in cart.lines if (v := variants.get(line.variant_id)) is not None]
        chains: dict[str, tuple[str, ...]] = {}
        if any(rule is not None and rule.target is DiscountTarget.CATEGORY for rule in found):
            chains = await _product_categories([v.product_id for _, v in lines], products, categories)
        priced = [PricedLine(line.id, line.quantity, v.price, chains.get(v.product_id, ())) for line, v in lines]
        outcome = evaluate(rules, codes, priced, clock(), cart_currency(cart, variants))
        return Discounts(
            applicable=outcome.applicable,
            lines={
                line_id: tuple(DiscountShare(a.code, a.amount) for a in allocations)
                for line_id, allocations in outcome.line_allocations.items()
            },
            order=tuple(DiscountShare(a.code, a.amount) for a in outcome.order_allocations),
        )

    return fetch
