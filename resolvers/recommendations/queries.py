"""``recommendations`` and ``Product.recommendations``: a list per intent, hydrated in one batch per request.

Every list a request asks for is one key of the request's recommendations loader (one pass of the fallback
chain for all of them, then the products of every list read in one catalog batch, never one lookup per item:
``bff.services.recommend.recommend_products``). The anchor product, sold-out products (except in
recently viewed) and what is in the shopper's cart (``cartId``) are left out.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import strawberry

from bff import privacy
from bff.context import Context, Info
from bff.domain import catalog as domain
from bff.domain.devices import recommendation_context
from bff.domain.recommendations import (
    MAX_RECOMMENDATIONS,
    SESSION_ID,
    Intent,
    RecommendationRequest,
    Source,
    keep,
)
from bff.errors import BadUserInput
from bff.field_cost import cost
from bff.ids import from_global_id
from bff.ownership import check_cart_owner, is_capability_id
from resolvers.recommendations.types import (
    ProductRecommendationIntent,
    ProductRef,
    RecommendationIntent,
    Recommendations,
    RecommendationSource,
)

DEFAULT_FIRST = 8
FirstArg = Annotated[int, strawberry.argument(description=f"How many products (1-{MAX_RECOMMENDATIONS}).")]
SessionArg = Annotated[
    str | None,
    strawberry.argument(
        description="The anonymous shopper's session id (1-64 of A-Z, 0-9, `_.:-`): its recent views shape the list."
    ),
]
CartArg = Annotated[
    strawberry.ID | None,
    strawberry.argument(description="The shopper's cart: its products are left out (all intents but RECENTLY_VIEWED)."),
]
IntentArg = Annotated[RecommendationIntent, strawberry.argument(description="What the list is for.")]
COST = cost(assumed_size=DEFAULT_FIRST, sized_fields=("items",))
# Shopify answers at most 10 products for `productRecommendations`.
SHOPIFY_RECOMMENDATIONS = 10
SHOPIFY_INTENTS = {"RELATED": "RELATED", "COMPLEMENTARY": "FREQUENTLY_BOUGHT_TOGETHER"}


def _check(first: int, session_id: str | None) -> None:
    if not 1 <= first <= MAX_RECOMMENDATIONS:
        raise BadUserInput(f"`first` must be between 1 and {MAX_RECOMMENDATIONS}", field="first")
    if session_id is not None and not SESSION_ID.match(session_id):
        raise BadUserInput("`sessionId`: 1-64 characters of A-Z, a-z, 0-9, `_.:-`", field="sessionId")


async def _cart_product_ids(ctx: Context, cart_id: strawberry.ID) -> frozenset[str]:
    """The products in the shopper's cart (left out of suggestions): the cart and its variants through the
    request's loaders, so a page that also shows the cart reads them once. A cart that is not there (expired)
    excludes nothing; another customer's is ``FORBIDDEN``, as everywhere."""
    _, key = from_global_id(cart_id, "Cart", field="cartId")
    if not is_capability_id(key):
        return frozenset()
    cart = await ctx.loaders.cart_by_id.load(key)
    if cart is None:
        return frozenset()
    check_cart_owner(ctx.user, cart.customer_id)
    variants = await ctx.loaders.variant_by_id.load_many(list(dict.fromkeys(line.variant_id for line in cart.lines)))
    return frozenset(v.product_id for v in variants if v is not None)


async def recommendation_list(
    ctx: Context,
    intent: RecommendationIntent,
    first: int,
    product: domain.Product | None,
    session_id: str | None,
    cart_id: strawberry.ID | None = None,
) -> Recommendations:
    _check(first, session_id)
    wanted = Intent[intent.name]
    if wanted.needs_product and product is None:
        raise BadUserInput(f"{intent.name} needs `productId`", field="productId")
    settings = ctx.settings
    if session_id is not None or cart_id is not None or settings.recommendation_device_context_key:
        # One shopper's list (their session's views, their cart) or one device's (Personalize's context
        # carries it): never stored in the public response cache, keyed by the document, not the device.
        privacy.mark_private()
    request = RecommendationRequest(
        intent=wanted,
        limit=first,
        user_id=ctx.user.subject if ctx.user else None,
        session_id=session_id,
        product_id=product.id if product else None,
        category_id=product.category_id if product else None,
        exclude=frozenset({product.id}) if product else frozenset(),
        context=recommendation_context(
            settings.recommendation_context, settings.recommendation_device_context_key, ctx.device
        ),
    )
    in_cart: frozenset[str] = frozenset()
    if cart_id is not None and wanted.excludes_cart:
        # The cart is read beside the recommender (its products are filtered after), so it adds no round.
        recommended, in_cart = await asyncio.gather(
            ctx.loaders.recommendations.load(request), _cart_product_ids(ctx, cart_id)
        )
    else:
        recommended = await ctx.loaders.recommendations.load(request)
    answer, found = recommended.answer, recommended.products  # (found: the products of every list of the batch)
    candidates = [i for i in answer.item_ids if i in found]
    sold_out = frozenset(i for i in candidates if not found[i].available_for_sale)
    shown = keep((i for i in candidates if i not in in_cart), request, sold_out)
    items = [found[i] for i in shown]
    ctx.loaders.product_by_id.prime_many({p.id: p for p in items})  # (an item's field loading it by id finds it)
    source = answer.source if shown else Source.NONE
    return Recommendations(
        source=RecommendationSource(source),
        items=items,  # type: ignore[arg-type]
        recommendation_id=answer.recommendation_id,
    )


async def _anchor(ctx: Context, product_id: strawberry.ID | None, product_handle: str | None) -> domain.Product | None:
    if (product_id is None) == (product_handle is None):
        raise BadUserInput("pass exactly one of `productId` or `productHandle`", field="productId")
    if product_id is not None:
        _, key = from_global_id(product_id, "Product", field="productId")
        return await ctx.loaders.product_by_id.load(key)
    if len(product_handle or "") > 255:
        raise BadUserInput("`productHandle` is longer than 255 characters", field="productHandle")
    return await ctx.loaders.product_by_handle.load(product_handle or "")


@strawberry.type
class ShopifyRecommendationsQuery:
    @strawberry.field(
        description=(
            "Up to 10 products related to or going with a product, from the recommender (a fallback serves when "
            "it is slow or down, named in `extensions.warnings`); null when there is no such product. "
            "(Shopify Storefront API)"
        ),
        metadata=cost(assumed_size=SHOPIFY_RECOMMENDATIONS),
    )
    async def product_recommendations(
        self,
        info: Info,
        product_id: Annotated[strawberry.ID | None, strawberry.argument(description="The product's id.")] = None,
        product_handle: Annotated[
            str | None, strawberry.argument(description="The product's handle (instead of `productId`).")
        ] = None,
        intent: Annotated[
            ProductRecommendationIntent, strawberry.argument(description="Related or complementary products.")
        ] = ProductRecommendationIntent.RELATED,
    ) -> list[ProductRef] | None:
        ctx = info.context
        product = await _anchor(ctx, product_id, product_handle)
        if product is None:
            return None
        wanted = RecommendationIntent[SHOPIFY_INTENTS[intent.name]]
        found = await recommendation_list(ctx, wanted, SHOPIFY_RECOMMENDATIONS, product, None)
        return found.items


@strawberry.type
class RecommendationsQuery(ShopifyRecommendationsQuery):
    @strawberry.field(
        description=(
            "Products recommended for an intent. When the recommender is slow or down, a fallback serves "
            "(`source` says which) and `extensions.warnings` names the `recommender`; null with an error only "
            "when the catalog itself is unavailable."
        ),
        metadata=COST,
    )
    async def recommendations(
        self,
        info: Info,
        intent: IntentArg,
        product_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The product the list is about (RELATED, FREQUENTLY_BOUGHT_TOGETHER)."),
        ] = None,
        first: FirstArg = DEFAULT_FIRST,
        session_id: SessionArg = None,
        cart_id: CartArg = None,
    ) -> Recommendations | None:
        ctx = info.context
        product = None
        if product_id is not None:
            _, key = from_global_id(product_id, "Product", field="productId")
            product = await ctx.loaders.product_by_id.load(key)
            if product is None:
                raise BadUserInput("no product has this id", field="productId")
        return await recommendation_list(ctx, intent, first, product, session_id, cart_id)


async def product_recommendations(
    root: strawberry.Parent[domain.Product],
    info: Info,
    intent: IntentArg = RecommendationIntent.RELATED,
    first: FirstArg = DEFAULT_FIRST,
    session_id: SessionArg = None,
    cart_id: CartArg = None,
) -> Recommendations | None:
    return await recommendation_list(info.context, intent, first, root, session_id, cart_id)
