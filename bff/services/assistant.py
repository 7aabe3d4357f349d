"""One message to the chat assistant: check it, pick the dialog's session, ask the bot, and fulfil what it
understood with cards (``bff/services/assistant_cards.py``).

Sessions: a signed-in customer has one dialog, keyed by a digest of their subject (never the subject itself);
a guest's dialog is keyed by the ``sessionId`` the client keeps (8-64 of ``[A-Za-z0-9_-]``; a new one is made
when none is given). The two never meet: ids are prefixed ``c-`` and ``g-``.

The assistant is optional: when it is slow or failing the answer is a friendly fallback message, with a
``DEGRADED`` warning in the response, never an error.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field

from bff import degradation
from bff.backends.assistant import Assistant
from bff.domain.assistant import CLOSE, FAILED, AssistantErrorCode, AssistantTurn
from bff.domain.error_codes import Problem
from bff.domain.identity import Identity
from bff.services.assistant_cards import Card, CardSources, fulfil

GUEST_SESSION = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
UNAVAILABLE_MESSAGE = (
    "Sorry, I can't chat right now. You can still search the shop, find a store on the store page, "
    "or see your orders in your account."
)


@dataclass(frozen=True, slots=True)
class AssistantReply:
    turn: AssistantTurn | None
    # What the client sends back as `sessionId` to go on with a guest dialog.
    session_id: str | None
    messages: tuple[str, ...] = ()
    cards: list[Card] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def session_for(user: Identity | None, client_session: str | None) -> tuple[str | None, str | None, Problem | None]:
    """(bot session id, session id for the client, problem)."""
    if user is not None:
        digest = hashlib.sha256(f"assistant:{user.subject}".encode()).hexdigest()[:40]
        return f"c-{digest}", client_session, None
    if client_session is None:
        client_session = secrets.token_urlsafe(18)
    if not GUEST_SESSION.match(client_session):
        problem = Problem(
            ("sessionId",), "sessionId: 8-64 letters, digits, '-' or '_'", AssistantErrorCode.INVALID_SESSION_ID
        )
        return None, None, problem
    return f"g-{client_session}", client_session, None


def check_text(text: str, max_chars: int) -> tuple[str, Problem | None]:
    cleaned = " ".join(text.split())
    if not cleaned:
        return "", Problem(("text",), "say something first", AssistantErrorCode.TEXT_EMPTY)
    if len(text) > max_chars:
        return "", Problem(("text",), f"at most {max_chars} characters", AssistantErrorCode.TEXT_TOO_LONG)
    return cleaned, None


async def converse(
    assistant: Assistant,
    sources: CardSources,
    user: Identity | None,
    text: str,
    client_session: str | None,
    *,
    max_chars: int,
) -> AssistantReply:
    message, problem = check_text(text, max_chars)
    session, client_id, session_problem = session_for(user, client_session)
    problems = [p for p in (problem, session_problem) if p is not None]
    if problems or session is None:
        return AssistantReply(None, None, problems=problems)

    def unavailable() -> AssistantTurn:
        return AssistantTurn(session, (UNAVAILABLE_MESSAGE,), None, dialog_action=CLOSE, intent_state=FAILED)

    turn = await degradation.degrade("assistant", lambda: assistant.recognize(session, message), unavailable)
    messages, cards = await fulfil(sources, turn, user)
    return AssistantReply(turn, client_id, (*turn.messages, *messages), cards)
