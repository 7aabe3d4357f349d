"""Discount codes in a feed (``docs/catalog-feed.md``, "Discounts"): the record's schema and its checks.

A discount record is ``kind: discount`` in JSON lines or a top-level list, an item of the ``discounts``
section of a JSON object or YAML mapping, or a row of a discounts CSV (a header with ``code`` and no
``product_id``). A record with a ``category`` is a discount on that category's products (and its
subcategories'); without one it is a discount on the order. The usage count is not imported: the store
keeps it (``DiscountStore.upsert_discounts``).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from bff.catalog_io.feed_records import FeedError, RawRecord
from bff.catalog_io.feed_schema import FeedModel, Line, Loc, Timestamp
from bff.domain.catalog import currency_amount
from bff.domain.discounts import (
    MAX_CODE_LENGTH,
    DiscountKind,
    DiscountRule,
    DiscountTarget,
    normalise_code,
    rule_problems,
)

CSV_COLUMNS = (
    "code",
    "type",
    "value",
    "currency",
    "category",
    "minimum_subtotal",
    "starts_at",
    "ends_at",
    "usage_limit",
    "title",
)


def _shown(value: object) -> str:
    return str(value) if isinstance(value, int | float | Decimal) and not isinstance(value, bool) else repr(value)


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise PydanticCustomError("decimal", "must be a decimal number such as 12.5")
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise PydanticCustomError("decimal", "{value} is not a decimal number", {"value": _shown(value)}) from None
    if not number.is_finite():
        raise PydanticCustomError("decimal", "{value} is not a decimal number", {"value": _shown(value)})
    return number


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


Number = Annotated[Decimal, BeforeValidator(_decimal)]


class FeedDiscount(FeedModel):
    kind: Literal["discount"] = "discount"
    code: Annotated[str, Field(min_length=1, max_length=MAX_CODE_LENGTH, pattern=r"^\S+$")]
    type: Annotated[Literal["percentage", "fixed_amount"], BeforeValidator(_lower)]
    value: Number
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    category: Annotated[str, Field(min_length=1)] | None = None
    minimum_subtotal: Number | None = None
    starts_at: Timestamp | None = None
    ends_at: Timestamp | None = None
    usage_limit: Annotated[int, Field(ge=1)] | None = None
    title: Line = ""


def to_rule(discount: FeedDiscount, category_id: str | None) -> DiscountRule:
    """The rule of a discount record; ``category_id`` is its resolved ``category``."""
    return DiscountRule(
        code=normalise_code(discount.code),
        kind=DiscountKind(discount.type.upper()),
        value=discount.value,
        currency_code=discount.currency,
        target=DiscountTarget.CATEGORY if discount.category else DiscountTarget.ORDER,
        category_id=category_id or discount.category,
        minimum_subtotal=discount.minimum_subtotal,
        starts_at=discount.starts_at,
        ends_at=discount.ends_at,
        usage_limit=discount.usage_limit,
        title=discount.title,
    )


def discount_problems(discount: FeedDiscount) -> list[tuple[Loc, str]]:
    """The rules across fields (``bff.domain.discounts.rule_problems``), named by the feed's fields."""
    problems: list[tuple[Loc, str]] = [((name,), message) for name, message in rule_problems(to_rule(discount, None))]
    minimum = discount.minimum_subtotal
    if minimum is not None and minimum >= 0 and currency_amount(minimum, discount.currency) != minimum:
        problems.append((("minimum_subtotal",), f"has more decimal places than {discount.currency} allows"))
    return problems


def is_discount_csv(text: str) -> bool:
    """Whether a CSV's header is a discounts CSV's (``code`` and no ``product_id``)."""
    header = next(csv.reader(io.StringIO(text, newline="")), [])
    names = {name.strip().lower().replace(" ", "_") for name in header}
    return "code" in names and "product_id" not in names


def read_discount_csv(text: str) -> list[RawRecord]:
    """One discount record per row; empty cells are absent values."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower().replace(" ", "_") for name in next(reader, [])]
    missing = [c for c in ("code", "type", "value") if c not in header]
    if missing:
        raise FeedError(f"the discounts CSV header lacks the required column(s): {', '.join(missing)}")
    records: list[RawRecord] = []
    line = reader.line_num + 1
    for cells in reader:
        row: dict[str, Any] = {n: c.strip() for n, c in zip(header, cells, strict=False) if n and c.strip()}
        start, line = line, reader.line_num + 1
        if row:
            records.append(RawRecord(len(records), start, {"kind": "discount", **row}, None, "discount"))
    return records
