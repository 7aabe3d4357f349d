"""An order as a JSON object (amounts as strings, times in ISO 8601): what every order store keeps."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from bff.domain.catalog import Money
from bff.domain.orders import Address, HistoryEntry, Notification, Order, OrderLine, OrderStatus

ADDRESS_FIELDS = ("first_name", "last_name", "address1", "address2", "city", "province", "zip", "country_code", "phone")


def _money(money: Money) -> str:
    return str(money.amount)


def address_to_dict(address: Address) -> dict[str, str]:
    return {name: getattr(address, name) for name in ADDRESS_FIELDS}


def address_from_dict(data: dict[str, Any]) -> Address:
    return Address(**{name: str(data.get(name, "")) for name in ADDRESS_FIELDS})


def order_to_dict(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "createdAt": order.created_at.isoformat(),
        "updatedAt": order.updated_at.isoformat(),
        "status": order.status.value,
        "currencyCode": order.currency_code,
        "lines": [
            {
                "variantId": line.variant_id,
                "productId": line.product_id,
                "title": line.title,
                "sku": line.sku,
                "quantity": line.quantity,
                "unitPrice": _money(line.unit_price),
                "discount": _money(line.discount),
                "total": _money(line.total),
            }
            for line in order.lines
        ],
        "subtotal": str(order.subtotal),
        "discountTotal": str(order.discount_total),
        "shippingTotal": str(order.shipping_total),
        "total": str(order.total),
        "email": order.email,
        "shippingAddress": address_to_dict(order.shipping_address),
        "billingAddress": address_to_dict(order.billing_address),
        "deliveryMethod": order.delivery_method,
        "paymentToken": order.payment_token,
        "cartId": order.cart_id,
        "idempotencyKey": order.idempotency_key,
        "customerId": order.customer_id,
        "discountCodes": list(order.discount_codes),
        "history": [{"status": h.status.value, "at": h.at.isoformat(), "reason": h.reason} for h in order.history],
        "riskReasons": list(order.risk_reasons),
        "clientAddress": order.client_address,
        "version": order.version,
        "number": order.number,
    }


def order_from_dict(data: dict[str, Any]) -> Order:
    currency = str(data["currencyCode"])
    return Order(
        id=str(data["id"]),
        created_at=datetime.fromisoformat(data["createdAt"]),
        updated_at=datetime.fromisoformat(data["updatedAt"]),
        status=OrderStatus(data["status"]),
        currency_code=currency,
        lines=tuple(
            OrderLine(
                variant_id=str(line["variantId"]),
                product_id=str(line["productId"]),
                title=str(line["title"]),
                sku=None if line.get("sku") is None else str(line["sku"]),
                quantity=int(line["quantity"]),
                unit_price=Money(Decimal(str(line["unitPrice"])), currency),
                discount=Money(Decimal(str(line["discount"])), currency),
                total=Money(Decimal(str(line["total"])), currency),
            )
            for line in data["lines"]
        ),
        subtotal=Decimal(str(data["subtotal"])),
        discount_total=Decimal(str(data["discountTotal"])),
        shipping_total=Decimal(str(data["shippingTotal"])),
        total=Decimal(str(data["total"])),
        email=str(data["email"]),
        shipping_address=address_from_dict(data["shippingAddress"]),
        billing_address=address_from_dict(data["billingAddress"]),
        delivery_method=str(data["deliveryMethod"]),
        payment_token=str(data["paymentToken"]),
        cart_id=str(data["cartId"]),
        idempotency_key=str(data["idempotencyKey"]),
        customer_id=None if data.get("customerId") is None else str(data["customerId"]),
        discount_codes=tuple(str(c) for c in data.get("discountCodes", ())),
        history=tuple(
            HistoryEntry(OrderStatus(h["status"]), datetime.fromisoformat(h["at"]), str(h.get("reason", "")))
            for h in data.get("history", ())
        ),
        risk_reasons=tuple(str(r) for r in data.get("riskReasons", ())),
        client_address=None if data.get("clientAddress") is None else str(data["clientAddress"]),
        version=int(data.get("version", 0)),
        number=int(data.get("number", 0)),
    )


def notification_for(order: Order, reason: str = "") -> Notification:
    """The message a status change sends: the order's new status, and why when there is a reason."""
    entry = order.history[-1]
    message = f"Order {order.id} is now {order.status.value.replace('_', ' ').lower()}"
    return Notification(order.id, order.status, entry.at, f"{message}: {reason}" if reason else message + ".")
