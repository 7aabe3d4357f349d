"""Conversion between catalog dataclasses and SQLite rows (JSON columns for nested values)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from decimal import Decimal
from typing import Any

from orjson import loads

from bff.domain.catalog import (
    Category,
    Image,
    Money,
    Product,
    ProductOption,
    ProductRecord,
    SelectedOption,
    Variant,
    currency_amount,
)

PRODUCT_COLUMNS = (
    "id, handle, title, description, vendor, product_type, tags, category_id, images, options, currency, "
    "min_price, max_price, min_compare_at, max_compare_at, available, sales_rank, created_at, updated_at, "
    "version"
)
# What a variant row stores; read, its quantity is the stock's available units (``VARIANT_COLUMNS``).
VARIANT_WRITE_COLUMNS = (
    "id, product_id, sku, title, position, price, compare_at_price, currency, quantity_available, "
    "selected_options, image"
)
AVAILABLE_UNITS = (
    "COALESCE((SELECT max(0, s.on_hand - s.reserved) FROM stock s WHERE s.variant_id = variants.id), 0) "
    "AS quantity_available"
)
VARIANT_COLUMNS = VARIANT_WRITE_COLUMNS.replace("quantity_available", AVAILABLE_UNITS)
CATEGORY_COLUMNS = "id, handle, title, description, parent_id, ancestor_ids, image, position"


def _image(data: dict[str, Any] | None) -> Image | None:
    if not data:
        return None
    return Image(data["url"], data.get("alt"), data.get("width"), data.get("height"))


def _image_json(image: Image | None) -> dict[str, Any] | None:
    if image is None:
        return None
    return {"url": image.url, "alt": image.alt_text, "width": image.width, "height": image.height}


def _money(amount: str | None, currency: str) -> Money | None:
    return None if amount is None else Money(Decimal(amount), currency)


# The converters read columns by position (the order of *_COLUMNS above): listings decode every row of a
# page on the hot path, and positional access with orjson is about three times faster than by name.


def product_from_row(row: sqlite3.Row) -> Product:
    currency = row[10]
    images = tuple(Image(i["url"], i.get("alt"), i.get("width"), i.get("height")) for i in loads(row[8]) if i)
    return Product(
        id=row[0],
        handle=row[1],
        title=row[2],
        description=row[3],
        vendor=row[4],
        product_type=row[5],
        tags=tuple(loads(row[6])),
        category_id=row[7],
        images=images,
        options=tuple(ProductOption(o["name"], tuple(o["values"])) for o in loads(row[9])),
        min_price=None if row[11] is None else Money(Decimal(row[11]), currency),
        max_price=None if row[12] is None else Money(Decimal(row[12]), currency),
        min_compare_at_price=None if row[13] is None else Money(Decimal(row[13]), currency),
        max_compare_at_price=None if row[14] is None else Money(Decimal(row[14]), currency),
        available=bool(row[15]),
        sales_rank=row[16],
        created_at=datetime.fromisoformat(row[17]),
        updated_at=datetime.fromisoformat(row[18]),
        version=row[19],
    )


def variant_from_row(row: sqlite3.Row) -> Variant:
    currency = row[7]
    return Variant(
        id=row[0],
        product_id=row[1],
        sku=row[2],
        title=row[3],
        price=Money(Decimal(row[5]), currency),
        compare_at_price=None if row[6] is None else Money(Decimal(row[6]), currency),
        quantity_available=row[8],
        selected_options=tuple(SelectedOption(n, v) for n, v in loads(row[9])),
        image=_image(loads(row[10])) if row[10] else None,
        position=row[4],
    )


def category_from_row(row: sqlite3.Row) -> Category:
    return Category(
        id=row[0],
        handle=row[1],
        title=row[2],
        description=row[3],
        parent_id=row[4],
        ancestor_ids=tuple(loads(row[5])),
        image=_image(loads(row[6])) if row[6] else None,
        position=row[7],
    )


def category_row(category: Category) -> tuple[Any, ...]:
    image = _image_json(category.image)
    return (
        category.id,
        category.handle,
        category.title,
        category.description,
        category.parent_id,
        None if image is None else json.dumps(image),
        category.position,
    )


def _compare_at(variants: tuple[Variant, ...]) -> list[Decimal]:
    return [v.compare_at_price.amount for v in variants if v.compare_at_price is not None]


def product_row(record: ProductRecord, now: datetime) -> tuple[Any, ...]:
    """The product's row, with its price summary derived from the variants."""
    product, variants = record.product, record.variants
    currency = variants[0].price.currency_code if variants else "USD"
    prices = [currency_amount(v.price.amount, currency) for v in variants]
    compare = [currency_amount(a, currency) for a in _compare_at(variants)]
    return (
        product.id,
        product.handle,
        product.title,
        product.title.casefold(),
        product.description,
        product.vendor,
        product.product_type,
        json.dumps(list(product.tags)),
        product.category_id,
        json.dumps([_image_json(i) for i in product.images]),
        json.dumps([{"name": o.name, "values": list(o.values)} for o in product.options]),
        currency,
        str(min(prices)) if prices else None,
        str(max(prices)) if prices else None,
        str(min(compare)) if compare else None,
        str(max(compare)) if compare else None,
        float(min(prices)) if prices else 0.0,
        # Provisional: the write recomputes it from the stock table (``sqlite_writes.refresh_available``).
        int(any(v.quantity_available > 0 for v in variants)),
        product.sales_rank,
        (product.created_at or now).isoformat(),
        (product.updated_at or now).isoformat(),
    )


def variant_row(variant: Variant) -> tuple[Any, ...]:
    image = _image_json(variant.image)
    return (
        variant.id,
        variant.product_id,
        variant.sku,
        variant.title,
        variant.position,
        str(currency_amount(variant.price.amount, variant.price.currency_code)),
        None
        if variant.compare_at_price is None
        else str(currency_amount(variant.compare_at_price.amount, variant.price.currency_code)),
        variant.price.currency_code,
        0,  # stock lives in its own table (``stock``); the column is kept for older files
        json.dumps([[o.name, o.value] for o in variant.selected_options]),
        None if image is None else json.dumps(image),
    )
