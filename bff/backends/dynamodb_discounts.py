"""``DynamoDiscountStore``: discount codes in the DynamoDB single table, one item per code.

``pk=DISCOUNT#<CODE>``, ``sk=DISCOUNT`` (``docs/data-model.md``). Codes are read with BatchGetItem; a rule is
written with UpdateItem so that its ``timesUsed`` survives a re-import (``if_not_exists``), and a use is
counted with a conditional UpdateItem (``timesUsed < usageLimit``): DynamoDB evaluates the condition and the
increment atomically, so concurrent checkouts cannot go past the limit. Amounts are strings, as the
catalog's are, so ``5.00`` stays ``5.00``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AsyncExitStack
from datetime import datetime
from decimal import Decimal
from typing import Any

from bff.backends import dynamodb_schema as s
from bff.backends.dynamodb_client import DynamoRequests, aioboto3_caller
from bff.backends.dynamodb_config import NO_DEADLINE, open_client
from bff.backends.dynamodb_items import Item, to_wire
from bff.domain.discounts import DiscountKind, DiscountRule, DiscountTarget, normalise_code
from bff.errors import Conflict
from bff.settings import CallPolicy

# UpdateItem requests in flight at once during an upsert.
PARALLEL_WRITES = 8
# The rule's terms and their attribute names; the usage count (``timesUsed``) is written apart.
TERMS = (
    "code",
    "kind",
    "value",
    "currencyCode",
    "target",
    "categoryId",
    "minimumSubtotal",
    "startsAt",
    "endsAt",
    "usageLimit",
    "title",
)


def item_of(rule: DiscountRule) -> Item:
    """The rule's terms as item attributes (``None`` where a term is absent)."""
    return {
        "code": normalise_code(rule.code),
        "kind": rule.kind.value,
        "value": str(rule.value),
        "currencyCode": rule.currency_code,
        "target": rule.target.value,
        "categoryId": rule.category_id,
        "minimumSubtotal": None if rule.minimum_subtotal is None else str(rule.minimum_subtotal),
        "startsAt": None if rule.starts_at is None else rule.starts_at.isoformat(),
        "endsAt": None if rule.ends_at is None else rule.ends_at.isoformat(),
        "usageLimit": rule.usage_limit,
        "title": rule.title,
    }


def rule_from_item(item: Item) -> DiscountRule:
    def text(name: str) -> str | None:
        value = item.get(name)
        return None if value is None else str(value)

    starts, ends, minimum, limit = text("startsAt"), text("endsAt"), text("minimumSubtotal"), item.get("usageLimit")
    return DiscountRule(
        code=str(item["code"]),
        kind=DiscountKind(item["kind"]),
        value=Decimal(str(item["value"])),
        currency_code=str(item["currencyCode"]),
        target=DiscountTarget(item["target"]),
        category_id=text("categoryId"),
        minimum_subtotal=None if minimum is None else Decimal(minimum),
        starts_at=None if starts is None else datetime.fromisoformat(starts),
        ends_at=None if ends is None else datetime.fromisoformat(ends),
        usage_limit=None if limit is None else int(limit),
        times_used=int(item.get("timesUsed", 0)),
        title=str(item.get("title", "")),
    )


def upsert_request(table: str, rule: DiscountRule) -> dict[str, Any]:
    """UpdateItem arguments: set the present terms, remove the absent ones, keep an existing ``timesUsed``."""
    item = item_of(rule)
    names = {f"#{name}": name for name in (*TERMS, "timesUsed")}
    present = {name: value for name, value in item.items() if value is not None}
    values = to_wire({f":{name}": value for name, value in present.items()})
    values[":used"] = {"N": str(rule.times_used)}
    sets = [f"#{name} = :{name}" for name in present] + ["#timesUsed = if_not_exists(#timesUsed, :used)"]
    expression = "SET " + ", ".join(sets)
    absent = [f"#{name}" for name, value in item.items() if value is None]
    if absent:
        expression += " REMOVE " + ", ".join(absent)
    return {
        "TableName": table,
        "Key": to_wire(s.discount_key(normalise_code(rule.code))),
        "UpdateExpression": expression,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


class DynamoDiscountStore:
    """The ``DiscountStore`` port over the single table."""

    def __init__(self, requests: DynamoRequests, stack: AsyncExitStack | None = None) -> None:
        self.requests = requests
        self._stack = stack

    @classmethod
    async def open(
        cls,
        table: str,
        region: str,
        endpoint_url: str | None = None,
        max_attempts: int | None = None,
        policy: CallPolicy | None = None,
    ) -> DynamoDiscountStore:
        """The store over ``table``; its client follows ``policy`` as the catalog's does (``dynamodb_config``)."""
        policy = policy or NO_DEADLINE
        if max_attempts is not None:
            policy = policy.model_copy(update={"attempts": max_attempts})
        stack = AsyncExitStack()
        client = await open_client(stack, region, endpoint_url, policy)
        return cls(DynamoRequests(table, aioboto3_caller(client), capability="discounts"), stack)

    async def close(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()

    async def get_discounts(self, codes: Sequence[str]) -> list[DiscountRule | None]:
        keys = [normalise_code(c) for c in codes]
        found = await self.requests.batch_get([s.discount_key(k) for k in keys])
        items = [found.get((s.discount_key(k)[s.PK], s.DISCOUNT)) for k in keys]
        return [None if item is None else rule_from_item(item) for item in items]

    async def upsert_discounts(self, rules: Sequence[DiscountRule]) -> None:
        limit = asyncio.Semaphore(PARALLEL_WRITES)

        async def write(rule: DiscountRule) -> None:
            async with limit:
                await self.requests.call("UpdateItem", upsert_request(self.requests.table, rule))

        await asyncio.gather(*(write(r) for r in rules))

    async def record_usage(self, code: str) -> bool:
        request = {
            "TableName": self.requests.table,
            "Key": to_wire(s.discount_key(normalise_code(code))),
            "UpdateExpression": "SET #used = #used + :one",
            "ConditionExpression": "attribute_exists(#pk) AND (attribute_not_exists(#limit) OR #used < #limit)",
            "ExpressionAttributeNames": {"#pk": s.PK, "#used": "timesUsed", "#limit": "usageLimit"},
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
        try:
            await self.requests.call("UpdateItem", request)
        except Conflict:
            return False
        return True
