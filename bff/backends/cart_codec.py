"""Carts as plain JSON-compatible dicts, the same in SQLite (a JSON column) and DynamoDB (a map per line).

Amounts are strings (never floats), times ISO 8601 in UTC, and ``expiresAt`` whole seconds since the epoch
(what DynamoDB's TTL reads).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bff.domain.cart import Attribute, Cart, CartLine
from bff.domain.catalog import Money


def _attributes(attributes: tuple[Attribute, ...]) -> list[dict[str, str]]:
    return [{"key": a.key, "value": a.value} for a in attributes]


def _attributes_from(data: Any) -> tuple[Attribute, ...]:
    return tuple(Attribute(str(a["key"]), str(a["value"])) for a in data or ())


def _line(line: CartLine) -> dict[str, Any]:
    data: dict[str, Any] = {"id": line.id, "variantId": line.variant_id, "quantity": line.quantity}
    if line.attributes:
        data["attributes"] = _attributes(line.attributes)
    if line.price_at_add is not None:
        data["priceAtAdd"] = {"amount": str(line.price_at_add.amount), "currency": line.price_at_add.currency_code}
    return data


def _line_from(data: Any) -> CartLine:
    price = data.get("priceAtAdd")
    return CartLine(
        id=str(data["id"]),
        variant_id=str(data["variantId"]),
        quantity=int(data["quantity"]),
        attributes=_attributes_from(data.get("attributes")),
        price_at_add=None if not price else Money(Decimal(str(price["amount"])), str(price["currency"])),
    )


# Set by checkout on the cart it converted into an order (``bff.backends.*_checkout``): such a cart is gone for
# every cart operation, and a second checkout of it is refused.
CONVERTED = "convertedOrderId"


def converted(data: Any) -> bool:
    """Whether a stored cart (its document, or its item) was checked out into an order."""
    return bool(data.get(CONVERTED))


def epoch(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def cart_to_dict(cart: Cart) -> dict[str, Any]:
    """Everything but the id and the version (the stores keep those as keys and conditions)."""
    return {
        "lines": [_line(line) for line in cart.lines],
        "customerId": cart.customer_id,
        "email": cart.email,
        "countryCode": cart.country_code,
        "phone": cart.phone,
        "discountCodes": list(cart.discount_codes),
        "note": cart.note,
        "attributes": _attributes(cart.attributes),
        "createdAt": cart.created_at.isoformat(),
        "updatedAt": cart.updated_at.isoformat(),
        "expiresAt": epoch(cart.expires_at),
    }


def cart_from_dict(cart_id: str, version: int, data: dict[str, Any]) -> Cart:
    expires = data.get("expiresAt")
    return Cart(
        id=cart_id,
        created_at=datetime.fromisoformat(str(data["createdAt"])),
        updated_at=datetime.fromisoformat(str(data["updatedAt"])),
        lines=tuple(_line_from(line) for line in data.get("lines") or ()),
        customer_id=data.get("customerId"),
        email=data.get("email"),
        country_code=data.get("countryCode"),
        phone=data.get("phone"),
        discount_codes=tuple(str(c) for c in data.get("discountCodes") or ()),
        note=str(data.get("note") or ""),
        attributes=_attributes_from(data.get("attributes")),
        expires_at=None if expires is None else datetime.fromtimestamp(int(expires), UTC),
        version=version,
    )
