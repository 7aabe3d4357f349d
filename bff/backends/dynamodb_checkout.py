"""Checkout's one ``TransactWriteItems`` on the single table (``docs/data-model.md``, "The checkout transaction").

| action | key | condition |
|---|---|---|
| Put the order | ``ORDER#<id>`` / ``ORDER`` | ``attribute_not_exists(pk)`` |
| Put the idempotency key (order, cart, TTL 24 h) | ``IDEMPOTENCY#<scope>#<key>`` / ``IDEMPOTENCY`` | new or expired |
| Update the cart: ``convertedOrderId``, version + 1 | ``CART#<id>`` / ``CART`` | ``version = :read``, not converted |
| Put the customer's copy (signed-in buyers) | ``CUSTOMER#<sub>`` / ``ORDER#<createdAt>#<id>`` | none (a new key) |
| one Update per distinct variant | ``VARIANT#<id>`` / ``STOCK`` | ``available >= :q``; reserved + q, available - q |
| Put the order number's claim (last) | ``ORDERNUMBER#<n>`` / ``ORDERNUMBER`` | ``attribute_not_exists(pk)`` |

At most 95 distinct variants (checked before, ``bff.domain.checkout``). When the transaction is cancelled, its
``CancellationReasons`` (one per action, in order) say which condition failed: the key (then the order it holds
answers a retry, or the key was used for another cart), the cart (converted, changed or gone), or stock items
(the short variants, with what they have, read back consistently) or the order number (taken: the transaction
is tried again with a new one). A transaction that lost to a concurrent one
on the same items (``TransactionConflict``) is tried again.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from typing import Any

from botocore.exceptions import ClientError

from bff.backends import dynamodb_schema as s
from bff.backends.cart_codec import CONVERTED
from bff.backends.dynamodb_client import DynamoRequests
from bff.backends.dynamodb_items import from_wire, to_wire
from bff.backends.dynamodb_orders import number_item, order_item, order_key, summary_item
from bff.backends.order_codec import order_from_dict
from bff.domain.checkout import Placed, Placement, PlaceOutcome
from bff.domain.orders import Order
from bff.errors import Conflict, ServiceUnavailable

KEY_TTL_SECONDS = 24 * 3600
# Tries of the transaction when it loses to concurrent transactions on the same items (not to a condition).
ATTEMPTS = 8


def idempotency_key(placement: Placement) -> dict[str, str]:
    return key_item_key(placement.idempotency_key)


def key_item_key(scoped_key: str) -> dict[str, str]:
    return {s.PK: f"IDEMPOTENCY#{scoped_key}", s.SK: "IDEMPOTENCY"}


def cart_key(cart_id: str) -> dict[str, str]:
    return {s.PK: f"CART#{cart_id}", s.SK: "CART"}


def actions(placement: Placement, now: float) -> list[dict[str, Any]]:
    order = placement.order
    key_item = {
        **idempotency_key(placement),
        "orderId": order.id,
        "cartId": order.cart_id,
        s.TTL_ATTRIBUTE: int(now + KEY_TTL_SECONDS),
    }
    found: list[dict[str, Any]] = [
        {"Put": {"Item": to_wire(order_item(order)), "ConditionExpression": "attribute_not_exists(pk)"}},
        {
            "Put": {
                "Item": to_wire(key_item),
                "ConditionExpression": "attribute_not_exists(pk) OR #expires < :now",
                "ExpressionAttributeNames": {"#expires": s.TTL_ATTRIBUTE},
                "ExpressionAttributeValues": {":now": {"N": str(int(now))}},
            }
        },
        {
            "Update": {
                "Key": to_wire(cart_key(order.cart_id)),
                "UpdateExpression": "SET #version = #version + :one, #converted = :order",
                "ConditionExpression": "#version = :read AND attribute_not_exists(#converted)",
                "ExpressionAttributeNames": {"#version": "version", "#converted": CONVERTED},
                "ExpressionAttributeValues": {
                    ":one": {"N": "1"},
                    ":read": {"N": str(placement.cart_version)},
                    ":order": {"S": order.id},
                },
            }
        },
    ]
    if order.customer_id is not None:
        found.append({"Put": {"Item": to_wire(summary_item(order))}})
    for variant, quantity in order.reserved.items():
        found.append(
            {
                "Update": {
                    "Key": to_wire(s.stock_key(variant)),
                    "UpdateExpression": "SET reserved = reserved + :q, available = available - :q, "
                    "version = if_not_exists(version, :zero) + :one",
                    "ConditionExpression": "available >= :q",
                    "ExpressionAttributeValues": {
                        ":q": {"N": str(quantity)},
                        ":one": {"N": "1"},
                        ":zero": {"N": "0"},
                    },
                }
            }
        )
    found.append({"Put": {"Item": to_wire(number_item(order)), "ConditionExpression": "attribute_not_exists(pk)"}})
    return found


def _reasons(error: Conflict) -> list[str]:
    cause = error.__cause__
    if isinstance(cause, ClientError):
        return [str(r.get("Code", "None")) for r in cause.response.get("CancellationReasons", ())]
    return []


async def place_order(requests: DynamoRequests, placement: Placement) -> Placed:
    variants = list(placement.order.reserved)
    first_stock = 4 if placement.order.customer_id is not None else 3
    for attempt in range(ATTEMPTS):
        try:
            await requests.transact_write(actions(placement, time.time()))
        except Conflict as error:
            reasons = _reasons(error)
            if reasons[1:2] == ["ConditionalCheckFailed"]:
                return await _key_taken(requests, placement)
            if reasons[2:3] == ["ConditionalCheckFailed"]:
                return await _cart_refused(requests, placement)
            short = [v for v, r in zip(variants, reasons[first_stock:], strict=False) if r == "ConditionalCheckFailed"]
            if short:
                return await _short(requests, short)
            if reasons[-1:] == ["ConditionalCheckFailed"]:
                placement = placement.renumbered()  # the number is taken: draw another
                continue
            # Lost to a concurrent transaction on the same items: try again after a jittered pause.
            await asyncio.sleep(random.uniform(0, 0.01 * 2**attempt))  # noqa: S311 - not crypto
            continue
        sold_out = tuple(
            v for v, q in placement.order.reserved.items() if placement.seen_available.get(v, q + 1) - q <= 0
        )
        return Placed(PlaceOutcome.PLACED, placement.order, sold_out=sold_out)
    raise ServiceUnavailable("checkout kept losing to concurrent checkouts; try again", service="orders")


async def _get(requests: DynamoRequests, key: dict[str, str]) -> dict[str, Any] | None:
    response = await requests.call(
        "GetItem", {"TableName": requests.table, "Key": to_wire(key), "ConsistentRead": True}, consistent=True
    )
    return from_wire(response["Item"]) if "Item" in response else None


async def key_holds(requests: DynamoRequests, scoped_key: str) -> tuple[str, Order] | None:
    """The (cart id, order) an unexpired key holds (two consistent reads), None when it holds none."""
    held = await _get(requests, key_item_key(scoped_key))
    if held is None or int(held.get(s.TTL_ATTRIBUTE, 0)) <= time.time():
        return None
    order = await _get(requests, order_key(str(held["orderId"])))
    if order is None:
        return None
    return str(held["cartId"]), order_from_dict(json.loads(str(order["body"])))


async def _key_taken(requests: DynamoRequests, placement: Placement) -> Placed:
    held = await key_holds(requests, placement.idempotency_key)
    if held is None or held[0] != placement.order.cart_id:
        return Placed(PlaceOutcome.KEY_REUSED)
    return Placed(PlaceOutcome.REPLAYED, held[1])


async def _cart_refused(requests: DynamoRequests, placement: Placement) -> Placed:
    cart = await _get(requests, cart_key(placement.order.cart_id))
    if cart is None:
        return Placed(PlaceOutcome.CART_GONE)
    if cart.get(CONVERTED):
        return Placed(PlaceOutcome.CART_CONVERTED)
    return Placed(PlaceOutcome.CART_CHANGED)


async def _short(requests: DynamoRequests, variants: list[str]) -> Placed:
    found = await requests.batch_get([s.stock_key(v) for v in variants], consistent=True)
    left = []
    for variant in variants:
        item = found.get((s.stock_key(variant)[s.PK], s.STOCK))
        left.append((variant, max(int(item.get("available", 0)), 0) if item else 0))
    return Placed(PlaceOutcome.INSUFFICIENT_STOCK, short=tuple(left))
