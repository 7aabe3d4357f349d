"""``track_interactions``: check a batch of shopper interactions and queue it (``InteractionBuffer``).

Checked whole: one bad event refuses the batch with a ``Problem`` per fault, nothing queued. A signed-in
shopper's events carry their subject; an anonymous one needs a session id (a signed-in one without a session
id gets one derived from the subject, as Personalize needs one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bff.backends.interaction_buffer import InteractionBuffer
from bff.domain.error_codes import Problem
from bff.domain.recommendations import (
    MAX_INTERACTIONS,
    EventType,
    Interaction,
    RecommendationErrorCode,
    check_properties,
    check_session_id,
)
from bff.errors import BadUserInput
from bff.ids import from_global_id


@dataclass(frozen=True, slots=True)
class InteractionDraft:
    event_type: EventType
    product_global_id: str
    event_id: str | None = None
    properties: tuple[tuple[str, str], ...] = ()


def track_interactions(
    buffer: InteractionBuffer, drafts: Sequence[InteractionDraft], user_id: str | None, session_id: str | None
) -> tuple[int, list[Problem]]:
    """How many events were queued, and why the batch was refused when it was."""
    problems = check_session_id(session_id, ("sessionId",))
    if len(drafts) > MAX_INTERACTIONS:
        problems.append(Problem(("events",), "too many events", RecommendationErrorCode.TOO_MANY_EVENTS))
    if user_id is None and session_id is None:
        problems.append(
            Problem(("sessionId",), "an anonymous shopper needs a session id", RecommendationErrorCode.NO_SHOPPER)
        )
    now = datetime.now(UTC)
    events: list[Interaction] = []
    for n, draft in enumerate(drafts[:MAX_INTERACTIONS]):
        try:
            _, item = from_global_id(draft.product_global_id, "Product")
        except BadUserInput:
            problems.append(
                Problem(("events", str(n), "productId"), "not a product id", RecommendationErrorCode.INVALID_PRODUCT_ID)
            )
            continue
        problems += check_properties(draft.properties, ("events", str(n), "properties"))
        if draft.event_id is not None and not 0 < len(draft.event_id) <= 256:
            problems.append(
                Problem(("events", str(n), "eventId"), "1-256 characters", RecommendationErrorCode.INVALID_EVENT_ID)
            )
        events.append(
            Interaction(
                session_id=session_id or f"user:{user_id}",
                item_id=item,
                event_type=draft.event_type,
                occurred_at=now,
                user_id=user_id,
                event_id=draft.event_id,
                properties=draft.properties,
            )
        )
    if problems:
        return 0, problems
    return buffer.offer(events), []
