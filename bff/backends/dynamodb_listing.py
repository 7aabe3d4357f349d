"""Product listings over the listing entries on GSI1: keyset pages within a read budget, filters, subtree merges.

A listing reads one partition per scope (``PLIST#<sort>#ALL``, or one per category of a subtree). Each
Query starts after the cursor's ``gsi1sk``; on a price-sorted listing the price bounds are key conditions
(``gsi1sk BETWEEN``), every other filter a FilterExpression. A filter drops entries it has read (and paid
for), so a scope keeps querying, each request asking for more entries than the last, until it holds
``limit + 1`` matches, runs out of entries, or the listing's **read budget** (entries,
``BFF_LISTING_READ_BUDGET``) is spent: the scopes query in rounds, each round sharing what is left of the
budget among the scopes still reading (every scope reads at least one entry, so a subtree of more categories
than the budget reads one entry per category). The scopes' answers are merged on ``gsi1sk`` and
deduplicated by product (a product moving between categories can sit in two scopes for a moment). When the
budget ran out before the page filled, the page holds the matches up to the last entry every scope has
read, and the listing resumes from that entry: a short, even empty, page with ``has_more`` and a cursor at
the last entry read, never a page that skips a match.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bff.backends import dynamodb_schema as s
from bff.backends.dynamodb_client import DynamoRequests
from bff.backends.dynamodb_items import Item, from_wire, typed_sort_value
from bff.domain.catalog import Page, PageRequest, ProductQuery, ProductSortKey

# Entries asked for by a filtered listing's first Query (a page plus slack), and the most per request.
MIN_READ = 50
MAX_READ = 500
# The default read budget of one listing, in listing entries (~250 bytes each: 1,000 are ~31 read units).
DEFAULT_READ_BUDGET = 1000


def filter_expression(
    query: ProductQuery, sort: ProductSortKey | None = None
) -> tuple[str | None, dict[str, str], dict[str, Any]]:
    """The FilterExpression, names and values for everything in ``query`` except the category (and the
    price bounds when ``sort`` is the price: those are key conditions, :func:`key_range`)."""
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
        names["#available"] = "available"
        values[":available"] = {"BOOL": query.available}
        parts.append("#available = :available")
    if sort is not ProductSortKey.PRICE:
        for bound, op, amount in (("min", ">=", query.min_price), ("max", "<=", query.max_price)):
            if amount is not None:
                names["#price"] = "priceSort"
                values[f":{bound}price"] = {"N": str(Decimal(amount))}
                parts.append(f"#price {op} :{bound}price")
    return (" AND ".join(parts) or None), names, values


def key_range(
    query: ProductQuery, sort: ProductSortKey, descending: bool, page: PageRequest
) -> tuple[str | None, str | None, str | None]:
    """``(low, high, exclude)``: the inclusive ``gsi1sk`` bounds a scope's Query reads between, and the key of
    the cursor's own entry, which is read (a bound is inclusive) and dropped."""
    low = high = exclude = None
    if sort is ProductSortKey.PRICE:
        if query.min_price is not None:
            low = s.price_bound(query.min_price, upper=False)
        if query.max_price is not None:
            high = s.price_bound(query.max_price, upper=True)
    if page.after is not None:
        exclude = s.listing_sort_key(*page.after)
        if descending:
            high = exclude if high is None else min(high, exclude)
        else:
            low = exclude if low is None else max(low, exclude)
    return low, high, exclude


@dataclass(slots=True)
class ScopeRead:
    """What one scope's Queries found: matches in reading order, entries read, and how far it got."""

    matches: list[Item]
    read: int
    # The ``gsi1sk`` up to which every entry of the scope is known (None: the scope was read to its end).
    known_to: str | None


@dataclass(slots=True)
class Entries:
    """A listing page's entries in display order, whether more follow, and where to resume when the budget
    cut the page short (the ``gsi1sk`` of the last entry every scope read)."""

    entries: list[Item]
    has_more: bool
    resume: str | None
    read: int


def _request(
    scope: str, query: ProductQuery, sort: ProductSortKey, descending: bool, page: PageRequest
) -> tuple[dict[str, Any], bool, str | None]:
    expression, names, values = filter_expression(query, sort)
    names = {**names, "#lpk": s.GSI1_PK}
    values = {**values, ":lpk": {"S": s.listing_pk(sort, scope)}}
    condition = "#lpk = :lpk"
    low, high, exclude = key_range(query, sort, descending, page)
    if low is not None or high is not None:
        names["#lsk"] = s.GSI1_SK
    if low is not None and high is not None:
        values[":low"], values[":high"] = {"S": low}, {"S": high}
        condition += " AND #lsk BETWEEN :low AND :high"
    elif low is not None:
        values[":low"] = {"S": low}
        condition += " AND #lsk >= :low"
    elif high is not None:
        values[":high"] = {"S": high}
        condition += " AND #lsk <= :high"
    request: dict[str, Any] = {
        "IndexName": s.GSI1,
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": not descending,
    }
    if expression:
        request["FilterExpression"] = expression
    return request, expression is not None, exclude


class _Scope:
    """One scope's reading: its next request, what it found, and whether it is done."""

    def __init__(self, request: dict[str, Any], filtered: bool, exclude: str | None, need: int) -> None:
        self.request = request
        self.exclude = exclude
        self.need = need
        # Without filters every entry read is a match (the cursor's own entry is read again: one more).
        self.step = min(max(need * 2, MIN_READ), MAX_READ) if filtered else need + (exclude is not None)
        self.matches: list[Item] = []
        self.read = 0
        self.last: dict[str, Any] | None = None
        self.done = False

    async def query(self, requests: DynamoRequests, allowance: int) -> None:
        self.request["Limit"] = max(min(self.step, allowance), 1)
        response = await requests.call("Query", self.request)
        self.read += int(response.get("ScannedCount", len(response.get("Items", ()))))
        for wire in response.get("Items", ()):
            item = from_wire(wire)
            if item[s.GSI1_SK] != self.exclude:
                self.matches.append(item)
        self.last = response.get("LastEvaluatedKey")
        if self.last:
            self.request["ExclusiveStartKey"] = self.last
        self.step = min(self.step * 2, MAX_READ)
        self.done = not self.last or len(self.matches) >= self.need

    def result(self) -> ScopeRead:
        if not self.last:
            return ScopeRead(self.matches, self.read, None)
        if len(self.matches) >= self.need:
            return ScopeRead(self.matches[: self.need], self.read, str(self.matches[self.need - 1][s.GSI1_SK]))
        return ScopeRead(self.matches, self.read, str(self.last[s.GSI1_SK]["S"]))


async def _read_scopes(
    requests: DynamoRequests,
    scopes: list[str],
    query: ProductQuery,
    sort: ProductSortKey,
    descending: bool,
    page: PageRequest,
    budget: int,
) -> list[ScopeRead]:
    """Every scope queried in rounds, in parallel, until each has a page of matches or has run out, or the
    budget is spent; each round shares what is left of the budget among the scopes still reading."""
    low, high, _ = key_range(query, sort, descending, page)
    if low is not None and high is not None and low > high:
        return [ScopeRead([], 0, None) for _ in scopes]  # the cursor lies past the price range: nothing left
    states = []
    for scope in scopes:
        request, filtered, exclude = _request(scope, query, sort, descending, page)
        states.append(_Scope({**request, "TableName": requests.table}, filtered, exclude, page.limit + 1))
    left = budget
    while left > 0:
        active = [st for st in states if not st.done]
        if not active:
            break
        allowance = max(left // len(active), 1)
        before = sum(st.read for st in states)
        await asyncio.gather(*(st.query(requests, allowance) for st in active))
        left -= sum(st.read for st in states) - before
    return [st.result() for st in states]


async def list_entries(
    requests: DynamoRequests,
    scopes: list[str],
    query: ProductQuery,
    sort: ProductSortKey,
    reverse: bool,
    page: PageRequest,
    budget: int = DEFAULT_READ_BUDGET,
) -> Entries:
    """The page's listing entries in display order, whether more follow in the paging direction, and the
    ``gsi1sk`` to resume from when the read budget ended the page before it filled."""
    descending = reverse != page.backward
    if not scopes:
        return Entries([], False, None, 0)
    reads = await _read_scopes(requests, scopes, query, sort, descending, page, budget)
    bounds = [r.known_to for r in reads if r.known_to is not None]
    # Past this key some scope has not been read: nothing there can be placed yet.
    known_to = (max(bounds) if descending else min(bounds)) if bounds else None

    def known(entry: Item) -> bool:
        key = str(entry[s.GSI1_SK])
        return known_to is None or (key >= known_to if descending else key <= known_to)

    merged = sorted(
        (e for r in reads for e in r.matches if known(e)), key=lambda e: str(e[s.GSI1_SK]), reverse=descending
    )
    seen: set[str] = set()
    unique = []
    for entry in merged:
        if entry["productId"] not in seen:
            seen.add(entry["productId"])
            unique.append(entry)
    read = sum(r.read for r in reads)
    if len(unique) > page.limit:
        chosen, has_more, resume = unique[: page.limit], True, None
    else:
        chosen, has_more, resume = unique, known_to is not None, known_to
    if page.backward:
        chosen.reverse()
    return Entries(chosen, has_more, resume, read)


async def listing_page(
    requests: DynamoRequests,
    scopes: list[str],
    query: ProductQuery,
    sort: ProductSortKey,
    reverse: bool,
    page: PageRequest,
    budget: int = DEFAULT_READ_BUDGET,
) -> Page[str]:
    """The page's product ids with their position keys (and where to resume when the budget cut it short)."""
    found = await list_entries(requests, scopes, query, sort, reverse, page, budget)
    return Page(
        items=[str(e["productId"]) for e in found.entries],
        keys=[(typed_sort_value(e[s.SORT_VALUE], sort), str(e["productId"])) for e in found.entries],
        has_more=found.has_more,
        resume_key=None if found.resume is None else s.decode_listing_sort_key(found.resume, sort),
    )


async def count_entries(
    requests: DynamoRequests, scopes: list[str], query: ProductQuery, budget: int = DEFAULT_READ_BUDGET
) -> int:
    """How many products match, by COUNT Queries of each scope's ID-sorted partition, reading at most
    ``budget`` entries in all: past it, the count of what was read (a lower bound)."""
    expression, names, values = filter_expression(query)
    share = max(budget // max(len(scopes), 1), 1)

    async def count(scope: str) -> int:
        request: dict[str, Any] = {
            "TableName": requests.table,
            "IndexName": s.GSI1,
            "KeyConditionExpression": "#lpk = :lpk",
            "ExpressionAttributeNames": {**names, "#lpk": s.GSI1_PK},
            "ExpressionAttributeValues": {**values, ":lpk": {"S": s.listing_pk(ProductSortKey.ID, scope)}},
            "Select": "COUNT",
        }
        if expression:
            request["FilterExpression"] = expression
        total = read = 0
        while read < share:
            response = await requests.call("Query", {**request, "Limit": share - read})
            total += int(response.get("Count", 0))
            read += int(response.get("ScannedCount", 0))
            last = response.get("LastEvaluatedKey")
            if not last:
                break
            request["ExclusiveStartKey"] = last
        return total

    return sum(await asyncio.gather(*(count(scope) for scope in scopes)))
