"""``DynamoCartStore``: carts in the DynamoDB single table (``docs/data-model.md``).

A cart is ONE item, ``pk=CART#<id>``, ``sk=CART``, its lines embedded as a list of maps, with ``version``
(every write is conditional on it), ``customerId`` and, for a guest cart, ``expiresAt`` (the table's TTL
attribute). DynamoDB deletes expired items lazily (and moto never does), so reads filter on ``expiresAt``.
A customer's current cart is the item ``pk=CUSTOMER#<sub>``, ``sk=CART`` naming it, written in the same
TransactWriteItems as the cart. Reads are strongly consistent (never DAX): a cart is read to be changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bff.backends import dynamodb_schema as s
from bff.backends.cart_codec import cart_from_dict, cart_to_dict, converted, epoch
from bff.backends.dynamodb_config import DynamoTableStore
from bff.backends.dynamodb_items import Item, to_wire
from bff.domain.cart import Cart

CART = "CART"
CART_PREFIX = "CART#"
CUSTOMER_PREFIX = "CUSTOMER#"


def cart_key(cart_id: str) -> dict[str, str]:
    return {s.PK: CART_PREFIX + cart_id, s.SK: CART}


def customer_cart_key(customer_id: str) -> dict[str, str]:
    return {s.PK: CUSTOMER_PREFIX + customer_id, s.SK: CART}


def _pair(key: dict[str, str]) -> tuple[str, str]:
    return key[s.PK], key[s.SK]


def cart_item(cart: Cart) -> Item:
    return {**cart_key(cart.id), **cart_to_dict(cart), "version": cart.version}


def _cart(item: Item | None, now: int) -> Cart | None:
    if item is None:
        return None
    expires = item.get(s.TTL_ATTRIBUTE)
    if (expires is not None and int(expires) <= now) or converted(item):  # expired or checked out: gone
        return None
    cart_id = str(item[s.PK]).removeprefix(CART_PREFIX)
    return cart_from_dict(cart_id, int(item["version"]), item)


class DynamoCartStore(DynamoTableStore):
    """The ``CartStore`` port over one DynamoDB table."""

    capability = "carts"

    async def get_carts(self, ids: Sequence[str]) -> list[Cart | None]:
        if not ids:
            return []
        found = await self.requests.batch_get([cart_key(i) for i in ids], consistent=True)
        now = epoch(datetime.now(UTC)) or 0
        return [_cart(found.get(_pair(cart_key(i))), now) for i in ids]

    async def get_customer_carts(self, customer_ids: Sequence[str]) -> list[Cart | None]:
        if not customer_ids:
            return []
        pointers = await self.requests.batch_get([customer_cart_key(c) for c in customer_ids], consistent=True)
        cart_ids = {c: str(p["cartId"]) for c in customer_ids if (p := pointers.get(_pair(customer_cart_key(c))))}
        carts = await self.get_carts(list(set(cart_ids.values())))
        by_id = {c.id: c for c in carts if c is not None}
        return [by_id.get(cart_ids.get(c, "")) for c in customer_ids]

    async def save_cart(self, cart: Cart, expected_version: int | None, drop: Cart | None = None) -> Cart:
        stored = replace(cart, version=(expected_version or 0) + 1)
        put: dict[str, Any] = {"Item": to_wire(cart_item(stored))}
        if expected_version is None:
            put["ConditionExpression"] = "attribute_not_exists(#pk)"
            put["ExpressionAttributeNames"] = {"#pk": s.PK}
        else:
            put["ConditionExpression"] = "#v = :v"
            put["ExpressionAttributeNames"] = {"#v": "version"}
            put["ExpressionAttributeValues"] = {":v": {"N": str(expected_version)}}
        actions: list[dict[str, Any]] = [{"Put": put}]
        if stored.customer_id is not None:
            pointer = {**customer_cart_key(stored.customer_id), "cartId": stored.id}
            actions.append({"Put": {"Item": to_wire(pointer)}})
        if drop is not None:
            actions.append(
                {
                    "Delete": {
                        "Key": to_wire(cart_key(drop.id)),
                        "ConditionExpression": "#v = :v",
                        "ExpressionAttributeNames": {"#v": "version"},
                        "ExpressionAttributeValues": {":v": {"N": str(drop.version)}},
                    }
                }
            )
        if len(actions) == 1:
            await self.requests.call("PutItem", {"TableName": self.requests.table, **put})
        else:
            await self.requests.transact_write(actions)
        return stored
