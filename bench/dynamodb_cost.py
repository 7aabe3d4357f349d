"""Read units of the storefront's pages on DynamoDB at 100,000 products: ``python -m bench.dynamodb_cost``.

No table is needed. The catalog is the generated demo catalog (``--seed-products`` records, copied with new
ids up to ``--products``); its items come from the project's own item builders (``dynamodb_items``) and are
sized as DynamoDB sizes them (``dynamodb_limits.item_size``). The store (``DynamoCatalogStore``, its
listing, tree and count code unchanged) runs over an in-memory stand-in for DynamoDB that answers the
requests it sends (key conditions, ``Limit``, ``ExclusiveStartKey``, 1 MB pages; a FilterExpression is
applied as the listing's filters mean it) and charges each answer what DynamoDB charges:

* Query: 0.5 read unit per 4 KB of the entries it read, rounded up per request (eventually consistent);
* BatchGetItem: 0.5 per 4 KB of each item (1 when read strongly consistent), rounded up per item;
* GetItem: the same for one item (the tree's version is read strongly consistent: 1).

Each page is the store calls its GraphQL document makes with a cold cache (every product, variant and
category read from DynamoDB); "warm" is the same page with Redis holding the products, variants and
categories (only listings, counts and the tree's version reach DynamoDB).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from bff.backends import catalog_tree as tree
from bff.backends import dynamodb_items as items
from bff.backends import dynamodb_schema as s
from bff.backends.dynamodb_catalog import DynamoCatalogStore
from bff.backends.dynamodb_client import DynamoRequests
from bff.backends.dynamodb_limits import item_size
from bff.backends.dynamodb_listing import DEFAULT_READ_BUDGET
from bff.catalog_io import generate_catalog
from bff.domain.catalog import Category, PageRequest, ProductQuery, ProductRecord, ProductSortKey, Variant

WHEN = datetime(2025, 1, 1, tzinfo=UTC)
UNIT = 4096
PAGE_BYTES = 1024 * 1024
SORTS = {name: sort for sort, name in s.SORT_NAMES.items()}


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
            self._products[pid] = items.product_item(self.records[pid], WHEN, WHEN, 1)
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
        if q.available is not None and (entry["totalInventory"] > 0) != q.available:
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


def catalog(products: int, seed_products: int) -> tuple[list[Category], list[ProductRecord]]:
    """The generated demo catalog, its records copied with new ids until there are ``products``."""
    categories, seed = generate_catalog(products=seed_products, seed=7)
    records: list[ProductRecord] = []
    copy = 0
    while len(records) < products:
        for r in seed[: products - len(records)]:
            pid = f"{r.product.id}-{copy}"
            variants = tuple(replace(v, id=f"{v.id}-{copy}", product_id=pid) for v in r.variants)
            # Each copy ranks after every product of the copy before: best sellers spread as in the seed.
            rank = copy * len(seed) + r.product.sales_rank
            product = replace(r.product, id=pid, handle=f"{r.product.handle}-{copy}", sales_rank=rank)
            records.append(ProductRecord(product, variants))
        copy += 1
    return categories, records


async def measure(table: FakeTable, page: Any) -> Meter:
    table.meter = Meter()
    await page()
    return table.meter


async def run(products: int, seed_products: int, budget: int) -> list[tuple[str, Meter, Meter]]:
    categories, records = catalog(products, seed_products)
    table = FakeTable(categories, records)
    store = DynamoCatalogStore(DynamoRequests("cost", table), read_budget=budget, tree_check_seconds=3600)
    top = Counter(r.product.category_id for r in records)
    roots = {c.id: c for c in categories}
    broad = max(
        (c for c in categories if c.parent_id is None),
        key=lambda c: sum(n for cid, n in top.items() if cid and (cid == c.id or c.id in _ancestors(roots, cid))),
    )
    pair = Counter(
        (r.product.vendor, r.product.product_type)
        for r in records
        if r.product.category_id
        and (r.product.category_id == broad.id or broad.id in _ancestors(roots, r.product.category_id))
    ).most_common(1)[0][0]
    sample = records[len(records) // 2].product

    async def products_of(ids: Sequence[str], warm: bool) -> None:
        if not warm:
            found = await store.get_products(ids)
            await store.get_variants_by_product(ids)
            cats = {p.category_id for p in found if p and p.category_id}
            await store.get_categories(sorted(cats))

    def home(warm: bool) -> Any:
        async def page() -> None:
            ids = await store.list_product_ids(ProductQuery(), ProductSortKey.BEST_SELLING, False, PageRequest(20))
            await products_of(ids.items, warm)

        return page

    def product_page(warm: bool) -> Any:
        async def page() -> None:
            if not warm:
                await store.get_products_by_handle([sample.handle])
                await store.get_variants_by_product([sample.id])
                await store.get_categories([sample.category_id or ""])
            query = ProductQuery(category_id=sample.category_id)
            ids = await store.list_product_ids(query, ProductSortKey.BEST_SELLING, False, PageRequest(12))
            await products_of(ids.items, warm)

        return page

    def listing_page(query: ProductQuery, warm: bool) -> Any:
        async def page() -> None:
            table.query = query
            if not warm and query.category_id:
                await store.get_categories_by_handle([broad.handle])
            ids = await store.list_product_ids(query, ProductSortKey.BEST_SELLING, False, PageRequest(24))
            await products_of(ids.items, warm)
            if query.category_id:
                await store.get_child_categories([query.category_id])
            if query == ProductQuery(category_id=query.category_id):
                await store.count_products(query)  # filtered counts come from search: no DynamoDB read
            table.query = ProductQuery()

        return page

    unfiltered = ProductQuery(category_id=broad.id)
    filtered = ProductQuery(category_id=broad.id, vendors=(pair[0],), product_types=(pair[1],))
    nothing = ProductQuery(vendors=("nope",))
    pages = [
        ("home (20 best sellers)", home),
        ("product page (+12 of its category)", product_page),
        (f"category page '{broad.title}' (24 + totalCount)", lambda warm: listing_page(unfiltered, warm)),
        (f"category page '{broad.title}', {pair[0]} + {pair[1]}", lambda warm: listing_page(filtered, warm)),
        ("all products, vendor 'nope' (first page)", lambda warm: listing_page(nothing, warm)),
    ]
    tree_cost = await measure(table, store.tree.query)
    cached = await measure(table, store.tree.version)  # what a cached tree costs, at most once a second
    results = [
        (f"category tree ({len(categories)} categories), read whole", tree_cost, cached),
        ("category tree of 2,000 categories, read whole", big_tree(categories, 2000), cached),
    ]
    table.meter = Meter()
    await store.tree.items()  # cached from here on, as in a running process
    for name, make in pages:
        results.append((name, await measure(table, make(False)), await measure(table, make(True))))
    return results


def big_tree(categories: Sequence[Category], n: int) -> Meter:
    """What reading a tree of ``n`` categories (copies of the demo tree) whole costs: 1 MB per Query."""
    copies = [
        replace(c, id=f"{c.id}-{k}", handle=f"{c.handle}-{k}", parent_id=c.parent_id and f"{c.parent_id}-{k}")
        for k in range(n // len(categories) + 1)
        for c in categories
    ]
    paths = tree.category_paths({c.id: c.parent_id for c in copies}, {c.id: c.position for c in copies})
    sizes = [item_size(items.to_wire(items.category_item(c, *paths[c.id]))) for c in copies[:n]]
    meter = Meter(calls=Counter(Query=math.ceil(sum(sizes) / PAGE_BYTES)))
    meter.rcu = units(sum(sizes))
    return meter


def _ancestors(categories: dict[str, Category], cid: str) -> set[str]:
    found: set[str] = set()
    node = categories[cid].parent_id
    while node is not None:
        found.add(node)
        node = categories[node].parent_id
    return found


def table_markdown(results: list[tuple[str, Meter, Meter]]) -> str:
    lines = [
        "| page | read units, cold | requests, cold | listing entries read | read units, warm |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, cold, warm in results:
        calls = ", ".join(f"{n} {op}" for op, n in sorted(cold.calls.items()))
        lines.append(f"| {name} | {cold.rcu:g} | {calls} | {cold.entries} | {warm.rcu:g} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dynamodb_cost", description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--seed-products", type=int, default=2_000, help="distinct generated products copied")
    parser.add_argument("--budget", type=int, default=DEFAULT_READ_BUDGET, help="BFF_LISTING_READ_BUDGET")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.products, args.seed_products, args.budget))
    print(f"{args.products:,} products, read budget {args.budget:,} entries\n")
    print(table_markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
