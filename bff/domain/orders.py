"""An order as every order store keeps it: lines with the prices charged, addresses, status and history.

An order is written once, PENDING, by checkout; after that only its status moves, along ``TRANSITIONS``, and
each move appends a timestamped entry to its history (and a notification, ``bff.domain.order_workflow``).
Amounts are the ones charged at checkout, never re-priced from today's catalog.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from bff.domain.catalog import Money


class OrderStatus(enum.StrEnum):
    PENDING = "PENDING"  # written by checkout: stock reserved, nothing charged yet
    ON_HOLD = "ON_HOLD"  # risk screening asked for a person's review
    PAID = "PAID"  # payment authorised
    FULFILLED = "FULFILLED"  # handed to fulfilment (final)
    CANCELLED = "CANCELLED"  # declined, denied or cancelled; its stock released (final)


# Where each status may go. PAID -> CANCELLED is the shopper's cancel before fulfilment (the payment voided).
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PAID, OrderStatus.ON_HOLD, OrderStatus.CANCELLED}),
    OrderStatus.ON_HOLD: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.FULFILLED, OrderStatus.CANCELLED}),
    OrderStatus.FULFILLED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}
FINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)


# Order numbers are random, not a counter: a flash sale would contend on one counter item. Nine digits
# (100,000,000 to 999,999,999) keep a collision rare; checkout claims the number in its transaction (unique) and
# draws another on the rare clash.
ORDER_NUMBER_MIN = 100_000_000
ORDER_NUMBER_MAX = 999_999_999


def new_order_number() -> int:
    return ORDER_NUMBER_MIN + secrets.randbelow(ORDER_NUMBER_MAX - ORDER_NUMBER_MIN + 1)


def parse_order_number(text: str) -> int | None:
    """The order number in ``text`` ("#123456789", "123456789"), None when it cannot be one."""
    digits = text.strip().removeprefix("#").strip()
    if not digits.isascii() or not digits.isdigit():
        return None
    number = int(digits)
    return number if ORDER_NUMBER_MIN <= number <= ORDER_NUMBER_MAX else None


def can_move(current: OrderStatus, target: OrderStatus) -> bool:
    return target in TRANSITIONS[current]


@dataclass(frozen=True, slots=True)
class Address:
    first_name: str
    last_name: str
    address1: str
    city: str
    zip: str
    country_code: str  # ISO 3166-1 alpha-2
    address2: str = ""
    province: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class OrderLine:
    variant_id: str
    product_id: str
    title: str  # the product's title with the variant's, as bought
    sku: str | None
    quantity: int
    unit_price: Money  # the catalog's price at checkout
    discount: Money  # this line's share of the cart's discounts
    total: Money  # unit_price x quantity - discount


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    status: OrderStatus
    at: datetime
    # Why the order moved: a risk reason, a decline, "cancelled by the customer"; empty when plain.
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Notification:
    """A message about a status change, kept per order (the embedded outbox) and sent by the notifier."""

    order_id: str
    status: OrderStatus
    at: datetime
    message: str


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    created_at: datetime
    updated_at: datetime
    status: OrderStatus
    lines: tuple[OrderLine, ...]
    currency_code: str
    subtotal: Decimal  # the lines before discounts
    discount_total: Decimal
    shipping_total: Decimal
    total: Decimal  # what is charged
    email: str
    shipping_address: Address
    billing_address: Address
    delivery_method: str
    # The provider's token for the payment method: card data never reaches the BFF.
    payment_token: str
    cart_id: str
    idempotency_key: str
    # The customer (token ``sub``); None for a guest's order.
    customer_id: str | None = None
    discount_codes: tuple[str, ...] = ()
    history: tuple[HistoryEntry, ...] = ()
    # What risk screening found, one reason per rule that fired.
    risk_reasons: tuple[str, ...] = ()
    client_address: str | None = None
    version: int = 0
    # The shopper's order number (``new_order_number``), unique among orders; 0 for orders placed before numbers.
    number: int = 0

    @property
    def name(self) -> str:
        """The order's name as the shopper sees it: "#" and the number, as Shopify's."""
        return f"#{self.number}"

    def money(self, amount: Decimal) -> Money:
        return Money(amount, self.currency_code)

    def moved(self, status: OrderStatus, at: datetime, reason: str = "") -> Order:
        """The order in ``status``, the move appended to its history; ``ValueError`` if it may not move so."""
        if not can_move(self.status, status):
            raise ValueError(f"an order {self.status} cannot become {status}")
        entry = HistoryEntry(status, at, reason)
        return replace(self, status=status, updated_at=at, history=(*self.history, entry), version=self.version + 1)

    @property
    def reserved(self) -> dict[str, int]:
        """Units reserved per variant (lines of one variant summed): what a cancel releases."""
        units: dict[str, int] = {}
        for line in self.lines:
            units[line.variant_id] = units.get(line.variant_id, 0) + line.quantity
        return units


@dataclass(frozen=True, slots=True)
class OrderPage:
    """A page of a customer's orders, newest first, and whether older ones follow."""

    orders: tuple[Order, ...]
    has_more: bool
