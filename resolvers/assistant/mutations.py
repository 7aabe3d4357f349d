"""``AssistantMutation``: ``assistantMessage``, one message to the chat assistant (it moves the dialog on)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from bff.context import Info
from bff.domain.assistant import AssistantErrorCode
from bff.services import assistant_cards as cards
from bff.services.assistant import converse
from bff.services.stores import Geocoders
from resolvers.assistant.types import (
    AssistantCard,
    AssistantIntent,
    AssistantMessagePayload,
    AssistantOrderStatusCard,
    AssistantProductCard,
    AssistantSessionState,
    AssistantSlot,
    AssistantStoreCard,
    AssistantUserError,
)


@strawberry.input(description="One message from the shopper.")
class AssistantMessageInput:
    text: str = strawberry.field(description="What the shopper wrote (1 to 1,024 characters).")
    session_id: str | None = strawberry.field(
        default=None,
        description="A guest's dialog to go on with (from `sessionState.sessionId`); signed-in "
        "customers have one dialog and need none.",
    )


def _card(card: cards.Card) -> AssistantCard:
    if isinstance(card, cards.ProductCard):
        return AssistantProductCard(card=card)
    if isinstance(card, cards.StoreCard):
        return AssistantStoreCard(card=card)
    return AssistantOrderStatusCard(order_number=card.order_number, status=card.status)


@strawberry.type
class AssistantMutation:
    @strawberry.mutation(
        description=(
            "Send a message to the shopping assistant: its answer, the intent and slots it understood, the "
            "dialog state, and cards (products, an order's status, stores). When the assistant is unavailable "
            "the answer is a fallback message with a `DEGRADED` warning."
        )
    )
    async def assistant_message(
        self, info: Info, input: Annotated[AssistantMessageInput, strawberry.argument(description="The message.")]
    ) -> AssistantMessagePayload:
        ctx = info.context
        backends = ctx.backends
        sources = cards.CardSources(
            search=backends.search,
            stores=backends.stores,
            geocoders=Geocoders(backends.geocoder, backends.fallback_geocoder),
            orders=cards.StoreOrderLookup(backends.orders.orders),
        )
        reply = await converse(
            backends.assistant,
            sources,
            ctx.user,
            input.text,
            input.session_id,
            max_chars=ctx.settings.assistant_max_text_chars,
        )
        turn = reply.turn
        if turn is None:
            errors = [
                AssistantUserError(field=list(p.field), message=p.message, code=AssistantErrorCode[p.code.name])
                for p in reply.problems
            ]
            return AssistantMessagePayload(
                messages=[], intent=None, slots=[], session_state=None, cards=[], user_errors=errors
            )
        return AssistantMessagePayload(
            messages=list(reply.messages),
            intent=AssistantIntent(name=turn.intent.name, confidence=turn.intent.confidence) if turn.intent else None,
            slots=[AssistantSlot(name=k, value=v) for k, v in turn.slots.items()],
            session_state=AssistantSessionState(
                session_id=reply.session_id,
                dialog_action=turn.dialog_action,
                slot_to_elicit=turn.slot_to_elicit,
                intent_state=turn.intent_state,
            ),
            cards=[_card(c) for c in reply.cards],
            user_errors=[],
        )
