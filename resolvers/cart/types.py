"""``Cart`` and what it holds, priced from today's catalog each time it is read (``bff.services.cart_pricing``)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING

import strawberry

from bff.context import Context, Info
from bff.domain import cart as domain
from bff.domain import cart_pricing as pricing
from bff.domain.cart_change import CartErrorCode, CartWarningCode, Notice
from bff.ids import to_global_id
from bff.services.cart_discounts import discounts_for
from bff.services.cart_pricing import priced
from bff.services.checkout_links import checkout_url, link_secret
from resolvers.cart.lines import Attribute, BaseCartLine, CartCodeDiscountAllocation, CartLine
from resolvers.common import Money, Node
from resolvers.connection import Connection, known_count
from resolvers.pagination import (
    After,
    Before,
    ConnectionArgs,
    First,
    Last,
    edges_and_page_info,
    page_request,
    slice_list,
)
from resolvers.user_errors import error_code_enum

if TYPE_CHECKING:
    CartErrorCodeEnum = CartErrorCode
    CartWarningCodeEnum = CartWarningCode
else:
    CartErrorCodeEnum = error_code_enum(CartErrorCode, "CartErrorCode", "Why a cart change was refused.")
    CartWarningCodeEnum = error_code_enum(
        CartWarningCode, "CartWarningCode", "What the server adjusted or noticed while changing or reading a cart."
    )


@strawberry.type(description="Why a cart change was refused; nothing was written.")
class CartUserError:
    field: list[str] | None = strawberry.field(description="Path to the input field at fault.")
    message: str = strawberry.field(description="What is wrong, for the person who made the change.")
    code: CartErrorCodeEnum | None = strawberry.field(description="What is wrong, for code.")


@strawberry.type(description="Something the server adjusted (stock) or noticed (a price change); the change was made.")
class CartWarning:
    code: CartWarningCodeEnum = strawberry.field(description="What happened, for code.")
    message: str = strawberry.field(description="What happened, for people.")
    target: strawberry.ID = strawberry.field(description="Global id of the line (or the variant) concerned.")

    @classmethod
    def of(cls, notice: Notice) -> CartWarning:
        return cls(code=notice.code, message=notice.message, target=strawberry.ID(notice.target))


@strawberry.type(description="A discount code on the cart and whether it applies to it now.")
class CartDiscountCode:
    code: str = strawberry.field(description="The code as entered.")
    applicable: bool = strawberry.field(description="Whether the code applies to the cart as it is now.")


@strawberry.type(description="A gift card applied to a cart (Shopify's type; this store takes no gift cards).")
class AppliedGiftCard:
    id: strawberry.ID = strawberry.field(description="The gift card's id.")
    last_characters: str = strawberry.field(description="The card code's last four characters.")
    amount_used: Money = strawberry.field(description="What the card pays of this cart.")
    balance: Money = strawberry.field(description="What is left on the card.")


@strawberry.type(description="What the cart costs at today's prices.")
class CartCost:
    subtotal_amount: Money = strawberry.field(description="The lines' amounts before cart-level discounts.")
    total_amount: Money = strawberry.field(description="What the buyer pays, every discount taken off.")
    total_tax_amount: Money | None = strawberry.field(description="Tax; null: computed at checkout, not here.")
    total_duty_amount: Money | None = strawberry.field(
        description="Import duties (Shopify's field); null: the store charges none on top of its prices."
    )
    checkout_charge_amount: Money = strawberry.field(description="What is charged at checkout (the total).")


@strawberry.type(description="The signed-in customer a cart is attached to, as their token names them.")
class CartCustomer:
    id: strawberry.ID = strawberry.field(description="Stable id of the customer (the token's subject).")
    email: str | None = strawberry.field(description="Email address, when the token carries one.")
    display_name: str = strawberry.field(description="Name to greet the customer with.")
    first_name: str | None = strawberry.field(description="Given name; null: the sign-in does not hold it.")
    last_name: str | None = strawberry.field(description="Family name; null: the sign-in does not hold it.")


@strawberry.type(description="Who is buying: contact details, and whether the cart belongs to a signed-in customer.")
class CartBuyerIdentity:
    email: str | None = strawberry.field(description="The buyer's email address.")
    phone: str | None = strawberry.field(description="The buyer's phone number (E.164).")
    country_code: str | None = strawberry.field(description="The buyer's country (ISO 3166-1 alpha-2).")
    signed_in: bool = strawberry.field(description="Whether the cart is attached to a signed-in customer.")
    customer: CartCustomer | None = strawberry.field(
        description="The customer the cart is attached to, when they are the one asking; null for a guest cart."
    )


class Pricing:
    """A cart's price for one response, computed once however many fields ask."""

    __slots__ = ("_ctx", "_record", "_task")

    def __init__(self, record: domain.Cart, ctx: Context) -> None:
        self._record = record
        self._ctx = ctx
        self._task: asyncio.Future[pricing.PricedCart] | None = None

    async def get(self) -> pricing.PricedCart:
        if self._task is None:
            loaders = self._ctx.loaders
            discounts = discounts_for(
                self._ctx.backends.discounts, loaders.product_by_id.load_many, loaders.category_by_id.load_many
            )
            self._task = asyncio.ensure_future(priced(self._record, loaders.variant_by_id.load_many, discounts))
        return await self._task


@strawberry.type(description="A shopping cart: lines of variants, priced by the server at today's prices.")
class Cart(Node):
    record: strawberry.Private[domain.Cart]
    pricing: strawberry.Private[Pricing]

    @classmethod
    def of(cls, record: domain.Cart, ctx: Context) -> Cart:
        return cls(id=strawberry.ID(to_global_id("Cart", record.id)), record=record, pricing=Pricing(record, ctx))

    # Costed as every connection is: by `first`/`last`, else the default page size (bff/graphql/cost.py).
    @strawberry.field(description="The cart's lines (at most the page-size cap per page).")
    async def lines(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[BaseCartLine]:
        ctx = info.context
        priced_lines = (await self.pricing.get()).lines
        lines: list[BaseCartLine] = [CartLine(priced_line=p) for p in priced_lines]
        listing = f"cart-lines:{self.record.id}"
        args = ConnectionArgs(first, after, last, before)
        page = slice_list(ctx, lines, [p.line.id for p in priced_lines], args, listing)
        edges, page_info = edges_and_page_info(ctx, page, page_request(ctx, args, listing), listing)
        return Connection(edges=edges, page_info=page_info, count=known_count(len(lines)))

    @strawberry.field(description="Units over all lines.")
    async def total_quantity(self) -> int:
        return (await self.pricing.get()).total_quantity

    @strawberry.field(description="What the cart costs at today's prices, discounts taken off.")
    async def cost(self) -> CartCost:
        p = await self.pricing.get()
        return CartCost(
            subtotal_amount=p.subtotal,  # type: ignore[arg-type]
            total_amount=p.total,  # type: ignore[arg-type]
            total_tax_amount=None,
            total_duty_amount=None,
            checkout_charge_amount=p.total,  # type: ignore[arg-type]
        )

    @strawberry.field(description="The discount codes entered, each with whether it applies now.")
    async def discount_codes(self) -> list[CartDiscountCode]:
        return [CartDiscountCode(code=c, applicable=a) for c, a in (await self.pricing.get()).discount_codes]

    @strawberry.field(description="Discounts taken off the whole cart (line discounts are on each line).")
    async def discount_allocations(self) -> list[CartCodeDiscountAllocation]:
        return [CartCodeDiscountAllocation.of(s) for s in (await self.pricing.get()).order_discounts]

    @strawberry.field(description="What the server noticed about the cart as read now (prices that changed).")
    async def warnings(self) -> list[CartWarning]:
        return [CartWarning.of(n) for n in (await self.pricing.get()).notices]

    @strawberry.field(description="Gift cards applied (Shopify's field): always empty, this store takes none.")
    def applied_gift_cards(self) -> list[AppliedGiftCard]:
        return []

    @strawberry.field(description="Who is buying.")
    def buyer_identity(self, info: Info) -> CartBuyerIdentity:
        r, user = self.record, info.context.user
        customer = None
        if user is not None and r.customer_id is not None and user.subject == r.customer_id:
            customer = CartCustomer(
                id=strawberry.ID(user.subject),
                email=user.email,
                display_name=user.username,
                first_name=None,
                last_name=None,
            )
        return CartBuyerIdentity(
            email=r.email,
            phone=r.phone,
            country_code=r.country_code,
            signed_in=r.customer_id is not None,
            customer=customer,
        )

    @strawberry.field(
        description=(
            "The hosted checkout page for this cart (absolute URL, Shopify's field): email, address, delivery "
            "and payment, then the order's status page. The link holds a key made for this cart."
        )
    )
    def checkout_url(self, info: Info) -> str:
        ctx = info.context
        settings = ctx.settings
        secret = link_secret(settings.cursor_secret.get_secret_value())
        return checkout_url(settings.checkout_base_url or ctx.origin, secret, self.record.id)

    @strawberry.field(description="A note for the merchant.")
    def note(self) -> str | None:
        return self.record.note or None

    @strawberry.field(description="The cart's attributes.")
    def attributes(self) -> list[Attribute]:
        return list(self.record.attributes)  # type: ignore[arg-type]

    @strawberry.field(description="When the cart was created.")
    def created_at(self) -> datetime:
        return self.record.created_at

    @strawberry.field(description="When the cart last changed.")
    def updated_at(self) -> datetime:
        return self.record.updated_at
