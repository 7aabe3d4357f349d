"""``DynamoCatalogStore``: the catalog in the DynamoDB single table (``docs/data-model.md``), over aioboto3.

Products, variants and categories are read by key with BatchGetItem; handles through GSI1; listings through
per-sort listing entries on GSI1 (one partition for every product, one per category), merged across a
category's subtree, within a read budget (``dynamodb_listing``); the category tree from this process's copy
under its version item (``dynamodb_tree``); unfiltered counts from one counter item per listing scope
(``dynamodb_counts``). Reads are eventually consistent (and go through DAX when configured) except where
a write must read back what is stored. A variant is read with its stock item in the same BatchGetItem. The
product and stock writes (``dynamodb_writes``) are conditional on the version read and write only what
changed; every write then moves the generation item.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import replace
from typing import Any, TypeVar

from bff.backends import catalog_tree as tree
from bff.backends import dynamodb_counts as counts
from bff.backends import dynamodb_items as items
from bff.backends import dynamodb_schema as s
from bff.backends import dynamodb_writes as writes
from bff.backends.dynamodb_admin import create_table as create_table  # the table's creation lives there
from bff.backends.dynamodb_client import Caller, DynamoRequests, aioboto3_caller
from bff.backends.dynamodb_config import NO_DEADLINE, open_client
from bff.backends.dynamodb_items import Item
from bff.backends.dynamodb_listing import DEFAULT_READ_BUDGET, count_entries, listing_page
from bff.backends.dynamodb_tree import CategoryTree
from bff.domain.catalog import (
    Category,
    Page,
    PageRequest,
    Product,
    ProductQuery,
    ProductRecord,
    ProductSortKey,
    StockChange,
    StockLevel,
    Variant,
)
from bff.settings import CallPolicy

T = TypeVar("T")

# Parallel GSI queries for a batch of handles.
HANDLE_QUERIES = 16


class DynamoCatalogStore:
    """The ``CatalogStore`` port over one DynamoDB table."""

    def __init__(
        self,
        requests: DynamoRequests,
        client: Any = None,
        stack: AsyncExitStack | None = None,
        *,
        read_budget: int = DEFAULT_READ_BUDGET,
        tree_check_seconds: float = 1.0,
    ) -> None:
        self.requests = requests
        self.client = client
        self._stack = stack
        # Listing entries one listing (or one count) may read, across its scopes.
        self.read_budget = read_budget
        self.tree = CategoryTree(requests, tree_check_seconds)

    @classmethod
    async def open(
        cls,
        table: str,
        region: str,
        endpoint_url: str | None = None,
        dax: Caller | None = None,
        max_attempts: int | None = None,
        policy: CallPolicy | None = None,
        *,
        read_budget: int = DEFAULT_READ_BUDGET,
        tree_check_seconds: float = 1.0,
    ) -> DynamoCatalogStore:
        """The store over ``table``; the client's tries, backoff and timeouts follow ``policy`` (the catalog's
        call policy, from the registry; without one, as for a command or a test with no deadline around it,
        4 tries of at most 10 s each). ``max_attempts`` overrides its ``attempts``."""
        policy = policy or NO_DEADLINE
        if max_attempts is not None:
            policy = policy.model_copy(update={"attempts": max_attempts})
        stack = AsyncExitStack()
        client = await open_client(stack, region, endpoint_url, policy)
        close_dax = getattr(dax, "close", None)
        if close_dax is not None:
            stack.callback(close_dax)
        requests = DynamoRequests(table, aioboto3_caller(client), dax)
        return cls(requests, client, stack, read_budget=read_budget, tree_check_seconds=tree_check_seconds)

    async def close(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()

    async def ping(self) -> None:
        await self.requests.check_table()

    # -- reads by key ---------------------------------------------------------------------------------

    async def get_products(self, ids: Sequence[str]) -> list[Product | None]:
        found = await self.requests.batch_get([s.product_key(i) for i in ids])
        return [_convert(found.get(_pair(s.product_key(i))), items.product_from_item) for i in ids]

    async def get_variants(self, ids: Sequence[str]) -> list[Variant | None]:
        return await self._variants(ids)

    async def _variants(self, ids: Sequence[str], consistent: bool = False) -> list[Variant | None]:
        # Each variant with its stock item: one BatchGetItem for both (50 variants per request).
        found = await self.requests.batch_get(
            [k for i in ids for k in (s.variant_key(i), s.stock_key(i))], consistent=consistent
        )
        return [
            None
            if (item := found.get(_pair(s.variant_key(i)))) is None
            else items.variant_from_item(item, found.get(_pair(s.stock_key(i))))
            for i in ids
        ]

    async def get_categories(self, ids: Sequence[str]) -> list[Category | None]:
        found = await self.requests.batch_get([s.category_key(i) for i in ids])
        return [_convert(found.get(_pair(s.category_key(i))), items.category_from_item) for i in ids]

    async def get_variants_by_product(self, product_ids: Sequence[str]) -> list[list[Variant]]:
        keys = [s.product_key(i) for i in product_ids]
        heads = await self.requests.batch_get(keys, projection=f"{s.PK}, {s.SK}, variantIds")
        order = {
            i: list(heads[_pair(k)].get("variantIds", ())) if _pair(k) in heads else []
            for i, k in zip(product_ids, keys, strict=True)
        }
        variants = await self.get_variants([v for ids in order.values() for v in ids])
        by_id = {v.id: v for v in variants if v is not None}
        return [[by_id[v] for v in order[p] if v in by_id] for p in product_ids]

    async def _by_handle(self, pks: Sequence[str]) -> list[Item | None]:
        limit = asyncio.Semaphore(HANDLE_QUERIES)

        async def one(pk: str) -> Item | None:
            async with limit:
                found = await self.requests.query_items(
                    {
                        "IndexName": s.GSI1,
                        "KeyConditionExpression": "#pk = :pk",
                        "ExpressionAttributeNames": {"#pk": s.GSI1_PK},
                        "ExpressionAttributeValues": {":pk": {"S": pk}},
                    }
                )
            return found[0] if found else None

        return list(await asyncio.gather(*(one(pk) for pk in dict.fromkeys(pks)))) if pks else []

    async def get_products_by_handle(self, handles: Sequence[str]) -> list[Product | None]:
        unique = list(dict.fromkeys(handles))
        found = dict(zip(unique, await self._by_handle([s.product_handle_pk(h) for h in unique]), strict=True))
        return [_convert(found[h], items.product_from_item) for h in handles]

    async def get_categories_by_handle(self, handles: Sequence[str]) -> list[Category | None]:
        unique = list(dict.fromkeys(handles))
        found = dict(zip(unique, await self._by_handle([s.category_handle_pk(h) for h in unique]), strict=True))
        return [_convert(found[h], items.category_from_item) for h in handles]

    # -- the category tree (this process's copy, ``dynamodb_tree``) -----------------------------------

    async def get_child_categories(self, parent_ids: Sequence[str]) -> list[list[Category]]:
        return await self.tree.children(parent_ids)

    async def list_categories(self, parent_id: str | None, top_level: bool, page: PageRequest) -> Page[Category]:
        return await self.tree.page(parent_id, top_level, page)

    async def count_categories(self, parent_id: str | None, top_level: bool) -> int:
        return len(await self.tree.select(parent_id, top_level))

    # -- product listings (``dynamodb_listing``) and counts (``dynamodb_counts``) -----------------------

    async def list_product_ids(
        self, query: ProductQuery, sort: ProductSortKey, reverse: bool, page: PageRequest
    ) -> Page[str]:
        scopes = await self.tree.scopes(query.category_id)
        return await listing_page(self.requests, scopes, query, sort, reverse, page, self.read_budget)

    async def list_products(
        self, query: ProductQuery, sort: ProductSortKey, reverse: bool, page: PageRequest
    ) -> Page[Product]:
        return await tree.hydrate(await self.list_product_ids(query, sort, reverse, page), self.get_products)

    async def count_products(self, query: ProductQuery) -> int:
        """Unfiltered: the scopes' counter items (one BatchGetItem per 100 scopes). Filtered: COUNT Queries
        within the read budget (a lower bound past it); the app answers filtered counts from search."""
        scopes = await self.tree.scopes(query.category_id)
        if replace(query, category_id=None) != ProductQuery():
            return await count_entries(self.requests, scopes, query, self.read_budget)
        counted = await counts.read_counters(self.requests, scopes)
        uncounted = [scope for scope in scopes if scope not in counted]
        total = sum(counted.values())
        return total + (await count_entries(self.requests, uncounted, query, self.read_budget) if uncounted else 0)

    # -- writes ---------------------------------------------------------------------------------------

    async def upsert_categories(self, categories: Sequence[Category]) -> list[Category]:
        stored = {str(i["id"]): i for i in await self.tree.query(consistent=True)}
        merged = {cid: items.category_from_item(i) for cid, i in stored.items()}
        merged.update({c.id: c for c in categories})
        paths = tree.category_paths(
            {c.id: c.parent_id for c in merged.values()}, {c.id: c.position for c in merged.values()}
        )
        computed = {cid: items.category_item(c, *paths[cid]) for cid, c in merged.items()}
        changed = [i for cid, i in computed.items() if items.to_wire(i) != items.to_wire(stored.get(cid, {}))]
        await self.requests.batch_write(changed)
        await self.tree.bump()
        await self.requests.bump_generation()
        return [items.category_from_item(computed[cid]) for cid in dict.fromkeys(c.id for c in categories)]

    async def upsert_products(self, records: Sequence[ProductRecord]) -> list[ProductRecord]:
        written = await writes.upsert_products(self.requests, records)
        await self.requests.bump_generation()
        return written

    async def set_stock(self, levels: Sequence[tuple[str, int]]) -> StockChange:
        change = await writes.set_stock(self.requests, levels)
        await self.requests.bump_generation()
        return change

    async def get_stock(self, variant_ids: Sequence[str]) -> list[StockLevel | None]:
        return await writes.get_stock(self.requests, variant_ids)

    async def refresh_availability(self, variant_ids: Sequence[str]) -> StockChange:
        found = await self.requests.batch_get([s.stock_key(v) for v in variant_ids], consistent=True)
        stock = [item for item in found.values() if item[s.SK] == s.STOCK]
        levels = [items.stock_from_item(item) for item in stock]
        products = list(dict.fromkeys(str(item["productId"]) for item in stock))
        rewritten = await asyncio.gather(*(writes.refresh_availability(self.requests, p) for p in products))
        flipped = tuple(record for record in rewritten if record is not None)
        if flipped:
            await self.requests.bump_generation()
        return StockChange(tuple(levels), tuple(products), flipped)

    # -- conditional writes and the generation ----------------------------------------------------------

    async def get_product_record(self, product_id: str) -> ProductRecord | None:
        key = s.product_key(product_id)
        item = (await self.requests.batch_get([key], consistent=True)).get(_pair(key))
        if item is None:
            return None
        # Read after the product: a variant newer than the version read makes the conditional write fail.
        variants = await self._variants([str(v) for v in item.get("variantIds", ())], consistent=True)
        return ProductRecord(items.product_from_item(item), tuple(v for v in variants if v is not None))

    async def update_product(self, record: ProductRecord, expected_version: int) -> ProductRecord:
        written = await writes.update_product(self.requests, record, expected_version)
        await self.requests.bump_generation()
        return written

    async def generation(self) -> int:
        return await self.requests.generation()

    # -- listener work still to do (``bff.backends.catalog_events``) ------------------------------------

    async def record_pending(self, listener: str, kind: str, keys: Sequence[str]) -> None:
        await self.requests.batch_write([s.pending_key(listener, kind, k) for k in dict.fromkeys(keys)])

    async def pending(self, limit: int) -> list[tuple[str, str, str]]:
        request = {
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": s.PK},
            "ExpressionAttributeValues": {":pk": {"S": s.PENDING}},
            "Limit": limit,
        }
        found: list[tuple[str, str, str]] = []
        async for page in self.requests.query_pages(request, consistent=True):
            for wire in page.get("Items", []):
                listener, kind, key = str(items.from_wire(wire)[s.SK]).split("#", 2)
                found.append((listener, kind, key))
            if len(found) >= limit:
                break
        return found[:limit]

    async def clear_pending(self, changes: Sequence[tuple[str, str, str]]) -> None:
        await self.requests.batch_write([], [s.pending_key(*change) for change in changes])


def _pair(item: dict[str, Any]) -> tuple[str, str]:
    return str(item[s.PK]), str(item[s.SK])


def _convert(item: Item | None, convert: Callable[[Item], T]) -> T | None:
    return None if item is None else convert(item)
