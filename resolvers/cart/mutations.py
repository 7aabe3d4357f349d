"""``CartMutation``: Shopify's cart mutations, each answering ``{ cart, userErrors, warnings }``.

Thin: input -> domain change -> service (``bff.services.cart_edit``, ``cart_identity``) -> payload. A refused
change answers userErrors with a code and writes nothing; a cart of another customer is ``FORBIDDEN``.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from bff.context import Context, Info
from bff.domain.cart import MergeStrategy
from bff.domain.cart_change import CartErrorCode
from bff.domain.error_codes import Problem
from bff.domain.identity import Identity
from bff.errors import Unauthenticated
from bff.services.cart_edit import CartResult
from bff.services.cart_identity import BuyerIdentityChange, NewCart, create_cart, update_buyer_identity
from resolvers.cart.access import editor
from resolvers.cart.inputs import AttributeInput, CartBuyerIdentityInput, CartInput, CartLineInput, CartLineUpdateInput
from resolvers.cart.inputs import attributes as to_attributes
from resolvers.cart.types import Cart, CartUserError, CartWarning

CartId = Annotated[strawberry.ID, strawberry.argument(description="The cart's id.")]


@strawberry.type(description="What every cart mutation answers.")
class CartPayload:
    cart: Cart | None = strawberry.field(description="The cart as changed; null when the change was refused.")
    user_errors: list[CartUserError] = strawberry.field(description="Why the change was refused, if it was.")
    warnings: list[CartWarning] = strawberry.field(
        description="What the server adjusted (stock) or noticed (price changes); the change was made."
    )


@strawberry.type(description="The result of `cartCreate`.")
class CartCreatePayload(CartPayload):
    pass


@strawberry.type(description="The result of `cartLinesAdd`.")
class CartLinesAddPayload(CartPayload):
    pass


@strawberry.type(description="The result of `cartLinesUpdate`.")
class CartLinesUpdatePayload(CartPayload):
    pass


@strawberry.type(description="The result of `cartLinesRemove`.")
class CartLinesRemovePayload(CartPayload):
    pass


@strawberry.type(description="The result of `cartDiscountCodesUpdate`.")
class CartDiscountCodesUpdatePayload(CartPayload):
    pass


@strawberry.type(description="The result of `cartBuyerIdentityUpdate`.")
class CartBuyerIdentityUpdatePayload(CartPayload):
    pass


@strawberry.type(description="The result of `cartNoteUpdate`.")
class CartNoteUpdatePayload(CartPayload):
    pass


@strawberry.type(description="The result of `cartAttributesUpdate`.")
class CartAttributesUpdatePayload(CartPayload):
    pass


def _errors(problems: list[Problem]) -> list[CartUserError]:
    return [CartUserError(field=list(p.field), message=p.message, code=CartErrorCode[p.code.name]) for p in problems]


async def _payload(ctx: Context, result: CartResult, kind: type[CartPayload]) -> CartPayload:
    if result.cart is None:
        return kind(cart=None, user_errors=_errors(result.problems), warnings=[])
    ctx.loaders.cart_by_id.prime(result.cart.id, result.cart, force=True)
    cart = Cart.of(result.cart, ctx)
    notices = [*result.notices, *(await cart.pricing.get()).notices]
    return kind(cart=cart, user_errors=[], warnings=[CartWarning.of(n) for n in notices])


async def _buyer(ctx: Context, given: CartBuyerIdentityInput | None) -> BuyerIdentityChange | Problem:
    if given is None:
        return BuyerIdentityChange()
    customer: Identity | None = None
    if given.customer_access_token is not None:
        try:
            customer = await ctx.backends.token_verifier.verify(given.customer_access_token)
        except Unauthenticated:
            field = ("buyerIdentity", "customerAccessToken")
            return Problem(field, "the token is invalid or has expired", CartErrorCode.INVALID)
    return BuyerIdentityChange(given.email, given.country_code, given.phone, customer)


@strawberry.type
class CartMutation:
    @strawberry.mutation(description="Create a cart; its id is its access right until a customer attaches it.")
    async def cart_create(
        self,
        info: Info,
        input: Annotated[CartInput | None, strawberry.argument(description="The cart's contents.")] = None,
    ) -> CartCreatePayload:
        ctx, given = info.context, input or CartInput()
        buyer = await _buyer(ctx, given.buyer_identity)
        if isinstance(buyer, Problem):
            return CartCreatePayload(cart=None, user_errors=_errors([buyer]), warnings=[])
        new = NewCart(
            lines=tuple(line.to_domain() for line in given.lines or ()),
            note=given.note,
            attributes=to_attributes(given.attributes),
            discount_codes=tuple(given.discount_codes or ()),
            buyer=buyer,
        )
        return await _payload(ctx, await create_cart(editor(ctx), new), CartCreatePayload)  # type: ignore[return-value]

    @strawberry.mutation(description="Add lines; a variant already on a line with the same attributes adds to it.")
    async def cart_lines_add(
        self,
        info: Info,
        cart_id: CartId,
        lines: Annotated[list[CartLineInput], strawberry.argument(description="Lines to add.")],
    ) -> CartLinesAddPayload:
        result = await editor(info.context).add_lines(cart_id, [line.to_domain() for line in lines])
        return await _payload(info.context, result, CartLinesAddPayload)  # type: ignore[return-value]

    @strawberry.mutation(description="Change lines' quantities (0 removes), variants or attributes.")
    async def cart_lines_update(
        self,
        info: Info,
        cart_id: CartId,
        lines: Annotated[list[CartLineUpdateInput], strawberry.argument(description="Changes to lines.")],
    ) -> CartLinesUpdatePayload:
        result = await editor(info.context).update_lines(cart_id, [line.to_domain() for line in lines])
        return await _payload(info.context, result, CartLinesUpdatePayload)  # type: ignore[return-value]

    @strawberry.mutation(description="Remove lines.")
    async def cart_lines_remove(
        self,
        info: Info,
        cart_id: CartId,
        line_ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids of the lines.")],
    ) -> CartLinesRemovePayload:
        result = await editor(info.context).remove_lines(cart_id, list(line_ids))
        return await _payload(info.context, result, CartLinesRemovePayload)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Replace the cart's discount codes; a code that does not apply stays, not applicable."
    )
    async def cart_discount_codes_update(
        self,
        info: Info,
        cart_id: CartId,
        discount_codes: Annotated[
            list[str] | None, strawberry.argument(description="The codes (an empty list or null removes all).")
        ] = None,
    ) -> CartDiscountCodesUpdatePayload:
        result = await editor(info.context).set_discount_codes(cart_id, discount_codes or [])
        return await _payload(info.context, result, CartDiscountCodesUpdatePayload)  # type: ignore[return-value]

    @strawberry.mutation(description="Set who is buying; a customer token attaches the cart to that customer.")
    async def cart_buyer_identity_update(
        self,
        info: Info,
        cart_id: CartId,
        buyer_identity: Annotated[CartBuyerIdentityInput, strawberry.argument(description="Who is buying.")],
    ) -> CartBuyerIdentityUpdatePayload:
        ctx = info.context
        buyer = await _buyer(ctx, buyer_identity)
        if isinstance(buyer, Problem):
            return CartBuyerIdentityUpdatePayload(cart=None, user_errors=_errors([buyer]), warnings=[])
        strategy = MergeStrategy(ctx.settings.cart_merge_strategy)
        result = await update_buyer_identity(editor(ctx), cart_id, buyer, strategy)
        return await _payload(ctx, result, CartBuyerIdentityUpdatePayload)  # type: ignore[return-value]

    @strawberry.mutation(description="Set the note for the merchant.")
    async def cart_note_update(
        self, info: Info, cart_id: CartId, note: Annotated[str, strawberry.argument(description="The note.")]
    ) -> CartNoteUpdatePayload:
        result = await editor(info.context).set_note(cart_id, note)
        return await _payload(info.context, result, CartNoteUpdatePayload)  # type: ignore[return-value]

    @strawberry.mutation(description="Replace the cart's attributes.")
    async def cart_attributes_update(
        self,
        info: Info,
        cart_id: CartId,
        attributes: Annotated[list[AttributeInput], strawberry.argument(description="The attributes.")],
    ) -> CartAttributesUpdatePayload:
        result = await editor(info.context).set_attributes(cart_id, to_attributes(attributes))
        return await _payload(info.context, result, CartAttributesUpdatePayload)  # type: ignore[return-value]
