"""Finding stores: where "near" is, the nearest stores, their driving times, and pickup stock near a shopper.

``origin``: a position as given, or an address geocoded by the configured geocoder; when Amazon Location is
slow or failing, the embedded geocoder answers instead (with a ``DEGRADED`` warning). An address that
geocodes to nothing is an empty result with ``reason="ADDRESS_NOT_FOUND"``, not an error.

``find_stores``: one ``nearest`` call for the page (and one more store, to know whether another page
follows), then, when a route service is configured, one ``CalculateRouteMatrix`` for the page's first
``BFF_STORES_ROUTE_CANDIDATES`` stores. Routes failing degrade to straight-line distances, said so in the
answer (``distance_method``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bff import degradation
from bff.backends.geocoder import Geocoder, RoutePlanner
from bff.backends.stores import StoreLocator
from bff.domain.stores import GeoPoint, NearbyQuery, NearbyStore, Place, Store, StoreService, Travel
from bff.errors import ServiceUnavailable

ADDRESS_NOT_FOUND = "ADDRESS_NOT_FOUND"
ROUTE = "ROUTE"
STRAIGHT_LINE = "STRAIGHT_LINE"


@dataclass(frozen=True, slots=True)
class Origin:
    position: GeoPoint | None
    label: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class StoreResult:
    store: Store
    distance_km: float | None = None
    travel: Travel | None = None


@dataclass(frozen=True, slots=True)
class StorePage:
    origin: Origin
    results: list[StoreResult]
    has_more: bool
    distance_method: str = STRAIGHT_LINE


@dataclass(frozen=True, slots=True)
class Geocoders:
    primary: Geocoder
    fallback: Geocoder | None = None


async def geocode(geocoders: Geocoders, text: str, country: str | None = None) -> Place | None:
    """``text`` as a place, through the configured geocoder, else (when it fails) the embedded one."""
    try:
        return await geocoders.primary.geocode(text, country)
    except ServiceUnavailable as error:
        if geocoders.fallback is None:
            raise
        degradation.warn("geocoder", error)
        return await geocoders.fallback.geocode(text, country)


async def reverse_geocode(geocoders: Geocoders, position: GeoPoint) -> Place | None:
    """A label for a position: the configured geocoder, else the embedded one, else none (a label is a nicety)."""
    for geocoder in (geocoders.primary, geocoders.fallback):
        if geocoder is None:
            continue
        try:
            return await geocoder.reverse_geocode(position)
        except ServiceUnavailable:  # the port boundary has recorded the warning
            continue
    return None


async def origin_of(geocoders: Geocoders, position: GeoPoint | None, address: str | None) -> Origin:
    if position is not None:
        return Origin(position)
    place = await geocode(geocoders, address or "")
    if place is None:
        return Origin(None, reason=ADDRESS_NOT_FOUND)
    return Origin(place.position, place.label)


async def travel_times(
    routes: RoutePlanner | None, origin: GeoPoint, stores: Sequence[NearbyStore], candidates: int
) -> tuple[list[Travel | None], bool]:
    """Travel per store (the first ``candidates`` of them) and whether routes answered."""
    none: list[Travel | None] = [None] * len(stores)
    if routes is None or not stores:
        return none, False
    chosen = stores[:candidates]
    try:
        found = await routes.travel_times(origin, [s.store.position for s in chosen])
    except ServiceUnavailable:  # the port boundary has recorded the warning
        return none, False
    return [*found, *none[len(found) :]], True


async def find_stores(
    locator: StoreLocator,
    routes: RoutePlanner | None,
    origin: Origin,
    *,
    radius_km: float,
    offset: int,
    limit: int,
    route_candidates: int,
    service: StoreService | None = None,
    open_at: datetime | None = None,
) -> StorePage:
    if origin.position is None:
        return StorePage(origin, [], has_more=False)
    query = NearbyQuery(origin.position, radius_km, offset + limit + 1, service, open_at)
    found = (await locator.nearest(query))[offset:]
    page, has_more = found[:limit], len(found) > limit
    travels, routed = await travel_times(routes, origin.position, page, route_candidates)
    results = [StoreResult(n.store, round(n.distance_km, 3), t) for n, t in zip(page, travels, strict=True)]
    return StorePage(origin, results, has_more, ROUTE if routed else STRAIGHT_LINE)


@dataclass(frozen=True, slots=True)
class PickupAvailability:
    store: Store
    distance_km: float
    quantity: int


async def store_availability(
    locator: StoreLocator, variant_id: str, origin: GeoPoint, radius_km: float, limit: int
) -> list[PickupAvailability]:
    """The nearest stores offering pickup, each with its units of the variant (0: not available there)."""
    nearby = await locator.nearest(NearbyQuery(origin, radius_km, limit, StoreService.PICKUP))
    return [
        PickupAvailability(n.store, round(n.distance_km, 3), n.store.pickup_stock.get(variant_id, 0)) for n in nearby
    ]
