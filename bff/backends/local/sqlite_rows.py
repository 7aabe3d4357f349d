"""Conversion between catalog dataclasses and SQLite rows (JSON columns for nested values)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from decimal import Decimal
from typing import Any

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
    "min_price, max_price, min_compare_at, max_compare_at, total_inventory, sales_rank, created_at, updated_at"
)
VARIANT_COLUMNS = (
    "id, product_id, sku, title, position, price, compare_at_price, currency, quantity_available, "
    "selected_options, image"
)
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


def product_from_row(row: sqlite3.Row) -> Product:
    currency = row["currency"]
    return Product(
        id=row["id"],
        handle=row["handle"],
        title=row["title"],
        description=row["description"],
        vendor=row["vendor"],
        product_type=row["product_type"],
        tags=tuple(json.loads(row["tags"])),
        category_id=row["category_id"],
        images=tuple(img for img in map(_image, json.loads(row["images"])) if img is not None),
        options=tuple(ProductOption(o["name"], tuple(o["values"])) for o in json.loads(row["options"])),
        min_price=_money(row["min_price"], currency),
        max_price=_money(row["max_price"], currency),
        min_compare_at_price=_money(row["min_compare_at"], currency),
        max_compare_at_price=_money(row["max_compare_at"], currency),
        total_inventory=row["total_inventory"],
        sales_rank=row["sales_rank"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
    )


def variant_from_row(row: sqlite3.Row) -> Variant:
    currency = row["currency"]
    price = _money(row["price"], currency)
    assert price is not None
    return Variant(
        id=row["id"],
        product_id=row["product_id"],
        sku=row["sku"],
        title=row["title"],
        price=price,
        compare_at_price=_money(row["compare_at_price"], currency),
        quantity_available=row["quantity_available"],
        selected_options=tuple(SelectedOption(n, v) for n, v in json.loads(row["selected_options"])),
        image=_image(json.loads(row["image"]) if row["image"] else None),
        position=row["position"],
    )


def category_from_row(row: sqlite3.Row) -> Category:
    return Category(
        id=row["id"],
        handle=row["handle"],
        title=row["title"],
        description=row["description"],
        parent_id=row["parent_id"],
        ancestor_ids=tuple(json.loads(row["ancestor_ids"])),
        image=_image(json.loads(row["image"]) if row["image"] else None),
        position=row["position"],
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
    """The product's row, with its price and stock summary derived from the variants."""
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
        sum(max(v.quantity_available, 0) for v in variants),
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
        variant.quantity_available,
        json.dumps([[o.name, o.value] for o in variant.selected_options]),
        None if image is None else json.dumps(image),
    )
