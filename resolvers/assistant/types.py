"""Assistant answer types: messages, the interpreted intent and slots, the dialog state, and typed cards."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from bff.context import Info
from bff.domain.assistant import AssistantErrorCode
from bff.domain.stores import is_open
from bff.ids import to_global_id
from bff.services import assistant_cards as cards
from resolvers.user_errors import error_code_enum

if TYPE_CHECKING:
    from resolvers.catalog.types import Product

    AssistantErrorCodeEnum = AssistantErrorCode
else:
    AssistantErrorCodeEnum = error_code_enum(
        AssistantErrorCode, "AssistantErrorCode", "Why a message to the assistant was refused."
    )

ProductRef = Annotated["Product", strawberry.lazy("resolvers.catalog.types")]


@strawberry.type(description="What the assistant understood the shopper to want.")
class AssistantIntent:
    name: str = strawberry.field(description="Intent name from the bot definition, e.g. `OrderStatus`.")
    confidence: float | None = strawberry.field(description="0-1, how sure the assistant is; null when unknown.")


@strawberry.type(description="A slot of the intent and the value read from the conversation.")
class AssistantSlot:
    name: str = strawberry.field(description="Slot name from the bot definition, e.g. `orderNumber`.")
    value: str | None = strawberry.field(description="The interpreted value; null while not given.")


@strawberry.type(description="Where the dialog stands (Amazon Lex V2's dialog state).")
class AssistantSessionState:
    session_id: str | None = strawberry.field(description="Send it back as `sessionId` to go on (guests).")
    dialog_action: str = strawberry.field(description="`ElicitSlot`, `ElicitIntent`, `Close`, ...")
    slot_to_elicit: str | None = strawberry.field(description="The slot the assistant just asked for.")
    intent_state: str | None = strawberry.field(description="`InProgress`, `ReadyForFulfillment`, `Failed`, ...")


@strawberry.type(description="A product the assistant suggests.")
class AssistantProductCard:
    card: strawberry.Private[cards.ProductCard]

    @strawberry.field(description="The product (null when it has just left the catalog).")
    async def product(self, info: Info) -> ProductRef | None:
        return await info.context.loaders.product_by_id.load(self.card.product_id)  # type: ignore[return-value]


@strawberry.type(description="The status of one of the signed-in customer's orders.")
class AssistantOrderStatusCard:
    order_number: str = strawberry.field(description='The order\'s name, its number after a "#" (`Order.name`).')
    status: str = strawberry.field(description="Where the order is: an `OrderStatus` value, e.g. `PAID`.")


@strawberry.type(description="A store near the place the shopper named.")
class AssistantStoreCard:
    card: strawberry.Private[cards.StoreCard]

    @strawberry.field(description="Global id of the store (for `store(id:)`).")
    def store_id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Store", self.card.store.id))

    @strawberry.field(description="Store name.")
    def name(self) -> str:
        return self.card.store.name

    @strawberry.field(description="The store's address on one line.")
    def address(self) -> str:
        return self.card.store.address.label()

    @strawberry.field(description="Straight-line distance from the named place, in km.")
    def distance_km(self) -> float:
        return self.card.distance_km

    @strawberry.field(description="Whether the store is open now, in its own time zone.")
    def open_now(self) -> bool:
        from datetime import UTC, datetime

        return is_open(self.card.store, datetime.now(UTC))


AssistantCard = Annotated[
    AssistantProductCard | AssistantOrderStatusCard | AssistantStoreCard,
    strawberry.union("AssistantCard", description="Something the assistant shows besides text."),
]


@strawberry.type(description="Why a message was refused; nothing was sent to the assistant.")
class AssistantUserError:
    field: list[str] | None = strawberry.field(description="Path to the input field at fault.")
    message: str = strawberry.field(description="What is wrong, for the shopper.")
    code: AssistantErrorCodeEnum = strawberry.field(description="What is wrong, for code.")


@strawberry.type(description="The assistant's answer to one message.")
class AssistantMessagePayload:
    messages: list[str] = strawberry.field(description="What the assistant says, in order.")
    intent: AssistantIntent | None = strawberry.field(description="The interpreted intent; null when none.")
    slots: list[AssistantSlot] = strawberry.field(description="The intent's slots and their values so far.")
    session_state: AssistantSessionState | None = strawberry.field(description="The dialog state; null when refused.")
    cards: list[AssistantCard] = strawberry.field(description="Products, an order status or stores to show.")
    user_errors: list[AssistantUserError] = strawberry.field(description="Why the message was refused, if it was.")
