"""A product change and its rules: what an admin may change, what makes a change invalid, and the change
applied to a variant. Pure: the service (``bff.services.product_update``) reads and writes the catalog.

Expected failures (a malformed id, a negative price, an impossible quantity) are ``Problem``s with a
``ProductErrorCode``; nothing is written unless every change is valid.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from bff.domain import catalog as domain
from bff.domain.error_codes import Problem, ProductErrorCode
from bff.domain.text import text_problem
from bff.errors import BadUserInput
from bff.ids import from_global_id

MAX_VARIANTS = 250
MAX_PRICE = Decimal(1_000_000_000)
MAX_QUANTITY = 1_000_000_000
MAX_TITLE = 255
UNCHANGED: Any = object()


@dataclass(frozen=True, slots=True)
class VariantChange:
    """One variant's new values; ``UNCHANGED`` where the input left a field out (``None`` clears it)."""

    global_id: str
    price: Decimal | None = None
    compare_at_price: Decimal | None = UNCHANGED
    quantity_available: int | None = None


@dataclass(frozen=True, slots=True)
class ProductChange:
    global_id: str
    title: str | None = None
    variants: tuple[VariantChange, ...] = ()


def _price_problem(value: Decimal, field: tuple[str, ...]) -> Problem | None:
    exponent = value.normalize().as_tuple().exponent if value.is_finite() else None
    if not value.is_finite() or value < 0 or value > MAX_PRICE or not isinstance(exponent, int) or exponent < -2:
        message = f"must be an amount from 0 to {MAX_PRICE} with at most 2 decimal places"
        return Problem(field, message, ProductErrorCode.INVALID_PRICE)
    return None


def _variant_problems(index: int, change: VariantChange) -> list[Problem]:
    base = ("input", "variants", str(index))
    problems = []
    if change.price is not None:
        problems.append(_price_problem(change.price, (*base, "price")))
    if change.compare_at_price is not UNCHANGED and change.compare_at_price is not None:
        problems.append(_price_problem(change.compare_at_price, (*base, "compareAtPrice")))
    if change.quantity_available is not None and not 0 <= change.quantity_available <= MAX_QUANTITY:
        message = f"must be from 0 to {MAX_QUANTITY}"
        problems.append(Problem((*base, "quantityAvailable"), message, ProductErrorCode.INVALID_QUANTITY))
    return [p for p in problems if p is not None]


def _key(global_id: str, type_name: str, field: tuple[str, ...]) -> str | Problem:
    try:
        return from_global_id(global_id, type_name)[1]
    except BadUserInput:
        return Problem(field, f"is not a {type_name} id", ProductErrorCode.INVALID_ID)


def check_input(change: ProductChange) -> tuple[str | None, dict[str, VariantChange], list[Problem]]:
    """The product's store key, the variant changes by store key, and every problem the input has alone."""
    problems: list[Problem] = []
    product_key = _key(change.global_id, "Product", ("input", "id"))
    if isinstance(product_key, Problem):
        problems.append(product_key)
    if change.title is not None:
        hidden = text_problem(change.title)
        if not 0 < len(change.title.strip()) <= MAX_TITLE or hidden:
            message = hidden or f"must be 1 to {MAX_TITLE} characters"
            problems.append(Problem(("input", "title"), message, ProductErrorCode.INVALID_TITLE))
    if len(change.variants) > MAX_VARIANTS:
        message = f"at most {MAX_VARIANTS} variants per update"
        problems.append(Problem(("input", "variants"), message, ProductErrorCode.TOO_MANY_VARIANTS))
        return None, {}, problems
    by_key: dict[str, VariantChange] = {}
    for index, variant in enumerate(change.variants):
        field = ("input", "variants", str(index), "id")
        key = _key(variant.global_id, "ProductVariant", field)
        if isinstance(key, Problem):
            problems.append(key)
            continue
        if key in by_key:
            problems.append(Problem(field, "is listed twice", ProductErrorCode.DUPLICATE_VARIANT))
        by_key[key] = variant
        problems.extend(_variant_problems(index, variant))
    return (product_key if isinstance(product_key, str) else None), by_key, problems


def _money(amount: Decimal, currency: str) -> domain.Money:
    # `12.340` passed the check (2 significant decimals): store it as `12.34`.
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        amount = amount.quantize(Decimal("0.01"))
    return domain.Money(amount, currency)


def changed_variant(variant: domain.Variant, change: VariantChange) -> domain.Variant:
    currency = variant.price.currency_code
    compare_at = variant.compare_at_price
    if change.compare_at_price is not UNCHANGED:
        compare_at = None if change.compare_at_price is None else _money(change.compare_at_price, currency)
    return replace(
        variant,
        price=variant.price if change.price is None else _money(change.price, currency),
        compare_at_price=compare_at,
        quantity_available=(
            variant.quantity_available if change.quantity_available is None else change.quantity_available
        ),
    )
