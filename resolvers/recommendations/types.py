"""GraphQL types of recommendations and interactions."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from bff.domain.recommendations import EventType, Intent, RecommendationErrorCode, Source
from resolvers.user_errors import error_code_enum

if TYPE_CHECKING:
    from resolvers.catalog.types import Product

    RecommendationUserErrorCode = RecommendationErrorCode
else:
    RecommendationUserErrorCode = error_code_enum(
        RecommendationErrorCode, "RecommendationUserErrorCode", "Why interactions were refused."
    )

ProductRef = Annotated["Product", strawberry.lazy("resolvers.catalog.types")]


@strawberry.enum(description="What `productRecommendations` suggests. (Shopify Storefront API)")
class ProductRecommendationIntent(enum.Enum):
    RELATED = strawberry.enum_value(
        Intent.RELATED, description="Products like this one: seen and bought by the same shoppers."
    )
    COMPLEMENTARY = strawberry.enum_value(
        Intent.FREQUENTLY_BOUGHT_TOGETHER, description="Products that go with this one: bought in the same basket."
    )


@strawberry.enum(description="What a recommendation list is for.")
class RecommendationIntent(enum.Enum):
    FOR_YOU = strawberry.enum_value(
        Intent.FOR_YOU,
        description="Picked for this shopper (signed in: their history; anonymous: the session's recent views).",
    )
    POPULAR = strawberry.enum_value(Intent.POPULAR, description="What shoppers interact with most lately.")
    RELATED = strawberry.enum_value(
        Intent.RELATED, description="Products seen and bought by the same shoppers as `productId` (needs it)."
    )
    FREQUENTLY_BOUGHT_TOGETHER = strawberry.enum_value(
        Intent.FREQUENTLY_BOUGHT_TOGETHER, description="Products bought in the same basket as `productId` (needs it)."
    )
    RECENTLY_VIEWED = strawberry.enum_value(
        Intent.RECENTLY_VIEWED, description="What this shopper (or session) viewed, newest first, sold out or not."
    )


@strawberry.enum(description="The recipe that chose a list, so a storefront can measure each one.")
class RecommendationSource(enum.Enum):
    PERSONALIZE = strawberry.enum_value(Source.PERSONALIZE, description="Amazon Personalize.")
    EMBEDDED_MODEL = strawberry.enum_value(
        Source.EMBEDDED_MODEL, description="The embedded model (item-item neighbours, ALS)."
    )
    POPULAR = strawberry.enum_value(Source.POPULAR, description="Popular products (the fallback for new shoppers).")
    SAME_CATEGORY = strawberry.enum_value(
        Source.SAME_CATEGORY, description="Popular products of the same category (the fallback for new products)."
    )
    HISTORY = strawberry.enum_value(Source.HISTORY, description="The shopper's own history.")
    NONE = strawberry.enum_value(Source.NONE, description="Nothing to recommend: the list is empty.")


@strawberry.type(description="A recommendation list and the recipe that served it.")
class Recommendations:
    source: RecommendationSource = strawberry.field(description="Which recipe chose these products.")
    items: list[ProductRef] = strawberry.field(description="The products, best first.")
    recommendation_id: str | None = strawberry.field(
        description="Personalize's id of this list, to send back with the interactions it leads to."
    )


@strawberry.enum(description="What a shopper did with a product.")
class InteractionType(enum.Enum):
    VIEW = strawberry.enum_value(EventType.VIEW, description="Looked at the product's page.")
    ADD_TO_CART = strawberry.enum_value(EventType.ADD_TO_CART, description="Added it to the cart.")
    REMOVE_FROM_CART = strawberry.enum_value(EventType.REMOVE_FROM_CART, description="Removed it from the cart.")
    PURCHASE = strawberry.enum_value(EventType.PURCHASE, description="Bought it.")


@strawberry.input(description="A name and value sent along with an interaction.")
class InteractionPropertyInput:
    name: str = strawberry.field(description="Property name (1-256 characters).")
    value: str = strawberry.field(description="Property value (1-256 characters).")


@strawberry.input(description="One interaction of the shopper with a product.")
class InteractionInput:
    type: InteractionType = strawberry.field(description="What the shopper did.")
    product_id: strawberry.ID = strawberry.field(description="Global id of the product.")
    event_id: str | None = strawberry.field(
        default=None, description="The client's id of the event (1-256 characters), to deduplicate."
    )
    properties: list[InteractionPropertyInput] | None = strawberry.field(
        default=None, description="At most 10 extra fields (e.g. the `recommendationId` the product came from)."
    )


@strawberry.type(description="Why interactions were refused; none of the batch was recorded.")
class InteractionUserError:
    field: list[str] | None = strawberry.field(description="Path to the input field at fault.")
    message: str = strawberry.field(description="What is wrong.")
    code: RecommendationUserErrorCode = strawberry.field(description="What is wrong, for code.")


@strawberry.type(description="The result of `trackInteractions`.")
class TrackInteractionsPayload:
    accepted: int = strawberry.field(
        description="Events queued for recording (fewer than sent only when the server is shedding load)."
    )
    user_errors: list[InteractionUserError] = strawberry.field(description="Why the batch was refused, if it was.")
