"""Recommendations: what is asked (an intent, an anchor product, a shopper), what answers, and the rules.

No I/O here. A ``RecommendationRequest`` is hashable, so a request's DataLoader batches every list a page
asks for into one recommender call. ``Recommendations.source`` names the recipe that served the list, so a
storefront can measure which one did (``docs/recommendations.md``).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bff.domain.error_codes import ErrorCode, Problem

# A list holds at most this many items (`first`); a `trackInteractions` batch at most this many events.
MAX_RECOMMENDATIONS = 50
MAX_INTERACTIONS = 100
SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class Intent(enum.Enum):
    FOR_YOU = "FOR_YOU"
    POPULAR = "POPULAR"
    RELATED = "RELATED"
    FREQUENTLY_BOUGHT_TOGETHER = "FREQUENTLY_BOUGHT_TOGETHER"
    RECENTLY_VIEWED = "RECENTLY_VIEWED"

    @property
    def needs_product(self) -> bool:
        """Related and bought-together lists are about one product."""
        return self in (Intent.RELATED, Intent.FREQUENTLY_BOUGHT_TOGETHER)

    @property
    def excludes_cart(self) -> bool:
        """Lists that suggest something new leave out what the shopper already has in the cart."""
        return self is not Intent.RECENTLY_VIEWED

    @property
    def in_stock_only(self) -> bool:
        """Recently viewed shows what was seen, sold out or not; the others suggest what can be bought."""
        return self is not Intent.RECENTLY_VIEWED


class Source(enum.Enum):
    """The recipe that served a list."""

    PERSONALIZE = "PERSONALIZE"
    EMBEDDED_MODEL = "EMBEDDED_MODEL"
    POPULAR = "POPULAR"
    SAME_CATEGORY = "SAME_CATEGORY"
    HISTORY = "HISTORY"
    NONE = "NONE"


class EventType(enum.Enum):
    VIEW = "VIEW"
    ADD_TO_CART = "ADD_TO_CART"
    REMOVE_FROM_CART = "REMOVE_FROM_CART"
    PURCHASE = "PURCHASE"

    @property
    def personalize_name(self) -> str:
        """The event type as the Personalize interactions dataset names it (`View`, `AddToCart`, ...)."""
        return {"VIEW": "View", "ADD_TO_CART": "AddToCart", "REMOVE_FROM_CART": "RemoveFromCart"}.get(
            self.value, "Purchase"
        )


# How much one event says about a shopper's interest, for the embedded model (a removal says nothing).
EVENT_WEIGHTS: dict[EventType, float] = {
    EventType.VIEW: 1.0,
    EventType.ADD_TO_CART: 3.0,
    EventType.REMOVE_FROM_CART: 0.0,
    EventType.PURCHASE: 5.0,
}


@dataclass(frozen=True, slots=True)
class Interaction:
    """One thing a shopper did with a product. ``user_id`` is the signed-in shopper (token ``sub``), None
    for an anonymous one, who is known by ``session_id`` alone."""

    session_id: str
    item_id: str
    event_type: EventType
    occurred_at: datetime
    user_id: str | None = None
    event_id: str | None = None
    # Extra fields the shopper's client sent (e.g. `discount`), forwarded as Personalize's `properties`.
    properties: tuple[tuple[str, str], ...] = ()

    @property
    def shopper(self) -> str:
        """Who did it: the signed-in user, else the anonymous session."""
        return self.user_id or f"session:{self.session_id}"


@dataclass(frozen=True, slots=True)
class RecommendationRequest:
    """One list to fill. ``exclude`` holds ids that must not appear (the anchor product, the cart)."""

    intent: Intent
    limit: int
    user_id: str | None = None
    session_id: str | None = None
    product_id: str | None = None
    # The anchor product's category: a product newer than the model still gets same-category items.
    category_id: str | None = None
    exclude: frozenset[str] = frozenset()
    # Personalize's `context` (e.g. `DEVICE_TYPE`, `CHANNEL`), as sorted pairs so the request stays hashable.
    context: tuple[tuple[str, str], ...] = ()

    @property
    def shopper(self) -> str | None:
        if self.user_id:
            return self.user_id
        return f"session:{self.session_id}" if self.session_id else None


@dataclass(frozen=True, slots=True)
class Recommendations:
    """Product ids, best first, and the recipe that chose them."""

    item_ids: tuple[str, ...]
    source: Source
    # Personalize's `recommendationId`, to attribute later events; None for the embedded recipes.
    recommendation_id: str | None = None

    @classmethod
    def empty(cls) -> Recommendations:
        return cls((), Source.NONE)


def candidates_wanted(request: RecommendationRequest) -> int:
    """How many ids to ask a recommender for so that ``request.limit`` survive the filters (the excluded
    ids, sold-out products)."""
    return min(2 * request.limit + len(request.exclude) + 4, 200)


def keep(item_ids: Iterable[str], request: RecommendationRequest, sold_out: frozenset[str] = frozenset()) -> list[str]:
    """The ids a list shows: first seen order, no duplicates, nothing excluded, sold-out items only where the
    intent shows them, at most ``request.limit``."""
    shown: list[str] = []
    seen: set[str] = set()
    for item in item_ids:
        if item in seen or item in request.exclude or (request.intent.in_stock_only and item in sold_out):
            continue
        seen.add(item)
        shown.append(item)
        if len(shown) == request.limit:
            break
    return shown


def rerank(items: Sequence[str], ranking: Sequence[str]) -> list[str]:
    """``items`` in ``ranking``'s order, keeping exactly the page's items: ranked ones first, then any the
    ranking left out in their original order; ids the ranking invents are ignored."""
    wanted = set(items)
    ranked = [i for i in dict.fromkeys(ranking) if i in wanted]
    placed = set(ranked)
    return ranked + [i for i in items if i not in placed]


class RecommendationErrorCode(ErrorCode):
    INVALID_PRODUCT_ID = "INVALID_PRODUCT_ID", "The product id is malformed or names another type."
    INVALID_SESSION_ID = (
        "INVALID_SESSION_ID",
        "The session id is empty, too long or has characters outside A-Z, 0-9, `_.:-`.",
    )
    NO_SHOPPER = "NO_SHOPPER", "An anonymous event needs a session id."
    TOO_MANY_EVENTS = "TOO_MANY_EVENTS", f"A batch holds at most {MAX_INTERACTIONS} events."
    INVALID_EVENT_ID = "INVALID_EVENT_ID", "An event id has 1-256 characters."
    INVALID_PROPERTY = "INVALID_PROPERTY", "Event properties: at most 10, names and values of 1-256 characters."


def check_session_id(session_id: str | None, field: tuple[str, ...]) -> list[Problem]:
    if session_id is None or SESSION_ID.match(session_id):
        return []
    return [Problem(field, "invalid session id", RecommendationErrorCode.INVALID_SESSION_ID)]


def check_properties(properties: Sequence[tuple[str, str]], field: tuple[str, ...]) -> list[Problem]:
    if len(properties) > 10 or any(not (0 < len(k) <= 256 and 0 < len(v) <= 256) for k, v in properties):
        return [Problem(field, "invalid event properties", RecommendationErrorCode.INVALID_PROPERTY)]
    return []
