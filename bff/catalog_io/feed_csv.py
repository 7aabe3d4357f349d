"""CSV feeds: one row per variant, the product's columns repeated (or left empty) on each of its rows.

Rows are grouped by ``product_id`` (they need not be adjacent) into one native record per product, which
remembers the line of every row so an error in ``variants[2].price`` points at the third row's line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bff.errors import BadUserInput

Loc = tuple[str | int, ...]
PRODUCT_COLUMNS = (
    "handle",
    "title",
    "description",
    "vendor",
    "product_type",
    "category",
    "tags",
    "images",
    "currency",
    "sales_rank",
    "created_at",
    "updated_at",
)
VARIANT_COLUMNS = {
    "variant_id": "id",
    "sku": "sku",
    "variant_title": "title",
    "price": "price",
    "compare_at_price": "compare_at_price",
    "quantity_available": "quantity_available",
}
OPTION_COLUMNS = tuple(f"option{k}_{part}" for k in (1, 2, 3) for part in ("name", "value"))
REQUIRED_COLUMNS = ("product_id", "title", "sku", "price")
KNOWN_COLUMNS = {"product_id", "variant_image", *PRODUCT_COLUMNS, *VARIANT_COLUMNS, *OPTION_COLUMNS}


@dataclass(slots=True)
class CsvProduct:
    line: int
    data: dict[str, Any] | None
    error: str | None = None
    locate: Callable[[Loc], int | None] | None = None
    field_lines: dict[str, int] = field(default_factory=dict)
    variant_lines: list[int] = field(default_factory=list)


def _variant(row: dict[str, str]) -> tuple[dict[str, Any], str | None]:
    variant: dict[str, Any] = {key: row[col] for col, key in VARIANT_COLUMNS.items() if col in row}
    if "variant_image" in row:
        variant["image"] = {"url": row["variant_image"]}
    options: dict[str, str] = {}
    for k in (1, 2, 3):
        name, value = row.get(f"option{k}_name"), row.get(f"option{k}_value")
        if value is not None and name is None:
            return variant, f"option{k}_value is set but option{k}_name is empty"
        if name is not None:
            options[name] = value or ""
    variant["options"] = options
    return variant, None


def _product_value(column: str, value: str) -> Any:
    if column == "tags":
        return [tag.strip() for tag in value.split(",") if tag.strip()]
    if column == "images":
        return [{"url": url.strip()} for url in value.split("|") if url.strip()]
    return value


def csv_column(loc: Loc) -> Loc:
    """The CSV column of a native field: ``variants[1].price`` -> ``price``, ``id`` -> ``product_id``."""
    if len(loc) >= 3 and loc[0] == "variants":
        columns = {v: k for k, v in VARIANT_COLUMNS.items()} | {"image": "variant_image", "options": "option columns"}
        return (columns.get(str(loc[2]), str(loc[2])), *loc[3:])
    if loc[:1] == ("id",):
        return ("product_id", *loc[1:])
    return loc


def _locator(product: CsvProduct) -> Callable[[Loc], int | None]:
    def locate(loc: Loc) -> int | None:
        if len(loc) >= 2 and loc[0] == "variants" and isinstance(loc[1], int) and loc[1] < len(product.variant_lines):
            return product.variant_lines[loc[1]]
        return product.field_lines.get(str(loc[0]) if loc else "", product.line)

    return locate


def read_csv(text: str) -> list[CsvProduct]:
    """One ``CsvProduct`` per product id (in order of first appearance), plus one per row without an id."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower().replace(" ", "_") for name in next(reader, [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise BadUserInput(f"the CSV header lacks the required column(s): {', '.join(missing)}")
    products: dict[str, CsvProduct] = {}
    orphans: list[CsvProduct] = []
    line = reader.line_num + 1
    for cells in reader:
        row = {name: cell.strip() for name, cell in zip(header, cells, strict=False) if name and cell.strip()}
        start, line = line, reader.line_num + 1
        if not row:
            continue
        if "product_id" not in row:
            orphans.append(CsvProduct(start, None, "product_id is empty"))
            continue
        product = products.get(row["product_id"])
        if product is None:
            product = products[row["product_id"]] = CsvProduct(start, {"id": row["product_id"], "variants": []})
            product.locate = _locator(product)
        assert product.data is not None
        for column in [c for c in row if c in PRODUCT_COLUMNS or c not in KNOWN_COLUMNS]:
            value = _product_value(column, row[column])
            if column not in product.data:
                product.data[column] = value
                product.field_lines[column] = start
            elif product.data[column] != value and product.error is None:
                first = product.field_lines[column]
                product.error = f"{column} {row[column]!r} differs from the product's row at line {first}"
                product.line = start
        variant, problem = _variant(row)
        if problem and product.error is None:
            product.error, product.line = problem, start
        product.data["variants"].append(variant)
        product.variant_lines.append(start)
    return sorted([*products.values(), *orphans], key=lambda p: p.variant_lines[0] if p.variant_lines else p.line)
