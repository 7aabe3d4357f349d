"""``import_feed``: read a catalog feed, validate each record, write the good ones (what ``bff import`` runs).

Steps: read (``feed_readers``) -> map the retail-demo-store shape when detected -> validate each record
(``feed_schema``) -> refuse duplicates across the feed (product ids, SKUs, variant ids: the first wins) ->
resolve categories (``feed_categories``) -> write categories, then products in chunks (``writer``).
Nothing is written for a rejected record; everything else is. Re-importing a feed rewrites the same rows:
ids are the feed's, and a product that exists keeps its handle unless the feed names another. Discount
records (``feed_discounts``) are checked the same way and written last (``discount_import``).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from tqdm import tqdm

from bff.backends.catalog import CatalogStore
from bff.backends.discounts import DiscountStore
from bff.catalog_io.discount_import import write_discounts
from bff.catalog_io.feed_categories import plan_categories
from bff.catalog_io.feed_discounts import FeedDiscount, discount_problems
from bff.catalog_io.feed_readers import feed_format, read_records
from bff.catalog_io.feed_records import FeedError, RawRecord
from bff.catalog_io.feed_schema import (
    FeedCategory,
    FeedProduct,
    Loc,
    product_problems,
    to_record,
    unknown_fields,
)
from bff.catalog_io.report import ImportReport, Rejection
from bff.catalog_io.retail_demo import looks_like_retail_demo, map_records
from bff.catalog_io.writer import write_categories, write_products
from bff.domain.discounts import normalise_code

IMPORT_CHUNK = 200
MAX_REASONS = 3


def field_path(loc: Loc) -> str:
    """``("variants", 0, "price")`` -> ``variants[0].price``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _message(error: ErrorDetails) -> str:
    if error["type"] == "missing":
        return "is required"
    if error["type"] == "string_too_short" and error.get("ctx", {}).get("min_length") == 1:
        return "must not be empty"
    message = error["msg"]
    return message[:1].lower() + message[1:]


def _kind(record: RawRecord) -> str:
    return str(record.kind or (record.data or {}).get("kind") or "product")


class _Intake:
    """Validated records and the report's rejections, in feed order."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.categories: list[tuple[RawRecord, FeedCategory]] = []
        self.products: list[tuple[RawRecord, FeedProduct]] = []
        self.discounts: list[tuple[RawRecord, FeedDiscount]] = []

    def reject(self, record: RawRecord, reason: str, loc: Loc = (), kind: str | None = None) -> None:
        data = record.data or {}
        kind = kind or _kind(record)
        raw_id = data.get("code" if kind == "discount" else "id")
        line = record.line_of(loc) if loc else record.line
        rejection = Rejection(line, None if raw_id is None else str(raw_id), reason, record.index, kind, record.source)
        self.report.rejected.append(rejection)

    def reject_problems(self, record: RawRecord, problems: list[tuple[Loc, str]], kind: str | None = None) -> None:
        reasons = [f"{field_path(record.shown(loc))}: {message}" for loc, message in problems[:MAX_REASONS]]
        if len(problems) > MAX_REASONS:
            reasons.append(f"and {len(problems) - MAX_REASONS} more")
        self.reject(record, "; ".join(reasons), problems[0][0], kind)

    def take(self, record: RawRecord) -> None:
        if record.error is not None or record.data is None:
            self.reject(record, record.error or "unreadable record")
            return
        kind = _kind(record)
        models: dict[str, type[BaseModel]] = {"product": FeedProduct, "category": FeedCategory}
        model = models.get(kind, FeedDiscount)
        if kind not in ("product", "category", "discount"):
            message = f"kind: must be 'product', 'category' or 'discount', got {kind!r}"
            self.reject(record, message, ("kind",), "record")
            return
        try:
            item: Any = model.model_validate(record.data)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            self.reject_problems(record, [(tuple(e["loc"]), _message(e)) for e in errors], kind)
            return
        self.report.unknown_fields.update(unknown_fields(item))
        if isinstance(item, FeedCategory):
            self.categories.append((record, item))
            return
        if isinstance(item, FeedDiscount):
            problems = discount_problems(item)
            if problems:
                self.reject_problems(record, problems, kind)
            else:
                self.discounts.append((record, item))
            return
        problems = product_problems(item)
        if problems:
            self.reject_problems(record, problems, kind)
            return
        self.products.append((record, item))

    def drop_duplicates(self) -> None:
        """Refuse a record that repeats an earlier one's product id, SKU or variant id (or category id)."""
        first: dict[tuple[str, str], tuple[str, int | None]] = {}
        kept: list[tuple[RawRecord, FeedProduct]] = []
        for record, product in self.products:
            keys: list[tuple[Loc, str, str]] = [(("id",), "product id", product.id)]
            for i, v in enumerate(product.variants):
                keys.append((("variants", i, "sku"), "sku", v.sku))
                keys.append((("variants", i, "id"), "variant id", v.id or v.sku))
            clash = next(((loc, what, key) for loc, what, key in keys if (what, key) in first), None)
            if clash is None:
                first.update({(what, key): (product.id, record.line) for _, what, key in keys})
                kept.append((record, product))
                continue
            loc, what, key = clash
            owner, line = first[(what, key)]
            at = f" at line {line}" if line is not None else ""
            self.reject_problems(record, [(loc, f"{what} {key!r} is already used by product {owner!r}{at}")])
        self.products = kept
        seen: dict[str, int | None] = {}
        categories: list[tuple[RawRecord, FeedCategory]] = []
        for record, category in self.categories:
            if category.id in seen:
                self.reject(record, f"id: duplicate category id (first at line {seen[category.id]})", ("id",))
                continue
            seen[category.id] = record.line
            categories.append((record, category))
        self.categories = categories
        codes: dict[str, int | None] = {}
        discounts: list[tuple[RawRecord, FeedDiscount]] = []
        for record, discount in self.discounts:
            code = normalise_code(discount.code)
            if code in codes:
                self.reject(record, f"code: duplicate discount code (first at line {codes[code]})", ("code",))
                continue
            codes[code] = record.line
            discounts.append((record, discount))
        self.discounts = discounts


def load_feed(path: Path, fmt: str | None = None) -> tuple[str, list[RawRecord]]:
    """The feed's format and raw records (retail-demo-store records already mapped to native ones)."""
    name = feed_format(path, fmt)
    if not path.is_file():
        raise FeedError(f"no such feed file: {path}")
    records = read_records(path, name)
    if name == "retail-demo-store" or (name != "csv" and looks_like_retail_demo(records)):
        return "retail-demo-store", map_records(records, path)
    return name, records


async def import_feed(
    store: CatalogStore,
    path: Path,
    fmt: str | None = None,
    progress: bool = True,
    *,
    chunk_size: int = IMPORT_CHUNK,
    discounts: DiscountStore | None = None,
) -> ImportReport:
    """Import the feed at ``path``; ``fmt`` overrides the extension (``jsonl``, ``json``, ``yaml``, ``csv``,
    ``retail-demo-store``). Discount records go to ``discounts`` (rejected without one). Raises
    ``FeedError`` when the file cannot be read at all."""
    started = time.perf_counter()
    name, records = await asyncio.to_thread(load_feed, path, fmt)
    report = ImportReport(str(path), name)
    intake = _Intake(report)
    for record in records:
        intake.take(record)
    intake.drop_duplicates()
    report.products_read = sum(1 for r in records if _kind(r) == "product")
    report.discounts_read = sum(1 for r in records if _kind(r) == "discount")
    # References to a category the feed defines but that was rejected must not create a stand-in.
    refused = {
        str(r.data[k]) for r in records if _kind(r) == "category" and r.data for k in ("id", "handle") if r.data.get(k)
    }
    refused -= {key for _, c in intake.categories for key in (c.id, c.handle) if key}
    plan = await plan_categories(
        store, [c for _, c in intake.categories], [p.category for _, p in intake.products], refused
    )
    for position, reason in plan.parent_errors.items():
        intake.reject(intake.categories[position][0], reason, ("parent",), "category")
    written = await write_categories(store, plan.categories, plan.wanted_handles, strict=True)
    report.categories_created, report.categories_updated = written.created, written.updated
    failed_categories = set()
    for index, reason in written.failed:
        failed_categories.add(plan.categories[index].id)
        feed_position = plan.feed_positions[index]
        if feed_position is not None:
            intake.reject(intake.categories[feed_position][0], f"handle: {reason}", ("handle",), "category")

    pending: list[tuple[RawRecord, FeedProduct, str | None]] = []
    for position, (record, product) in enumerate(intake.products):
        category_id = plan.product_categories[position]
        if position in plan.product_errors or category_id in failed_categories:
            reason = plan.product_errors.get(position) or f"category: {product.category!r} could not be imported"
            intake.reject(record, reason, ("category",))
            continue
        pending.append((record, product, category_id))
    with tqdm(total=len(pending), desc="import", unit="product", disable=not progress) as bar:
        outcome = await write_products(
            store,
            [to_record(product, category_id) for _, product, category_id in pending],
            [product.handle for _, product, _ in pending],
            strict_handles=True,
            chunk_size=chunk_size,
            on_progress=bar.update,
        )
    for index, reason in outcome.failed:
        intake.reject(pending[index][0], reason, ("handle",) if "handle" in reason else ())
    report.created, report.updated = outcome.created, outcome.updated
    report.discounts_imported = await write_discounts(store, discounts, intake.discounts, intake.reject)
    report.rejected.sort(key=lambda r: (r.source is None, r.line or 0, r.index or 0))
    report.seconds = time.perf_counter() - started
    return report
