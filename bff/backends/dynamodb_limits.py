"""DynamoDB's limits on one item, checked before a write: a batch holding one item over them is refused
whole (``ValidationException``), which would leave the other products of the batch half-written.

* an item holds at most 400 KB: the UTF-8 names of its attributes plus their values, sized as DynamoDB
  sizes them (``item_size``);
* a partition key holds at most 2,048 bytes and a sort key 1,024, in the table and in every index; a key
  attribute of an index is never an empty string.

A ``ValidationException`` these checks did not foresee becomes ``BadUserInput`` (:func:`refused`) too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from bff.backends import dynamodb_schema as s
from bff.backends.dynamodb_items import Item, to_wire
from bff.errors import BadUserInput

MAX_ITEM_BYTES = 400 * 1024
PARTITION_KEYS = (s.PK, s.GSI1_PK, s.GSI2_PK)
SORT_KEYS = (s.SK, s.GSI1_SK, s.GSI2_SK)


def _number_size(text: str) -> int:
    # Up to 38 significant digits, two a byte, plus one byte; leading and trailing zeros are free.
    digits = Decimal(text).normalize().as_tuple().digits
    return (len(digits) + 1) // 2 + 1


def value_size(value: dict[str, Any]) -> int:
    """The bytes DynamoDB counts for one attribute value (``{"S": ...}``, ``{"L": [...]}``, ...)."""
    kind, body = next(iter(value.items()))
    if kind == "S":
        return len(str(body).encode())
    if kind == "N":
        return _number_size(str(body))
    if kind == "B":
        return len(body)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: v}) for v in body)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in body)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(v) for k, v in body.items())
    raise TypeError(f"unknown attribute type {kind!r}")


def item_size(wire: dict[str, Any]) -> int:
    """The size DynamoDB gives an item (attribute names and values), in bytes."""
    return sum(len(name.encode()) + value_size(value) for name, value in wire.items())


def problem(item: Item) -> str | None:
    """Why DynamoDB would refuse ``item``, or ``None``."""
    size = item_size(to_wire(item))
    if size > MAX_ITEM_BYTES:
        return f"its stored item is {size:,} bytes, over DynamoDB's 400 KB ({MAX_ITEM_BYTES:,}-byte) item limit"
    for names, limit in ((PARTITION_KEYS, s.MAX_PARTITION_KEY_BYTES), (SORT_KEYS, s.MAX_SORT_KEY_BYTES)):
        for name in names:
            value = item.get(name)
            if value is None:
                continue
            length = len(str(value).encode())
            if length == 0 or length > limit:
                return f"its key {name} is {length} bytes (DynamoDB takes 1 to {limit})"
    return None


def refused(exc: ClientError) -> Exception:
    """What a write DynamoDB refused raises: ``BadUserInput`` for an item it found invalid
    (``ValidationException``: the importer retries product by product and reports the one refused), the
    error itself otherwise."""
    error = exc.response.get("Error", {})
    if error.get("Code") != "ValidationException":
        unchanged: Exception = exc
        return unchanged
    message = str(error.get("Message", "invalid item"))
    return BadUserInput(f"DynamoDB refused the write: {message}", field="id")
