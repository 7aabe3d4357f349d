"""An in-memory stand-in for the DynamoDB requests the catalog store sends, charging what DynamoDB charges.

Items come from the project's item builders, built on demand from the records; sizes are DynamoDB's
(``dynamodb_limits.item_size``). It answers BatchGetItem, GetItem and Query (key conditions, ``Limit``,
``ExclusiveStartKey``, ``ScanIndexForward``, 1 MB pages); a FilterExpression is applied as the listing's
filters mean it (``FakeTable.query``), not parsed. Used by ``bench.dynamodb_cost``.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bff.backends import catalog_tree as tree
from bff.backends import dynamodb_items as items
from bff.backends import dynamodb_schema as s
from bff.backends.dynamodb_limits import item_size
from bff.domain.catalog import Category, ProductQuery, ProductRecord, Variant

WHEN = datetime(2025, 1, 1, tzinfo=UTC)
UNIT = 4096
PAGE_BYTES = 1024 * 1024


def units(size: int, consistent: bool = False) -> float:
    return math.ceil(max(size, 1) / UNIT) * (1.0 if consistent else 0.5)


@dataclass(slots=True)
class Meter:
    """What one page cost: read units and requests by operation, listing entries read."""

    rcu: float = 0.0
    calls: Counter[str] = field(default_factory=Counter)
    entries: int = 0


class FakeTable:
    """The catalog's items, built on demand from the records, answering the store's requests."""

    def __init__(self, categories: Sequence[Category], records: Sequence[ProductRecord]) -> None:
        self.records = {r.product.id: r for r in records}
        self.by_variant: dict[str, Variant] = {v.id: v for r in records for v in r.variants}
        self.by_handle = {r.product.handle: r.product.id for r in records}
        paths = tree.category_paths({c.id: c.parent_id for c in categories}, {c.id: c.position for c in categories})
        self.categories = [items.category_item(c, *paths[c.id]) for c in categories]
        self.category_by_handle = {str(c["handle"]): c for c in self.categories}
        self.counts: Counter[str] = Counter()
        for r in records:
            self.counts[s.listing_scope(None)] += 1
            if r.product.category_id:
                self.counts[s.listing_scope(r.product.category_id)] += 1
        self._products: dict[str, items.Item] = {}
        self._partitions: dict[str, tuple[list[str], list[tuple[items.Item, int]]]] = {}
        self.query = ProductQuery()
        self.meter = Meter()

    def product(self, pid: str) -> items.Item:
        if pid not in self._products:
            record = self.records[pid]
            available = any(v.quantity_available > 0 for v in record.variants)
            self._products[pid] = items.product_item(record, WHEN, WHEN, 1, available)
        return self._products[pid]

    def partition(self, pk: str) -> tuple[list[str], list[tuple[items.Item, int]]]:
        """A listing partition's entries in ``gsi1sk`` order, each with its size."""
        if pk not in self._partitions:
            scope = pk.split("#", 2)[2]
            entries = []
            for pid, r in self.records.items():
                if scope != s.ALL_PRODUCTS and s.listing_scope(r.product.category_id) != scope:
                    continue
                for entry in items.listing_entries(self.product(pid)):
                    if entry[s.GSI1_PK] == pk:
                        entries.append((entry, item_size(items.to_wire(entry))))
            entries.sort(key=lambda e: str(e[0][s.GSI1_SK]))
            self._partitions[pk] = ([str(e[s.GSI1_SK]) for e, _ in entries], entries)
        return self._partitions[pk]

    def matches(self, entry: items.Item, request: dict[str, Any]) -> bool:
        if "FilterExpression" not in request:
            return True
        q = self.query
        if q.vendors and entry["vendor"] not in q.vendors:
            return False
        if q.product_types and entry["productType"] not in q.product_types:
            return False
        if q.tags and not set(q.tags) & set(entry["tags"]):
            return False
        if q.available is not None and bool(entry["available"]) != q.available:
            return False
        if "#price" in request["ExpressionAttributeNames"]:
            if q.min_price is not None and entry["priceSort"] < q.min_price:
                return False
            if q.max_price is not None and entry["priceSort"] > q.max_price:
                return False
        return True

    # -- the DynamoDB operations the store sends -------------------------------------------------------

    async def __call__(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        self.meter.calls[operation] += 1
        return getattr(self, operation)(request)  # type: ignore[no-any-return]

    def _item(self, pk: str, sk: str) -> items.Item | None:
        kind, _, key = pk.partition("#")
        if kind == s.PRODUCT and key in self.records:
            return self.product(key)
        if kind == s.VARIANT and key in self.by_variant:
            return items.variant_item(self.by_variant[key])
        if pk == s.CATEGORIES:
            return next((c for c in self.categories if c[s.SK] == sk), None)
        if kind == "COUNT":
            return {**s.counter_key(key), "count": self.counts[key]}
        return None

    def GetItem(self, request: dict[str, Any]) -> dict[str, Any]:
        self.meter.rcu += units(60, request.get("ConsistentRead", False))
        return {"Item": items.to_wire({**s.tree_version_key(), "version": 1})}

    def BatchGetItem(self, request: dict[str, Any]) -> dict[str, Any]:
        ((table, ask),) = request["RequestItems"].items()
        found = []
        for key in ask["Keys"]:
            item = self._item(key[s.PK]["S"], key[s.SK]["S"])
            if item is not None:
                wire = items.to_wire(item)
                self.meter.rcu += units(item_size(wire), ask.get("ConsistentRead", False))
                found.append(wire)
        return {"Responses": {table: found}}

    def Query(self, request: dict[str, Any]) -> dict[str, Any]:
        values = request["ExpressionAttributeValues"]
        if request.get("IndexName") is None:  # the category tree
            wires = [items.to_wire(c) for c in self.categories]
            self.meter.rcu += units(sum(map(item_size, wires)))
            return {"Items": wires, "Count": len(wires), "ScannedCount": len(wires)}
        pk = values.get(":lpk", values.get(":pk", {})).get("S", "")
        if pk.startswith("HANDLE#product#"):
            wire = items.to_wire(self.product(self.by_handle[pk.removeprefix("HANDLE#product#")]))
            self.meter.rcu += units(item_size(wire))
            return {"Items": [wire], "Count": 1, "ScannedCount": 1}
        if pk.startswith("HANDLE#category#"):
            wire = items.to_wire(self.category_by_handle[pk.removeprefix("HANDLE#category#")])
            self.meter.rcu += units(item_size(wire))
            return {"Items": [wire], "Count": 1, "ScannedCount": 1}
        return self._listing(pk, request, values)

    def _listing(self, pk: str, request: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        keys, entries = self.partition(pk)
        forward = request.get("ScanIndexForward", True)
        low, high = values.get(":low", {}).get("S"), values.get(":high", {}).get("S")
        start = request.get("ExclusiveStartKey", {}).get(s.GSI1_SK, {}).get("S")
        lo = 0 if low is None else bisect.bisect_left(keys, low)
        hi = len(keys) if high is None else bisect.bisect_right(keys, high)
        if start is not None:
            if forward:
                lo = max(lo, bisect.bisect_right(keys, start))
            else:
                hi = min(hi, bisect.bisect_left(keys, start))
        order = list(range(lo, hi) if forward else range(hi - 1, lo - 1, -1))
        limit = request.get("Limit", len(keys))
        read = size = 0
        found: list[items.Item] = []
        for index in order:
            if read >= limit or size >= PAGE_BYTES:
                break
            entry, entry_size = entries[index]
            read += 1
            size += entry_size
            if self.matches(entry, request):
                found.append(entry)
        self.meter.rcu += units(size)
        self.meter.entries += read
        answer: dict[str, Any] = {"Count": len(found), "ScannedCount": read}
        if request.get("Select") != "COUNT":
            answer["Items"] = [items.to_wire(e) for e in found]
        if read < len(order):  # stopped before the end: the caller continues after the last entry read
            last = entries[order[read - 1]][0]
            answer["LastEvaluatedKey"] = items.to_wire({k: last[k] for k in (s.PK, s.SK, s.GSI1_PK, s.GSI1_SK)})
        return answer
