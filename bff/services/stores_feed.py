"""``bff import --stores FILE``: a stores feed into the store locator's data (docs/stores.md, "Stores feed").

A feed is JSON Lines (one store per line), a JSON array or a YAML list of stores in their stored form
(``bff.domain.stores.store_from_dict``). Good records land (500 per write); each rejected one is reported
with its record number and reason, and nothing about it is written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bff.backends.stores import StoreLocator
from bff.domain.store_records import store_from_dict
from bff.domain.stores import Store

BATCH = 500


@dataclass(slots=True)
class StoresImportReport:
    imported: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"{self.imported} stores imported, {len(self.rejected)} rejected"]
        lines += [f"  record {number}: {reason}" for number, reason in self.rejected[:50]]
        if len(self.rejected) > 50:
            lines.append(f"  ... and {len(self.rejected) - 50} more")
        return "\n".join(lines)


def read_records(path: Path) -> list[tuple[int, object]]:
    """(record number from 1, record) of a JSON Lines, JSON or YAML feed; a line that is not JSON is its own
    record (then rejected)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yaml", ".yml"):
        data = yaml.safe_load(text)
        return list(enumerate(data if isinstance(data, list) else [data], start=1))
    if path.suffix == ".json":
        data = json.loads(text)
        return list(enumerate(data if isinstance(data, list) else [data], start=1))
    records: list[tuple[int, object]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((number, json.loads(line)))
        except ValueError as error:
            records.append((number, f"not JSON: {error}"))
    return records


def parse_records(records: list[tuple[int, object]]) -> tuple[list[Store], list[tuple[int, str]]]:
    stores: dict[str, Store] = {}
    rejected: list[tuple[int, str]] = []
    for number, record in records:
        if not isinstance(record, Mapping):
            rejected.append((number, record if isinstance(record, str) else "a store is an object"))
            continue
        try:
            store = store_from_dict(record)
        except (ValueError, TypeError) as error:
            rejected.append((number, str(error)))
            continue
        stores[store.id] = store  # a later record of the same id wins, as in the catalog feed
    return list(stores.values()), rejected


async def import_stores(locator: StoreLocator, path: Path) -> StoresImportReport:
    try:
        records = read_records(path)
    except (ValueError, yaml.YAMLError) as error:
        return StoresImportReport(rejected=[(0, f"unreadable feed: {error}")])
    stores, rejected = parse_records(records)
    for start in range(0, len(stores), BATCH):
        await locator.upsert_stores(stores[start : start + BATCH])
    return StoresImportReport(imported=len(stores), rejected=rejected)
