"""``productUpdate``'s rules: check the input against the catalog, then write the product back whole.

Expected failures (a malformed or unknown id, a negative price, an impossible quantity) are collected as
user errors and nothing is written unless every change is valid. The write goes through the app's catalog
(``upsert_products``), so its listeners (cache invalidation, search indexing) see the change.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bff.backends.catalog import CatalogStore
from bff.domain import catalog as domain
from bff.errors import BadUserInput
from bff.ids import from_global_id

MAX_VARIANTS = 250
MAX_PRICE = Decimal(1_000_000_000)
MAX_QUANTITY = 1_000_000_000
MAX_TITLE = 255
UNCHANGED: Any = object()


class ProductErrorCode(enum.Enum):
    INVALID_ID = "INVALID_ID"
    PRODUCT_NOT_FOUND = "PRODUCT_NOT_FOUND"
    VARIANT_NOT_FOUND = "VARIANT_NOT_FOUND"
    DUPLICATE_VARIANT = "DUPLICATE_VARIANT"
    TOO_MANY_VARIANTS = "TOO_MANY_VARIANTS"
    INVALID_PRICE = "INVALID_PRICE"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    INVALID_TITLE = "INVALID_TITLE"


@dataclass(frozen=True, slots=True)
class Problem:
    field: tuple[str, ...]
    message: str
    code: ProductErrorCode


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
    if change.title is not None and not 0 < len(change.title.strip()) <= MAX_TITLE:
        message = f"must be 1 to {MAX_TITLE} characters"
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


def _changed(variant: domain.Variant, change: VariantChange) -> domain.Variant:
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


async def update_product(catalog: CatalogStore, change: ProductChange) -> tuple[str | None, list[Problem]]:
    """Apply ``change``; the product's store key when written, or the problems that stopped it."""
    product_key, variant_changes, problems = check_input(change)
    if product_key is None or problems:
        return None, problems
    [product] = await catalog.get_products([product_key])
    if product is None:
        return None, [Problem(("input", "id"), "no product has this id", ProductErrorCode.PRODUCT_NOT_FOUND)]
    [variants] = await catalog.get_variants_by_product([product_key])
    known = {v.id for v in variants}
    for index, variant in enumerate(change.variants):
        key = from_global_id(variant.global_id, "ProductVariant")[1]
        if key not in known:
            field = ("input", "variants", str(index), "id")
            problems.append(Problem(field, "this product has no such variant", ProductErrorCode.VARIANT_NOT_FOUND))
    if problems:
        return None, problems
    updated = tuple(_changed(v, variant_changes[v.id]) if v.id in variant_changes else v for v in variants)
    title = product.title if change.title is None else change.title.strip()
    record = domain.ProductRecord(product=replace(product, title=title, updated_at=datetime.now(UTC)), variants=updated)
    await catalog.upsert_products([record])
    return product_key, []
