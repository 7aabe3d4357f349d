"""Product counts of the listing scopes, kept in one counter item per scope (``pk=COUNT#<scope>``).

A write that puts a product into a scope (the all-products listing, its category's listing) adds one to
that scope's counter, a write that takes it out subtracts one: ``update_product`` in its transaction,
``upsert_products`` with one UpdateItem per scope whose count moved, after the batch. An unfiltered
``totalCount`` reads the counters of its scopes (one BatchGetItem per 100; a category's subtree sums them)
instead of counting entries; a scope without a counter item (an empty one, or one written before counters
existed) is counted from its entries, within the read budget. ``upsert_products`` is not one transaction:
a batch that fails part-way, or two unconditional writes of the same new product at once, can leave a
counter off by the products concerned (there is no recount yet: ``docs/data-model.md``).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from typing import Any

from bff.backends import dynamodb_schema as s
from bff.backends.dynamodb_client import DynamoRequests
from bff.backends.dynamodb_items import Item, to_wire


def scope_moves(old: Item | None, new: Item) -> Counter[str]:
    """How a write changes the listing scopes' product counts (+1 entering a scope, -1 leaving one)."""
    moves: Counter[str] = Counter(scopes_of(new))
    moves.subtract(scopes_of(old) if old is not None else ())
    return moves


def scopes_of(product: Item) -> list[str]:
    category = product.get("categoryId")
    return [s.listing_scope(None), *([s.listing_scope(category)] if category is not None else [])]


def move_action(scope: str, n: int) -> dict[str, Any]:
    return {
        "Update": {
            "Key": to_wire(s.counter_key(scope)),
            "UpdateExpression": "ADD #n :n",
            "ExpressionAttributeNames": {"#n": "count"},
            "ExpressionAttributeValues": {":n": {"N": str(n)}},
        }
    }


async def apply_moves(requests: DynamoRequests, moves: Counter[str]) -> None:
    """Apply a batch's count changes, one UpdateItem per scope whose count moved."""
    updates = [move_action(scope, n)["Update"] for scope, n in moves.items() if n]
    await asyncio.gather(*(requests.call("UpdateItem", {"TableName": requests.table, **u}) for u in updates))


async def read_counters(requests: DynamoRequests, scopes: Sequence[str]) -> dict[str, int]:
    """The counts of the scopes that have a counter item (a scope no write has touched since counters
    exist has none: its count is read from its entries)."""
    found = await requests.batch_get([s.counter_key(scope) for scope in scopes])
    by_pk = {str(item[s.PK]): int(item.get("count", 0)) for item in found.values()}
    return {scope: by_pk[key[s.PK]] for scope in scopes if (key := s.counter_key(scope))[s.PK] in by_pk}
