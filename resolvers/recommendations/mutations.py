"""``trackInteractions``: what shoppers do, queued for the recommenders without adding latency."""

from __future__ import annotations

from typing import Annotated

import strawberry

from bff.context import Info
from bff.domain.recommendations import EventType, RecommendationErrorCode
from bff.services.recommend_events import InteractionDraft, track_interactions
from resolvers.recommendations.types import InteractionInput, InteractionUserError, TrackInteractionsPayload


@strawberry.type
class RecommendationsMutation:
    @strawberry.mutation(
        description=(
            "Record what the shopper did (at most 100 events): sent to the recommender in the background, so "
            "this answers at once. An anonymous shopper must pass `sessionId`."
        )
    )
    async def track_interactions(
        self,
        info: Info,
        events: Annotated[list[InteractionInput], strawberry.argument(description="The interactions, oldest first.")],
        session_id: Annotated[
            str | None,
            strawberry.argument(description="The anonymous shopper's session id (1-64 of A-Z, 0-9, `_.:-`)."),
        ] = None,
    ) -> TrackInteractionsPayload:
        ctx = info.context
        drafts = [
            InteractionDraft(
                event_type=EventType[e.type.name],
                product_global_id=e.product_id,
                event_id=e.event_id,
                properties=tuple((p.name, p.value) for p in e.properties or ()),
            )
            for e in events
        ]
        user = ctx.user.subject if ctx.user else None
        accepted, problems = track_interactions(ctx.backends.interactions, drafts, user, session_id)
        errors = [
            InteractionUserError(field=list(p.field), message=p.message, code=RecommendationErrorCode[p.code.name])
            for p in problems
        ]
        return TrackInteractionsPayload(accepted=accepted, user_errors=errors)
