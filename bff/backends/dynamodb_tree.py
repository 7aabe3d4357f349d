"""The category tree of the DynamoDB catalog, kept in this process's memory under its version item.

The tree is every item of the ``CATEGORIES`` partition (2,000 categories are ~390 KB: a Query of ~98 read
units). Every category write moves the version item (``pk=CATEGORIES, sk=VERSION``) after writing the
categories; a reader reads the version first (one strongly consistent GetItem: 1 read unit, never DAX,
whose item cache lags) and the whole tree only when the version moved, so a tree read in the same version
costs no Query. The version is read at most once per ``check_seconds`` (the catalog watch's interval: how
soon another process's category write is seen); a write through this process drops the copy at once.
A tree read under version *v* may already hold a later write (the version moves after the categories):
the next check sees the later version and reads again, so the copy is never older than its version.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from bff.backends import catalog_tree as tree
from bff.backends import dynamodb_schema as s
from bff.backends.dynamodb_client import DynamoRequests
from bff.backends.dynamodb_items import Item, category_from_item, from_wire, to_wire
from bff.domain.catalog import Category, Page, PageRequest


class CategoryTree:
    def __init__(
        self, requests: DynamoRequests, check_seconds: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._requests = requests
        self._check_seconds = check_seconds
        self._clock = clock
        self._items: list[Item] | None = None
        self._version: int | None = None
        self._next_check = float("-inf")
        self._lock = asyncio.Lock()
        self.loads = 0  # whole-tree Queries: what tests count

    async def items(self) -> list[Item]:
        """Every category item, read whole only when the tree's version moved since the last read."""
        if self._items is not None and self._clock() < self._next_check:
            return self._items
        async with self._lock:
            if self._items is not None and self._clock() < self._next_check:
                return self._items
            version = await self.version()
            self._next_check = self._clock() + self._check_seconds
            if self._items is None or version != self._version:
                self._items = await self.query()
                self._version = version
                self.loads += 1
            return self._items

    async def pairs(self) -> list[tuple[Category, str]]:
        return [(category_from_item(i), str(i["path"])) for i in await self.items()]

    async def children(self, parent_ids: Sequence[str]) -> list[list[Category]]:
        found: dict[str, list[Category]] = defaultdict(list)
        for category, _ in await self.pairs():
            if category.parent_id is not None:
                found[category.parent_id].append(category)
        return [sorted(found.get(p, []), key=lambda c: (c.position, c.id)) for p in parent_ids]

    async def select(self, parent_id: str | None, top_level: bool) -> list[tuple[Category, str]]:
        return tree.select_categories(await self.pairs(), parent_id, top_level)

    async def page(self, parent_id: str | None, top_level: bool, page: PageRequest) -> Page[Category]:
        found = tree.keyset_page(await self.select(parent_id, top_level), lambda c: (c[1], c[0].id), page)
        return Page(items=[c for c, _ in found.items], keys=list(found.keys), has_more=found.has_more)

    async def scopes(self, category_id: str | None) -> list[str]:
        """The listing scopes of every product (``None``) or of a category's subtree (empty when unknown)."""
        if category_id is None:
            return [s.listing_scope(None)]
        paths = {str(i["id"]): str(i["path"]) for i in await self.items()}
        return [s.listing_scope(c) for c in tree.subtree_ids(paths, category_id)]

    def forget(self) -> None:
        """Drop the copy (this process wrote categories): the next read reads the tree again."""
        self._items = None

    async def version(self) -> int:
        request = {"TableName": self._requests.table, "Key": to_wire(s.tree_version_key()), "ConsistentRead": True}
        item = (await self._requests.call("GetItem", request, consistent=True)).get("Item")
        return int(from_wire(item).get("version", 0)) if item else 0

    async def query(self, consistent: bool = False) -> list[Item]:
        """The category items of the ``CATEGORIES`` partition (not its version item), read now."""
        request: dict[str, Any] = {
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
            "ExpressionAttributeNames": {"#pk": s.PK, "#sk": s.SK},
            "ExpressionAttributeValues": {":pk": {"S": s.CATEGORIES}, ":prefix": {"S": s.CATEGORY_PREFIX}},
        }
        return await self._requests.query_items(request, consistent=consistent)

    async def bump(self) -> None:
        """Move the version on (after a category write) and drop this process's copy."""
        self.forget()
        await self._requests.call(
            "UpdateItem",
            {
                "TableName": self._requests.table,
                "Key": to_wire(s.tree_version_key()),
                "UpdateExpression": "ADD #v :one",
                "ExpressionAttributeNames": {"#v": "version"},
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            },
        )
        self.forget()
