"""A cart's lines: ``CartLine``, and Shopify's ``BaseCartLine`` interface it implements (with
``ComponentizableCartLine``, a bundle's line, which this store never answers: storefront documents select it)."""

from __future__ import annotations

import strawberry

from bff.domain import cart as domain
from bff.domain import cart_pricing as pricing
from bff.domain.cart_change import line_global_id
from bff.field_cost import cost as field_cost
from resolvers.catalog.types import ProductVariant
from resolvers.common import Money, accepts_instances


@strawberry.type(description="A key-value pair attached to a cart or a line (gift wrapping, a delivery slot).")
class Attribute:
    key: str = strawberry.field(description="The attribute's key.")
    value: str | None = strawberry.field(description="The attribute's value.")

    is_type_of = accepts_instances(domain.Attribute)


@strawberry.type(description="A discount code's share of the amount taken off a line or the cart.")
class CartCodeDiscountAllocation:
    code: str = strawberry.field(description="The discount code.")
    discounted_amount: Money = strawberry.field(description="The amount this code takes off.")

    @classmethod
    def of(cls, share: pricing.DiscountShare) -> CartCodeDiscountAllocation:
        return cls(code=share.code, discounted_amount=share.amount)  # type: ignore[arg-type]


@strawberry.type(description="What a line costs at today's prices.")
class CartLineCost:
    amount_per_quantity: Money = strawberry.field(description="Unit price today.")
    compare_at_amount_per_quantity: Money | None = strawberry.field(description="Former unit price, when on sale.")
    subtotal_amount: Money = strawberry.field(description="Unit price times quantity, before discounts.")
    total_amount: Money = strawberry.field(description="What the line costs after its discounts.")


@strawberry.interface(description="A cart's line, whatever it holds (Shopify's interface).")
class BaseCartLine:
    @strawberry.field(description="Global id of the line.")
    def id(self) -> strawberry.ID:
        raise NotImplementedError

    @strawberry.field(description="How many of the merchandise.")
    def quantity(self) -> int:
        raise NotImplementedError

    @strawberry.field(description="The variant bought, as the catalog has it now.")
    def merchandise(self) -> ProductVariant:
        raise NotImplementedError

    @strawberry.field(description="What the line costs at today's price.")
    def cost(self) -> CartLineCost:
        raise NotImplementedError

    @strawberry.field(description="Discounts taken off this line, per code.")
    def discount_allocations(self) -> list[CartCodeDiscountAllocation]:
        raise NotImplementedError

    @strawberry.field(description="The line's attributes.")
    def attributes(self) -> list[Attribute]:
        raise NotImplementedError


@strawberry.type(description="A line of a cart: a variant and how many of it.")
class CartLine(BaseCartLine):
    priced_line: strawberry.Private[pricing.PricedLine]

    @strawberry.field(description="Global id of the line.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(line_global_id(self.priced_line.line))

    @strawberry.field(description="How many of the variant.")
    def quantity(self) -> int:
        return self.priced_line.line.quantity

    @strawberry.field(description="The variant bought, as the catalog has it now.")
    def merchandise(self) -> ProductVariant:
        return self.priced_line.variant  # type: ignore[return-value]

    @strawberry.field(description="What the line costs at today's price.")
    def cost(self) -> CartLineCost:
        p = self.priced_line
        return CartLineCost(
            amount_per_quantity=p.amount_per_quantity,  # type: ignore[arg-type]
            compare_at_amount_per_quantity=p.compare_at_amount_per_quantity,  # type: ignore[arg-type]
            subtotal_amount=p.subtotal,  # type: ignore[arg-type]
            total_amount=p.total,  # type: ignore[arg-type]
        )

    @strawberry.field(description="Discounts taken off this line, per code.")
    def discount_allocations(self) -> list[CartCodeDiscountAllocation]:
        return [CartCodeDiscountAllocation.of(s) for s in self.priced_line.discounts]

    @strawberry.field(description="The line's attributes.")
    def attributes(self) -> list[Attribute]:
        return list(self.priced_line.line.attributes)  # type: ignore[arg-type]


@strawberry.type(
    description=(
        "A bundle's line, made of component lines (Shopify's type). This store sells no bundles: no cart holds "
        "one, and a document's fragment on it selects nothing."
    )
)
class ComponentizableCartLine(BaseCartLine):
    # No cart holds a bundle's line, so its components are never read: they cost nothing (bff/graphql/cost.py).
    @strawberry.field(description="The bundle's component lines.", metadata=field_cost(assumed_size=0))
    def line_components(self) -> list[CartLine]:
        raise NotImplementedError
