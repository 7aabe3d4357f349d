"""``Order`` and what it shows: lines with the prices charged, totals, addresses, history, notifications."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from bff.context import Info
from bff.domain import orders as domain
from bff.ids import to_global_id
from resolvers.common import Money, Node, accepts_instances


@strawberry.enum(description="Where an order is in its life.")
class OrderStatus(enum.Enum):
    PENDING = strawberry.enum_value("PENDING", description="Placed: stock reserved, payment not yet taken.")
    ON_HOLD = strawberry.enum_value("ON_HOLD", description="Waiting for a person to review its risk.")
    PAID = strawberry.enum_value("PAID", description="Payment authorised; being prepared.")
    FULFILLED = strawberry.enum_value("FULFILLED", description="Handed to fulfilment.")
    CANCELLED = strawberry.enum_value("CANCELLED", description="Cancelled; its stock released, nothing charged.")


def status_of(status: domain.OrderStatus) -> OrderStatus:
    return OrderStatus[status.value]


@strawberry.type(description="A postal address as the buyer gave it.")
class MailingAddress:
    first_name: str = strawberry.field(description="Given name.")
    last_name: str = strawberry.field(description="Family name.")
    address1: str = strawberry.field(description="Street and number.")
    address2: str = strawberry.field(description="Apartment, suite, etc.; empty when none.")
    city: str = strawberry.field(description="City.")
    province: str = strawberry.field(description="Province, state or region; empty when none.")
    zip: str = strawberry.field(description="Postal code.")
    country_code: str = strawberry.field(description="ISO 3166-1 alpha-2 country code.")
    phone: str = strawberry.field(description="Phone number; empty when none.")

    is_type_of = accepts_instances(domain.Address)


@strawberry.type(description="A line of an order: what was bought, at the price charged then.")
class OrderLine:
    title: str = strawberry.field(description="The product and variant as bought.")
    sku: str | None = strawberry.field(description="The variant's stock keeping unit, when it had one.")
    quantity: int = strawberry.field(description="Units bought.")
    unit_price: Money = strawberry.field(description="Price of one unit when the order was placed.")
    discount: Money = strawberry.field(description="This line's share of the order's discounts.")
    total: Money = strawberry.field(description="What the line costs: unit price x quantity - discount.")

    @strawberry.field(description="Global id of the variant bought (it may no longer be sold).")
    @staticmethod
    def variant_id(root: strawberry.Parent[domain.OrderLine]) -> strawberry.ID:
        return strawberry.ID(to_global_id("ProductVariant", root.variant_id))

    is_type_of = accepts_instances(domain.OrderLine)


@strawberry.type(description="A status change of an order: when, and why.")
class OrderHistoryEntry:
    at: datetime = strawberry.field(description="When the order took this status.")
    reason: str = strawberry.field(description="Why (a decline, a risk reason, a cancel); empty when plain.")

    @strawberry.field(description="The status the order took.")
    @staticmethod
    def status(root: strawberry.Parent[domain.HistoryEntry]) -> OrderStatus:
        return status_of(root.status)

    is_type_of = accepts_instances(domain.HistoryEntry)


@strawberry.type(description="A message sent to the buyer about a status change (the order's outbox).")
class OrderNotification:
    at: datetime = strawberry.field(description="When it was sent.")
    message: str = strawberry.field(description="What it says.")

    @strawberry.field(description="The status it announces.")
    @staticmethod
    def status(root: strawberry.Parent[domain.Notification]) -> OrderStatus:
        return status_of(root.status)

    is_type_of = accepts_instances(domain.Notification)


@strawberry.type(description="An order: placed by checkout, then paid and fulfilled, or cancelled.")
class Order(Node):
    created_at: datetime = strawberry.field(description="When the order was placed.")
    updated_at: datetime = strawberry.field(description="When its status last changed.")
    lines: list[OrderLine] = strawberry.field(description="What was bought, at the prices charged.")
    email: str = strawberry.field(description="Where order messages go.")
    shipping_address: MailingAddress = strawberry.field(description="Where the order is delivered.")
    billing_address: MailingAddress = strawberry.field(description="The payment method's address.")
    delivery_method: str = strawberry.field(description="How it is delivered (`STANDARD`, `EXPRESS`, `PICKUP`).")
    discount_codes: list[str] = strawberry.field(description="Discount codes applied at checkout.")
    history: list[OrderHistoryEntry] = strawberry.field(description="Every status change, oldest first.")
    risk_reasons: list[str] = strawberry.field(description="What risk screening found, when anything.")

    @strawberry.field(description="Globally unique, opaque id of the order.")  # type: ignore[misc]
    @staticmethod
    def id(root: strawberry.Parent[domain.Order]) -> strawberry.ID:
        return strawberry.ID(to_global_id("Order", root.id))

    @strawberry.field(
        description="The order's number for the shopper and customer service: unique, random (not a count of "
        "orders), nine digits."
    )
    @staticmethod
    def order_number(root: strawberry.Parent[domain.Order]) -> int:
        return root.number

    @strawberry.field(description='The order\'s name as the shopper sees it: "#" and its number, as "#482913705".')
    @staticmethod
    def name(root: strawberry.Parent[domain.Order]) -> str:
        return root.name

    @strawberry.field(description="Where the order is now.")
    @staticmethod
    def status(root: strawberry.Parent[domain.Order]) -> OrderStatus:
        return status_of(root.status)

    @strawberry.field(description="The lines before discounts.")
    @staticmethod
    def subtotal(root: strawberry.Parent[domain.Order]) -> Money:
        return root.money(root.subtotal)  # type: ignore[return-value]

    @strawberry.field(description="Discounts taken off the lines.")
    @staticmethod
    def discount_total(root: strawberry.Parent[domain.Order]) -> Money:
        return root.money(root.discount_total)  # type: ignore[return-value]

    @strawberry.field(description="Delivery charged.")
    @staticmethod
    def shipping_total(root: strawberry.Parent[domain.Order]) -> Money:
        return root.money(root.shipping_total)  # type: ignore[return-value]

    @strawberry.field(description="What the buyer pays: subtotal - discounts + delivery.")
    @staticmethod
    def total(root: strawberry.Parent[domain.Order]) -> Money:
        return root.money(root.total)  # type: ignore[return-value]

    @strawberry.field(description="Messages sent about the order's status changes, oldest first.")
    @staticmethod
    async def notifications(root: strawberry.Parent[domain.Order], info: Info) -> list[OrderNotification]:
        return await info.context.backends.orders.orders.notifications(root.id)  # type: ignore[return-value]

    is_type_of = accepts_instances(domain.Order)
