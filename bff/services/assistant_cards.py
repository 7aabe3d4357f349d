"""What the BFF adds to a bot's answer: cards from the capabilities behind it (the aggregation a BFF is for).

- ``ProductSearch`` ready: one search (category, colour and size words; the price limit as a filter), the top
  ``MAX_PRODUCT_CARDS`` products as cards (the GraphQL layer hydrates them in one loader batch);
- ``OrderStatus`` ready: the order through ``OrderLookup``, only for a signed-in customer and only their own
  order; a missing order and someone else's get the same answer, so nothing is revealed;
- ``StoreFinder`` ready: the location geocoded, the nearest ``MAX_STORE_CARDS`` stores as cards.

``OrderLookup`` finds an order by its number: ``StoreOrderLookup`` through the ``OrderStore`` port (the app's);
``NoOrderLookup`` finds none (an assistant without orders).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Protocol

from bff.backends.orders import OrderStore
from bff.backends.search import ProductSearch
from bff.backends.stores import StoreLocator
from bff.domain.assistant import ORDER_STATUS, PRODUCT_SEARCH, STORE_FINDER, AssistantTurn
from bff.domain.catalog import ProductQuery
from bff.domain.identity import Identity
from bff.domain.orders import parse_order_number
from bff.domain.search import SearchRequest
from bff.domain.stores import NearbyQuery, Store
from bff.errors import ServiceUnavailable
from bff.services.stores import Geocoders, geocode

MAX_PRODUCT_CARDS = 5
MAX_STORE_CARDS = 3
STORE_CARD_RADIUS_KM = 100.0


@dataclass(frozen=True, slots=True)
class ProductCard:
    product_id: str


@dataclass(frozen=True, slots=True)
class OrderStatusCard:
    order_number: str
    status: str


@dataclass(frozen=True, slots=True)
class StoreCard:
    store: Store
    distance_km: float


Card = ProductCard | OrderStatusCard | StoreCard


@dataclass(frozen=True, slots=True)
class OrderSummary:
    number: str
    status: str
    owner_id: str


class OrderLookup(Protocol):
    async def find_order(self, order_number: str) -> OrderSummary | None: ...


class NoOrderLookup:
    """No orders: every order number is "not found"."""

    async def find_order(self, order_number: str) -> OrderSummary | None:
        return None


@dataclass(frozen=True, slots=True)
class StoreOrderLookup:
    """Orders by their number ("#123456789" or the digits) through the ``OrderStore`` port; text that cannot be
    an order number is "not found" without a read."""

    orders: OrderStore

    async def find_order(self, order_number: str) -> OrderSummary | None:
        number = parse_order_number(order_number)
        order = None if number is None else await self.orders.get_order_by_number(number)
        if order is None:
            return None
        return OrderSummary(order.name, order.status.value, order.customer_id or "")


@dataclass(frozen=True, slots=True)
class CardSources:
    search: ProductSearch
    stores: StoreLocator
    geocoders: Geocoders
    orders: OrderLookup


async def fulfil(
    sources: CardSources, turn: AssistantTurn, user: Identity | None
) -> tuple[tuple[str, ...], list[Card]]:
    """Extra messages and the cards for a turn whose intent is ready; nothing otherwise."""
    if not turn.ready or turn.intent is None:
        return (), []
    name = turn.intent.name
    if name == PRODUCT_SEARCH:
        return await _products(sources.search, turn)
    if name == ORDER_STATUS:
        return await _order(sources.orders, turn.slots.get("orderNumber"), user)
    if name == STORE_FINDER:
        return await _stores(sources, turn.slots.get("location"))
    return (), []


async def _products(search: ProductSearch, turn: AssistantTurn) -> tuple[tuple[str, ...], list[Card]]:
    words = [turn.slots.get(k) for k in ("colour", "category", "size")]
    text = " ".join(w for w in words if w)
    limit = _price(turn.slots.get("priceLimit"))
    request = SearchRequest(text=text, filters=ProductQuery(max_price=limit), limit=MAX_PRODUCT_CARDS, with_total=False)
    try:
        found = await search.search(request)
    except ServiceUnavailable:
        return ("Search is not answering right now; please try again in a moment.",), []
    if not found.product_ids:
        return (f"I couldn't find any {text or 'products'} like that.",), []
    return (), [ProductCard(product_id) for product_id in found.product_ids[:MAX_PRODUCT_CARDS]]


def _price(value: str | None) -> Decimal | None:
    try:
        price = Decimal(value) if value else None
    except InvalidOperation:
        return None
    return price if price is not None and price.is_finite() and price > 0 else None


async def _order(orders: OrderLookup, number: str | None, user: Identity | None) -> tuple[tuple[str, ...], list[Card]]:
    if user is None:
        return ("Please sign in, and I'll look up your order.",), []
    order = await orders.find_order(number) if number else None
    # Someone else's order is "not found" too: the answer must not tell that it exists.
    if order is None or order.owner_id != user.subject:
        return (f"I couldn't find an order {number or ''} on your account.".replace("  ", " "),), []
    return (f"Order {order.number} is {order.status.lower().replace('_', ' ')}.",), [
        OrderStatusCard(order.number, order.status)
    ]


async def _stores(sources: CardSources, location: str | None) -> tuple[tuple[str, ...], list[Card]]:
    place = await geocode(sources.geocoders, location) if location else None
    if place is None:
        return (f"I couldn't find {location or 'that place'}. Try a city name.",), []
    nearby = await sources.stores.nearest(NearbyQuery(place.position, STORE_CARD_RADIUS_KM, MAX_STORE_CARDS))
    if not nearby:
        return (f"There is no store within {STORE_CARD_RADIUS_KM:g} km of {place.label}.",), []
    return (), [StoreCard(n.store, round(n.distance_km, 3)) for n in nearby]
