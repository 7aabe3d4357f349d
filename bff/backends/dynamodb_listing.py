"""Product listings over the listing entries on GSI1: keyset pages, filters, counts, subtree merges.

A listing reads one partition per scope (``PLIST#<sort>#ALL``, or one per category of a subtree): each
Query starts after the cursor's ``gsi1sk`` and applies the filters as a FilterExpression, until it holds
``limit + 1`` matches; the scopes' answers are merged on ``gsi1sk``. Filters cost read capacity for the
entries they skip (never a table scan: only the listing's own partitions are read).
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from decimal import Decimal
from typing import Any

from bff.backends import dynamodb_schema as s
from bff.backends.dynamodb_client import DynamoRequests
from bff.backends.dynamodb_items import Item, from_wire
from bff.domain.catalog import PageRequest, ProductQuery, ProductSortKey

# Entries read per Query request: a page plus slack for filtered-out entries, capped.
MIN_READ = 50
MAX_READ = 500


def filter_expression(query: ProductQuery) -> tuple[str | None, dict[str, str], dict[str, Any]]:
    """The FilterExpression, names and values for everything in ``query`` except the category."""
    parts: list[str] = []
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    for attribute, wanted in (("productType", query.product_types), ("vendor", query.vendors)):
        if wanted:
            names[f"#{attribute}"] = attribute
            marks = []
            for i, value in enumerate(wanted):
                values[f":{attribute}{i}"] = {"S": value}
                marks.append(f":{attribute}{i}")
            parts.append(f"#{attribute} IN ({', '.join(marks)})")
    if query.tags:
        names["#tags"] = "tags"
        for i, tag in enumerate(query.tags):
            values[f":tag{i}"] = {"S": tag}
        parts.append("(" + " OR ".join(f"contains(#tags, :tag{i})" for i in range(len(query.tags))) + ")")
    if query.available is not None:
        names["#stock"] = "totalInventory"
        values[":zero"] = {"N": "0"}
        parts.append("#stock > :zero" if query.available else "#stock <= :zero")
    for bound, op, amount in (("min", ">=", query.min_price), ("max", "<=", query.max_price)):
        if amount is not None:
            names["#price"] = "priceSort"
            values[f":{bound}price"] = {"N": str(Decimal(amount))}
            parts.append(f"#price {op} :{bound}price")
    return (" AND ".join(parts) or None), names, values


async def _collect(
    requests: DynamoRequests, scope: str, query: ProductQuery, sort: ProductSortKey, descending: bool, page: PageRequest
) -> list[Item]:
    need = page.limit + 1
    expression, names, values = filter_expression(query)
    names = {**names, "#lpk": s.GSI1_PK}
    values = {**values, ":lpk": {"S": s.listing_pk(sort, scope)}}
    condition = "#lpk = :lpk"
    if page.after is not None:
        value, last_id = page.after
        names["#lsk"] = s.GSI1_SK
        values[":after"] = {"S": s.listing_sort_key(value, last_id)}
        condition += f" AND #lsk {'<' if descending else '>'} :after"
    request: dict[str, Any] = {
        "IndexName": s.GSI1,
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": not descending,
        # Without filters every entry read is a match; with them, read ahead for the ones they drop.
        "Limit": min(max(need * 2, MIN_READ), MAX_READ) if expression else need,
    }
    if expression:
        request["FilterExpression"] = expression
    found: list[Item] = []
    async with aclosing(requests.query_pages(request)) as pages:
        async for response in pages:
            found += [from_wire(w) for w in response.get("Items", [])]
            if len(found) >= need:
                break
    return found[:need]


async def list_entries(
    requests: DynamoRequests,
    scopes: list[str],
    query: ProductQuery,
    sort: ProductSortKey,
    reverse: bool,
    page: PageRequest,
) -> tuple[list[Item], bool]:
    """The page's listing entries in display order, and whether more follow in the paging direction."""
    descending = reverse != page.backward
    answers = await asyncio.gather(*(_collect(requests, sc, query, sort, descending, page) for sc in scopes))
    merged = sorted((e for answer in answers for e in answer), key=lambda e: str(e[s.GSI1_SK]), reverse=descending)
    has_more = len(merged) > page.limit
    merged = merged[: page.limit]
    if page.backward:
        merged.reverse()
    return merged, has_more


async def count_entries(requests: DynamoRequests, scopes: list[str], query: ProductQuery) -> int:
    """How many products match: a COUNT Query of each scope's ID-sorted partition."""
    expression, names, values = filter_expression(query)

    async def count(scope: str) -> int:
        request: dict[str, Any] = {
            "IndexName": s.GSI1,
            "KeyConditionExpression": "#lpk = :lpk",
            "ExpressionAttributeNames": {**names, "#lpk": s.GSI1_PK},
            "ExpressionAttributeValues": {**values, ":lpk": {"S": s.listing_pk(ProductSortKey.ID, scope)}},
            "Select": "COUNT",
        }
        if expression:
            request["FilterExpression"] = expression
        return sum([int(r.get("Count", 0)) async for r in requests.query_pages(request)])

    return sum(await asyncio.gather(*(count(scope) for scope in scopes)))
