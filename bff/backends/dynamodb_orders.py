"""``DynamoOrderStore``: orders in the single table (``docs/data-model.md``, "Commerce keys").

- the order, ``ORDER#<id>`` / ``ORDER``: the whole order as JSON (``body``), ``status``, ``version``; on GSI2
  as ``ORDERSTATUS#<status>`` / ``<updatedAt>#<id>`` (orders in a status, oldest first, for operations);
- its events, ``ORDER#<id>`` / ``EVENT#<at>#<seq>``: a notification per status change (the outbox);
- its number's claim, ``ORDERNUMBER#<n>`` / ``ORDERNUMBER``: ``orderId``; written by checkout on the condition
  that it does not exist, so a number belongs to one order (``get_order_by_number`` reads it, then the order);
- the customer's copy, ``CUSTOMER#<sub>`` / ``ORDER#<createdAt>#<id>``: written by checkout, with ``total`` and
  ``createdAt`` for risk history; a customer's orders are read from it newest first with ``ConsistentRead``.

A status move reads the order (consistently) and writes, in one ``TransactWriteItems`` conditional on the
version read: the order, its event item and, moving to CANCELLED, one stock update per variant giving the
reserved units back (``SET reserved = reserved - :q, available = available + :q``). A lost race is read again.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from bff.backends import dynamodb_schema as s
from bff.backends.dynamodb_config import DynamoTableStore
from bff.backends.dynamodb_items import Item, from_wire, to_wire
from bff.backends.local.sqlite_order_rows import stamp
from bff.backends.order_codec import notification_for, order_from_dict, order_to_dict
from bff.domain.checkout import Placed, Placement
from bff.domain.orders import Notification, Order, OrderPage, OrderStatus
from bff.domain.risk import CustomerHistory
from bff.errors import Conflict

# A status move that keeps losing races to other writers of the same order gives up after this many reads.
MOVE_ATTEMPTS = 5


def order_key(order_id: str) -> dict[str, str]:
    return {s.PK: f"ORDER#{order_id}", s.SK: "ORDER"}


def summary_key(customer_id: str, order: Order) -> dict[str, str]:
    return {s.PK: f"CUSTOMER#{customer_id}", s.SK: f"ORDER#{stamp(order.created_at)}#{order.id}"}


def order_item(order: Order) -> Item:
    return {
        **order_key(order.id),
        "body": json.dumps(order_to_dict(order)),
        "status": order.status.value,
        "version": order.version,
        s.GSI2_PK: f"ORDERSTATUS#{order.status.value}",
        s.GSI2_SK: f"{stamp(order.updated_at)}#{order.id}",
    }


def event_item(order: Order, reason: str = "") -> Item:
    note = notification_for(order, reason)
    return {
        s.PK: f"ORDER#{order.id}",
        s.SK: f"EVENT#{stamp(note.at)}#{len(order.history):04d}",
        "status": note.status.value,
        "at": note.at.isoformat(),
        "message": note.message,
    }


def number_key(number: int) -> dict[str, str]:
    return {s.PK: f"ORDERNUMBER#{number}", s.SK: "ORDERNUMBER"}


def number_item(order: Order) -> Item:
    return {**number_key(order.number), "orderId": order.id}


def summary_item(order: Order) -> Item:
    assert order.customer_id is not None
    return {
        **summary_key(order.customer_id, order),
        "orderId": order.id,
        "total": str(order.total),
        "createdAt": stamp(order.created_at),
    }


def release_actions(units: dict[str, int]) -> list[dict[str, Any]]:
    """One stock update per variant, giving an order's reserved units back."""
    return [
        {
            "Update": {
                "Key": to_wire(s.stock_key(variant)),
                "UpdateExpression": "SET reserved = reserved - :q, available = available + :q",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeValues": {":q": {"N": str(quantity)}},
            }
        }
        for variant, quantity in units.items()
    ]


class DynamoOrderStore(DynamoTableStore):
    """The ``OrderStore`` port over the single table."""

    capability = "orders"

    async def get_orders(self, ids: Sequence[str]) -> list[Order | None]:
        found = await self.requests.batch_get([order_key(i) for i in ids], consistent=True)
        items = [found.get((f"ORDER#{i}", "ORDER")) for i in ids]
        return [None if item is None else order_from_dict(json.loads(str(item["body"]))) for item in items]

    async def get_order_by_number(self, number: int) -> Order | None:
        response = await self.requests.call(
            "GetItem",
            {"TableName": self.requests.table, "Key": to_wire(number_key(number)), "ConsistentRead": True},
            consistent=True,
        )
        if "Item" not in response:
            return None
        [order] = await self.get_orders([str(from_wire(response["Item"])["orderId"])])
        return order

    async def _summaries(self, customer_id: str, limit: int | None, after: str | None) -> list[Item]:
        request: dict[str, Any] = {
            "TableName": self.requests.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :orders)",
            "ExpressionAttributeValues": to_wire({":pk": f"CUSTOMER#{customer_id}", ":orders": "ORDER#"}),
            "ConsistentRead": True,
            "ScanIndexForward": False,
        }
        if after:
            request["KeyConditionExpression"] = "pk = :pk AND sk BETWEEN :orders AND :after"
            request["ExpressionAttributeValues"] = to_wire(
                {":pk": f"CUSTOMER#{customer_id}", ":orders": "ORDER#", ":after": after}
            )
        items: list[Item] = []
        while True:
            if limit is not None:
                request["Limit"] = limit - len(items)
            response = await self.requests.call("Query", request, consistent=True)
            items += [from_wire(w) for w in response.get("Items", [])]
            last = response.get("LastEvaluatedKey")
            if not last or (limit is not None and len(items) >= limit):
                return [i for i in items if i[s.SK] != after]
            request["ExclusiveStartKey"] = last

    async def customer_orders(self, customer_id: str, first: int, after: tuple[datetime, str] | None) -> OrderPage:
        position = None if after is None else f"ORDER#{stamp(after[0])}#{after[1]}"
        summaries = await self._summaries(customer_id, first + 2, position)
        ids = [str(item["orderId"]) for item in summaries[: first + 1]]
        orders = [o for o in await self.get_orders(ids[:first]) if o is not None]
        return OrderPage(tuple(orders), len(ids) > first)

    async def customer_history(
        self, customer_id: str | None, email: str, client_address: str | None, since: datetime, before: str
    ) -> CustomerHistory:
        # By customer only: a guest's orders and orders by client address have no index here (docs/orders.md).
        if customer_id is None:
            return CustomerHistory(0, Decimal(0), 0, 0)
        earlier = [i for i in await self._summaries(customer_id, None, None) if i["orderId"] != before]
        recent = sum(1 for i in earlier if str(i["createdAt"]) >= stamp(since))
        largest = max((Decimal(str(i["total"])) for i in earlier), default=Decimal(0))
        return CustomerHistory(len(earlier), largest, recent, 0)

    async def move_order(
        self,
        order_id: str,
        status: OrderStatus,
        at: datetime,
        *,
        expected: Collection[OrderStatus],
        reason: str = "",
        risk_reasons: Sequence[str] = (),
    ) -> Order | None:
        for _ in range(MOVE_ATTEMPTS):
            [order] = await self.get_orders([order_id])
            if order is None or order.status not in expected or order.status == status:
                return None
            moved = order.moved(status, at, reason)
            if risk_reasons:
                moved = replace(moved, risk_reasons=tuple(risk_reasons))
            actions: list[dict[str, Any]] = [
                {
                    "Put": {
                        "Item": to_wire(order_item(moved)),
                        "ConditionExpression": "version = :read",
                        "ExpressionAttributeValues": {":read": {"N": str(order.version)}},
                    }
                },
                {"Put": {"Item": to_wire(event_item(moved, reason))}},
            ]
            if status == OrderStatus.CANCELLED:
                actions += release_actions(order.reserved)
            try:
                await self.requests.transact_write(actions)
            except Conflict:
                continue
            return moved
        raise Conflict(f"order {order_id} kept changing while it was moved to {status}")

    async def place_order(self, placement: Placement) -> Placed:
        from bff.backends.dynamodb_checkout import place_order  # it builds on this module's items

        return await place_order(self.requests, placement)

    async def order_for_key(self, idempotency_key: str) -> tuple[str, Order] | None:
        from bff.backends.dynamodb_checkout import key_holds  # it builds on this module's items

        return await key_holds(self.requests, idempotency_key)

    async def notifications(self, order_id: str) -> list[Notification]:
        """The order's placing (from the order item: checkout's transaction writes no event item, keeping its
        actions for stock) and then its event items, in one Query of the order's partition."""
        request = {
            "TableName": self.requests.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": to_wire({":pk": f"ORDER#{order_id}"}),
            "ConsistentRead": True,
        }
        response = await self.requests.call("Query", request, consistent=True)
        items = [from_wire(w) for w in response.get("Items", [])]
        found: list[Notification] = []
        for item in items:
            if item[s.SK] == "ORDER":
                order = order_from_dict(json.loads(str(item["body"])))
                placed = replace(order, status=OrderStatus.PENDING, history=order.history[:1])
                found.insert(0, notification_for(placed))
        events = [i for i in items if str(i[s.SK]).startswith("EVENT#")]
        return found + [
            Notification(
                order_id, OrderStatus(str(i["status"])), datetime.fromisoformat(str(i["at"])), str(i["message"])
            )
            for i in events
        ]

    async def insert_order(self, order: Order) -> None:
        """Write a placed order as checkout does, without stock, cart or key (tests; ``place_order``'s core)."""
        actions: list[dict[str, Any]] = [
            {"Put": {"Item": to_wire(order_item(order)), "ConditionExpression": "attribute_not_exists(pk)"}},
        ]
        if order.customer_id:
            actions.append({"Put": {"Item": to_wire(summary_item(order))}})
        if order.number:
            actions.append({"Put": {"Item": to_wire(number_item(order))}})
        await self.requests.transact_write(actions)
