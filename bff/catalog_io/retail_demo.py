"""The AWS retail-demo-store catalog shape (``products.yaml`` + ``categories.yaml``), mapped to native records.

A product there is flat (``id, name, category, style, description, price, current_stock, image,
gender_affinity, ...``); here it becomes a product with one default variant whose SKU and id are the
product's id. Errors are reported under the retail-demo-store field names (``price``, not
``variants[0].price``) and on the line of that field.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bff.catalog_io.feed_readers import read_records
from bff.catalog_io.feed_records import RawRecord
from bff.catalog_io.feed_schema import Loc
from bff.catalog_io.slugs import slugify

# Images are referenced as ``<base><category>/<file>`` like the demo store's own web UI does; serve or
# proxy that path to show them. Category images live under ``<base>categories/<file>``.
RETAIL_DEMO_IMAGE_BASE = "/images/retail-demo-store/"
GENDER_TAGS = {"F": "women", "M": "men"}
MAPPED_FIELDS = {
    "id",
    "name",
    "category",
    "style",
    "description",
    "price",
    "current_stock",
    "image",
    "gender_affinity",
    "promoted",
    "featured",
}
# native location -> retail-demo-store field
FIELD_NAMES: dict[Loc, Loc] = {
    ("title",): ("name",),
    ("product_type",): ("style",),
    ("tags",): ("gender_affinity",),
    ("images",): ("image",),
    ("variants", 0, "sku"): ("id",),
    ("variants", 0, "price"): ("price",),
    ("variants", 0, "compare_at_price"): ("price",),
    ("variants", 0, "quantity_available"): ("current_stock",),
    ("variants", 0): ("price",),
    ("variants",): ("price",),
}


def looks_like_retail_demo(records: list[RawRecord]) -> bool:
    """Most of the first records have ``name`` and ``current_stock`` and none has ``variants``/``title``."""
    sample = [r.data for r in records[:20] if r.data is not None]
    flat = [d for d in sample if "name" in d and "current_stock" in d]
    return bool(sample) and 2 * len(flat) >= len(sample) and not any("variants" in d or "title" in d for d in sample)


def rds_field(loc: Loc) -> Loc:
    for size in range(len(loc), 0, -1):
        if loc[:size] in FIELD_NAMES:
            return FIELD_NAMES[loc[:size]] + loc[size:]
    return loc


def _file_name(image: str) -> str:
    # A few records spell the file "<uuid>jpg"; the file itself is "<uuid>.jpg".
    return image[:-3] + ".jpg" if image.endswith("jpg") and not image.endswith(".jpg") else image


def category_title(name: str) -> str:
    return string.capwords(name) if name == name.lower() else name


def map_product(data: dict[str, Any]) -> dict[str, Any]:
    """The native record for one retail-demo-store product; unmapped fields are carried as unknown ones."""
    native: dict[str, Any] = {k: v for k, v in data.items() if k not in MAPPED_FIELDS}
    for source, target in (("id", "id"), ("name", "title"), ("description", "description")):
        if data.get(source) is not None:
            native[target] = data[source]
    native["product_type"] = data.get("style") or ""
    if data.get("category") is not None:
        native["category"] = str(data["category"])
    tags = [GENDER_TAGS.get(str(data.get("gender_affinity")), f"gender-{str(data.get('gender_affinity')).lower()}")]
    tags = tags if data.get("gender_affinity") else []
    tags += [flag for flag in ("promoted", "featured") if data.get(flag) is True]
    native["tags"] = tags
    if isinstance(data.get("image"), str) and data["image"].strip():
        folder = quote(str(data.get("category") or "misc"))
        url = f"{RETAIL_DEMO_IMAGE_BASE}{folder}/{quote(_file_name(data['image'].strip()))}"
        native["images"] = [{"url": url, "alt_text": data.get("name")}]
    variant: dict[str, Any] = {}
    if data.get("id") is not None:
        variant["id"] = variant["sku"] = data["id"]
    if "price" in data:
        variant["price"] = data["price"]
    if "current_stock" in data:
        variant["quantity_available"] = data["current_stock"]
    native["variants"] = [variant]
    return native


def map_category(data: dict[str, Any]) -> dict[str, Any]:
    name = str(data.get("name") or "").strip()
    native: dict[str, Any] = {k: v for k, v in data.items() if k not in {"id", "name", "image"}}
    native.update(kind="category", id=f"cat-{slugify(name, 'category')}", handle=slugify(name, "category"))
    native["title"] = category_title(name)
    if isinstance(data.get("id"), int) and data["id"] > 0:
        native["position"] = data["id"] - 1
    if isinstance(data.get("image"), str) and data["image"].strip():
        native["image"] = {"url": f"{RETAIL_DEMO_IMAGE_BASE}categories/{quote(_file_name(data['image'].strip()))}"}
    return native


def map_records(records: list[RawRecord], products_path: Path) -> list[RawRecord]:
    """Categories from ``categories.yaml`` beside the products file (when present), then the products."""
    mapped: list[RawRecord] = []
    for name in ("categories.yaml", "categories.yml"):
        beside = products_path.parent / name
        if beside.is_file() and beside.resolve() != products_path.resolve():
            for record in read_records(beside, "yaml"):
                data = None if record.data is None else map_category(record.data)
                mapped.append(RawRecord(record.index, record.line, data, record.error, "category", source=beside.name))
            break
    for record in records:
        data = None if record.data is None else map_product(record.data)
        locate = _translated(record.locate) if record.locate else None
        mapped.append(RawRecord(record.index, record.line, data, record.error, "product", locate, rds_field))
    return mapped


def _translated(locate: Callable[[Loc], int | None]) -> Callable[[Loc], int | None]:
    return lambda loc: locate(rds_field(loc))
