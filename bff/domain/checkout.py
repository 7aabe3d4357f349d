"""Checkout's rules: what a ``checkoutComplete`` input must hold, delivery charges, and the transaction's limit.

Everything here is checked before anything is read or written: a bad email, address, delivery method, payment
token or idempotency key is a field-level ``Problem``, and nothing is reserved.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from bff.domain.error_codes import CheckoutErrorCode, Problem
from bff.domain.orders import Address, Order, new_order_number

# One DynamoDB transaction holds 100 actions: the order, the idempotency key, the cart, the customer's copy, the
# order number's claim and one stock update per distinct variant (docs/data-model.md). SQLite keeps the same limit.
MAX_DISTINCT_VARIANTS = 95
MAX_IDEMPOTENCY_KEY = 128
# Delivery methods and what each costs, in the order's currency.
DELIVERY_METHODS: dict[str, Decimal] = {"STANDARD": Decimal("5.00"), "EXPRESS": Decimal("15.00"), "PICKUP": Decimal(0)}
# A standard order above this subtotal ships free.
FREE_STANDARD_OVER = Decimal("100.00")

_EMAIL = re.compile(r"^[^@\s\x00-\x1f]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
_TOKEN = re.compile(r"^tok_[A-Za-z0-9_]{1,100}$")
_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
# Address fields a delivery needs, and the longest any field may be.
REQUIRED = ("first_name", "last_name", "address1", "city", "zip", "country_code")
MAX_FIELD = 200


@dataclass(frozen=True, slots=True)
class CheckoutInput:
    cart_id: str
    idempotency_key: str
    email: str
    shipping_address: Address
    billing_address: Address
    delivery_method: str
    payment_token: str


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def address_problems(address: Address, field: str) -> list[Problem]:
    problems = []
    for name in ("first_name", "last_name", "address1", "address2", "city", "province", "zip", "country_code", "phone"):
        value: str = getattr(address, name)
        path = ("input", field, _camel(name))
        if name in REQUIRED and not value.strip():
            problems.append(Problem(path, f"{_camel(name)} is required.", CheckoutErrorCode.INVALID_ADDRESS))
        elif len(value) > MAX_FIELD or _CONTROL.search(value):
            message = f"{_camel(name)} is longer than {MAX_FIELD} characters or holds control characters."
            problems.append(Problem(path, message, CheckoutErrorCode.INVALID_ADDRESS))
    if address.country_code.strip() and not _COUNTRY.match(address.country_code):
        path = ("input", field, "countryCode")
        message = "countryCode must be an ISO 3166-1 alpha-2 code in capitals (GB, US)."
        problems.append(Problem(path, message, CheckoutErrorCode.INVALID_ADDRESS))
    return problems


def input_problems(checkout: CheckoutInput) -> list[Problem]:
    """Every field-level problem of ``checkout``; empty when it may go on."""
    problems: list[Problem] = []
    if not _KEY.match(checkout.idempotency_key):
        message = f"idempotencyKey must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII characters without spaces."
        problems.append(Problem(("input", "idempotencyKey"), message, CheckoutErrorCode.INVALID_IDEMPOTENCY_KEY))
    if len(checkout.email) > 254 or not _EMAIL.match(checkout.email):
        problems.append(Problem(("input", "email"), "Enter a valid email address.", CheckoutErrorCode.INVALID_EMAIL))
    problems += address_problems(checkout.shipping_address, "shippingAddress")
    problems += address_problems(checkout.billing_address, "billingAddress")
    if checkout.delivery_method not in DELIVERY_METHODS:
        message = f"deliveryMethod must be one of {', '.join(DELIVERY_METHODS)}."
        problems.append(Problem(("input", "deliveryMethod"), message, CheckoutErrorCode.INVALID_DELIVERY_METHOD))
    if not _TOKEN.match(checkout.payment_token):
        message = "paymentToken must be the payment provider's token (tok_...), never card data."
        problems.append(Problem(("input", "paymentToken"), message, CheckoutErrorCode.INVALID_PAYMENT_TOKEN))
    return problems


def shipping_charge(method: str, subtotal: Decimal) -> Decimal:
    if method == "STANDARD" and subtotal >= FREE_STANDARD_OVER:
        return Decimal("0.00")
    return DELIVERY_METHODS[method]


class PlaceOutcome(enum.Enum):
    PLACED = "PLACED"  # written now
    REPLAYED = "REPLAYED"  # the idempotency key already holds this cart's order: that order, nothing written
    KEY_REUSED = "KEY_REUSED"  # the key holds an order of another cart
    CART_CONVERTED = "CART_CONVERTED"  # the cart was already checked out (with another key)
    CART_CHANGED = "CART_CHANGED"  # the cart's version moved since it was read: read and price it again
    CART_GONE = "CART_GONE"  # the cart no longer exists (expired)
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"  # some variants lack the units: nothing reserved


@dataclass(frozen=True, slots=True)
class Placement:
    """What checkout's one transaction writes: the order (PENDING, its lines priced), on the condition that the
    cart is still at ``cart_version`` and the idempotency key ``scope#key`` is new, and that every variant has
    the units (``Order.reserved``)."""

    order: Order
    cart_version: int
    idempotency_scope: str  # the customer's subject, or the guest cart's id
    # Units available per variant when checkout read them (maybe stale): stores that cannot read the stock in
    # the transaction itself tell from them which variants this order likely sold out.
    seen_available: dict[str, int] = field(default_factory=dict)

    @property
    def idempotency_key(self) -> str:
        return f"{self.idempotency_scope}#{self.order.idempotency_key}"

    def renumbered(self) -> Placement:
        """The same placement with a newly drawn order number (the one drawn was taken)."""
        return replace(self, order=replace(self.order, number=new_order_number()))


@dataclass(frozen=True, slots=True)
class Placed:
    outcome: PlaceOutcome
    # The order written, or the one the key already holds (REPLAYED).
    order: Order | None = None
    # INSUFFICIENT_STOCK: the variants short of units, each with the units it still has.
    short: tuple[tuple[str, int], ...] = ()
    # PLACED: the variants this order took the last units of (their products may have gone out of stock).
    sold_out: tuple[str, ...] = ()
