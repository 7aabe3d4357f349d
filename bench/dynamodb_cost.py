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
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from bench.dynamodb_fake import PAGE_BYTES, FakeTable, Meter, units
from bff.backends import catalog_tree as tree
from bff.backends import dynamodb_items as items
from bff.backends.dynamodb_catalog import DynamoCatalogStore
from bff.backends.dynamodb_client import DynamoRequests
from bff.backends.dynamodb_limits import item_size
from bff.backends.dynamodb_listing import DEFAULT_READ_BUDGET
from bff.catalog_io import generate_catalog
from bff.domain.catalog import Category, PageRequest, ProductQuery, ProductRecord, ProductSortKey


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
