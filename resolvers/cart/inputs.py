"""Inputs of the cart mutations, with Shopify's names; none of them carries a price."""

from __future__ import annotations

import strawberry

from bff.domain.cart import Attribute
from bff.domain.cart_change import LineAdd, LineUpdate


@strawberry.input(description="A key-value pair for a cart or a line.")
class AttributeInput:
    key: str = strawberry.field(description="The attribute's key.")
    value: str = strawberry.field(description="The attribute's value.")


def attributes(given: list[AttributeInput] | None) -> tuple[Attribute, ...]:
    return tuple(Attribute(a.key, a.value) for a in given or ())


@strawberry.input(description="A line to add: a variant and how many of it.")
class CartLineInput:
    merchandise_id: strawberry.ID = strawberry.field(description="Global id of the product variant.")
    quantity: int = strawberry.field(default=1, description="How many (at least 1).")
    attributes: list[AttributeInput] | None = strawberry.field(default=None, description="The line's attributes.")

    def to_domain(self) -> LineAdd:
        return LineAdd(self.merchandise_id, self.quantity, attributes(self.attributes))


@strawberry.input(description="A change to a line; fields left out keep their value.")
class CartLineUpdateInput:
    id: strawberry.ID = strawberry.field(description="Global id of the line.")
    quantity: int | None = strawberry.field(default=None, description="New quantity; 0 removes the line.")
    merchandise_id: strawberry.ID | None = strawberry.field(default=None, description="Another variant for the line.")
    attributes: list[AttributeInput] | None = strawberry.field(default=None, description="New attributes (replace).")

    def to_domain(self) -> LineUpdate:
        given = None if self.attributes is None else attributes(self.attributes)
        return LineUpdate(self.id, self.quantity, self.merchandise_id, given)


@strawberry.input(description="Who is buying; fields left out keep their value.")
class CartBuyerIdentityInput:
    email: str | None = strawberry.field(default=None, description="The buyer's email address.")
    country_code: str | None = strawberry.field(default=None, description="The buyer's country (ISO 3166-1 alpha-2).")
    phone: str | None = strawberry.field(default=None, description="The buyer's phone number (E.164, `+4420...`).")
    customer_access_token: str | None = strawberry.field(
        default=None,
        description=(
            "A signed-in customer's token: attaches the cart to them (merging it with the cart they already "
            "have, see the docs); from then on only they may use it."
        ),
    )


@strawberry.input(description="A new cart's contents.")
class CartInput:
    lines: list[CartLineInput] | None = strawberry.field(default=None, description="Lines to start with.")
    note: str | None = strawberry.field(default=None, description="A note for the merchant.")
    attributes: list[AttributeInput] | None = strawberry.field(default=None, description="The cart's attributes.")
    discount_codes: list[str] | None = strawberry.field(default=None, description="Discount codes to apply.")
    buyer_identity: CartBuyerIdentityInput | None = strawberry.field(default=None, description="Who is buying.")
