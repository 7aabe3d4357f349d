"""A cart's money, computed from today's catalog prices every time it is read: nothing a client sends about a
price is read, and nothing about money is stored but the unit price a line was added at (for the warning).

Amounts are exact in the currency's minor units (``currency_amount``). Discounts arrive as allocations the
discount rules computed (``bff.services.cart_discounts``); they never take a line or the cart below zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from bff.domain.cart import Cart, CartLine
from bff.domain.cart_change import CartWarningCode, Notice, line_global_id
from bff.domain.catalog import Money, Variant, currency_amount

DEFAULT_CURRENCY = "USD"


@dataclass(frozen=True, slots=True)
class DiscountShare:
    """Part of a discount code's amount, allocated to a line or to the whole cart."""

    code: str
    amount: Money


@dataclass(frozen=True, slots=True)
class Discounts:
    """What the discount rules decided for a cart: each code's applicability and the allocations."""

    applicable: Mapping[str, bool] = field(default_factory=dict)
    lines: Mapping[str, tuple[DiscountShare, ...]] = field(default_factory=dict)
    order: tuple[DiscountShare, ...] = ()


NO_DISCOUNTS = Discounts()


@dataclass(frozen=True, slots=True)
class PricedLine:
    line: CartLine
    variant: Variant
    amount_per_quantity: Money
    compare_at_amount_per_quantity: Money | None
    subtotal: Money
    total: Money
    discounts: tuple[DiscountShare, ...]


@dataclass(frozen=True, slots=True)
class PricedCart:
    cart: Cart
    lines: tuple[PricedLine, ...]
    currency_code: str
    subtotal: Money
    total: Money
    discount_codes: tuple[tuple[str, bool], ...]
    order_discounts: tuple[DiscountShare, ...]
    notices: tuple[Notice, ...]

    @property
    def total_quantity(self) -> int:
        return sum(p.line.quantity for p in self.lines)


def _money(amount: Decimal, currency: str) -> Money:
    return Money(currency_amount(amount, currency), currency)


def cart_currency(cart: Cart, variants: Mapping[str, Variant | None]) -> str:
    for line in cart.lines:
        variant = variants.get(line.variant_id)
        if variant is not None:
            return variant.price.currency_code
    return DEFAULT_CURRENCY


def price_cart(cart: Cart, variants: Mapping[str, Variant | None], discounts: Discounts = NO_DISCOUNTS) -> PricedCart:
    """``cart`` priced at today's prices; lines whose variant left the catalog are not shown."""
    currency = cart_currency(cart, variants)
    priced: list[PricedLine] = []
    notices: list[Notice] = []
    for line in cart.lines:
        variant = variants.get(line.variant_id)
        if variant is None:
            continue
        unit = variant.price
        subtotal = unit.amount * line.quantity
        shares = discounts.lines.get(line.id, ())
        off = min(sum((s.amount.amount for s in shares), Decimal(0)), subtotal)
        if line.price_at_add is not None and line.price_at_add != unit:
            was = f"{line.price_at_add.amount} {line.price_at_add.currency_code}"
            message = f"the price changed from {was} to {unit.amount} {unit.currency_code} since it was added"
            notices.append(Notice(CartWarningCode.MERCHANDISE_PRICE_CHANGED, message, line_global_id(line)))
        priced.append(
            PricedLine(
                line,
                variant,
                _money(unit.amount, unit.currency_code),
                None if variant.compare_at_price is None else _money(variant.compare_at_price.amount, currency),
                _money(subtotal, unit.currency_code),
                _money(subtotal - off, unit.currency_code),
                shares,
            )
        )
    # Shopify's subtotal: what the lines cost after their own discounts, before the cart-level ones.
    after_lines = sum((p.total.amount for p in priced), Decimal(0))
    order_off = min(sum((s.amount.amount for s in discounts.order), Decimal(0)), after_lines)
    codes = tuple((code, bool(discounts.applicable.get(code, False))) for code in cart.discount_codes)
    return PricedCart(
        cart,
        tuple(priced),
        currency,
        _money(after_lines, currency),
        _money(after_lines - order_off, currency),
        codes,
        discounts.order,
        tuple(notices),
    )
