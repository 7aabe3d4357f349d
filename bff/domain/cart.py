"""A shopping cart as every cart store keeps it: lines of variants, who it belongs to, codes and notes.

A cart holds no money: prices come from the catalog each time a cart is read (``bff.domain.cart_pricing``).
A line remembers only the unit price when it was added, to warn when the price has changed since.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bff.domain.catalog import Money


@dataclass(frozen=True, slots=True)
class Attribute:
    """A key-value pair a storefront attaches to a cart or a line (gift wrapping, a delivery slot)."""

    key: str
    value: str


@dataclass(frozen=True, slots=True)
class CartLine:
    id: str  # the line's key, unique within its cart
    variant_id: str
    quantity: int
    attributes: tuple[Attribute, ...] = ()
    # The variant's unit price when the line was added (or its quantity last set): a later read that finds
    # another price warns that it changed.
    price_at_add: Money | None = None


@dataclass(frozen=True, slots=True)
class Cart:
    id: str  # the store key: an unguessable capability (``bff.ownership.new_capability_id``)
    created_at: datetime
    updated_at: datetime
    lines: tuple[CartLine, ...] = ()
    # The customer (token ``sub``) the cart is attached to; None for a guest cart.
    customer_id: str | None = None
    email: str | None = None
    country_code: str | None = None
    phone: str | None = None  # E.164, e.g. +4420794600000
    discount_codes: tuple[str, ...] = ()
    note: str = ""
    attributes: tuple[Attribute, ...] = ()
    # When a guest cart stops existing (stores filter on it; DynamoDB's TTL deletes it later); None: never.
    expires_at: datetime | None = None
    # Moves on with every write; a write names the version it read (``CartStore.save_cart``).
    version: int = 0

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


class MergeStrategy(enum.StrEnum):
    """What signing in with a guest cart does when the customer already has a cart (Vendure's three)."""

    MERGE = "MERGE"  # the guest cart's lines are added to the customer's cart, quantities summed
    KEEP_GUEST = "KEEP_GUEST"  # the guest cart becomes the customer's cart; the old one is dropped
    KEEP_EXISTING = "KEEP_EXISTING"  # the customer's cart stays as it was; the guest cart is dropped
