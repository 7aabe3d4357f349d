"""``StoresQuery``: ``stores(near: ...)`` nearest first, and ``store(id)``.

Pages are offsets into the distance order, so a cursor is the signed offset bound to a digest of the search
(origin, radius, filters): a cursor from another search is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Annotated

import orjson
import strawberry

from bff.context import Context, Info
from bff.domain import stores as domain
from bff.domain.catalog import Page
from bff.errors import BadUserInput
from bff.services import stores as stores_service
from resolvers.connection import Counter, known_count
from resolvers.pagination import ConnectionArgs, edges_and_page_info, page_request
from resolvers.stores.types import (
    DistanceMethod,
    GeoPosition,
    Store,
    StoreSearchConnection,
    StoreSearchReason,
    StoreServiceKind,
    now,
    store_key,
)

MAX_ADDRESS_CHARS = 200
# Deeper than this, narrow the radius instead of paging.
MAX_OFFSET = 1000


@strawberry.input(description="Where to search around: `latitude` and `longitude`, or an `address`.")
class StoreNearInput:
    latitude: float | None = strawberry.field(default=None, description="Degrees north, -90 to 90.")
    longitude: float | None = strawberry.field(default=None, description="Degrees east, -180 to 180.")
    address: str | None = strawberry.field(
        default=None, description="An address, postcode or city (at most 200 characters), geocoded."
    )


def limits(ctx: Context) -> domain.SearchLimits:
    return domain.SearchLimits(ctx.settings.stores_max_radius_km, ctx.settings.stores_max_results)


def near_point(near: StoreNearInput) -> tuple[domain.GeoPoint | None, str | None]:
    """The position, or the address to geocode; exactly one of them."""
    has_point = near.latitude is not None or near.longitude is not None
    address = near.address.strip() if near.address is not None else None
    if has_point == (address is not None):
        raise BadUserInput("give either latitude and longitude, or an address", field="near")
    if address is not None:
        if not address or len(address) > MAX_ADDRESS_CHARS:
            raise BadUserInput(f"address: 1-{MAX_ADDRESS_CHARS} characters", field="near.address")
        return None, address
    if near.latitude is None or near.longitude is None:
        raise BadUserInput("latitude and longitude go together", field="near")
    return domain.check_point(near.latitude, near.longitude), None


def _service(kind: StoreServiceKind | None) -> domain.StoreService | None:
    return None if kind is None else domain.StoreService[kind.name]


def geocoders(ctx: Context) -> stores_service.Geocoders:
    return stores_service.Geocoders(ctx.backends.geocoder, ctx.backends.fallback_geocoder)


def search_listing(point: object, address: str | None, radius: float, open_now: bool, kind: object) -> str:
    digest = hashlib.sha256(orjson.dumps([repr(point), address, radius, open_now, repr(kind)])).hexdigest()[:20]
    return f"stores:{digest}"


@strawberry.type
class StoresQuery:
    @strawberry.field(
        description=(
            "Stores nearest first within `radiusKm` of a position or an address, with distance, opening state "
            "and, when a route service is configured, driving time. An address that geocodes to nothing gives an "
            "empty result with `reason`."
        )
    )
    async def stores(
        self,
        info: Info,
        near: Annotated[StoreNearInput, strawberry.argument(description="Where to search around.")],
        radius_km: Annotated[
            float | None, strawberry.argument(description="Search radius in km (default 50, at most the cap, 500).")
        ] = None,
        first: Annotated[int | None, strawberry.argument(description="Page size (at most 50).")] = None,
        after: Annotated[str | None, strawberry.argument(description="Cursor to continue after.")] = None,
        open_now: Annotated[bool, strawberry.argument(description="Only stores open now.")] = False,
        service: Annotated[
            StoreServiceKind | None, strawberry.argument(description="Only stores that offer this.")
        ] = None,
    ) -> StoreSearchConnection:
        ctx = info.context
        bounds = limits(ctx)
        point, address = near_point(near)
        radius = domain.check_radius(ctx.settings.stores_default_radius_km if radius_km is None else radius_km, bounds)
        size = domain.check_first(ctx.settings.default_page_size if first is None else first, bounds)
        listing = search_listing(point, address, radius, open_now, service)
        page = page_request(ctx, ConnectionArgs(first=size, after=after), listing)
        offset = 0
        if page.after is not None:
            position = page.after[0]
            if not isinstance(position, int) or position < 0:
                raise BadUserInput("after: invalid cursor", field="after")
            offset = position + 1
        if offset + page.limit > MAX_OFFSET:
            raise BadUserInput(f"stores past {MAX_OFFSET} are not paged; narrow the radius", field="after")
        origin = await service_origin(ctx, point, address)
        found = await stores_service.find_stores(
            ctx.backends.stores,
            ctx.backends.routes,
            origin,
            radius_km=radius,
            offset=offset,
            limit=page.limit,
            route_candidates=ctx.settings.stores_route_candidates,
            service=_service(service),
            open_at=now() if open_now else None,
        )
        nodes = [Store(result=r) for r in found.results]
        keys: list[tuple[object, str]] = [(offset + i, r.store.id) for i, r in enumerate(found.results)]
        edges, page_info = edges_and_page_info(ctx, Page(nodes, keys, found.has_more), page, listing)
        position = found.origin.position
        return StoreSearchConnection(
            edges=edges,
            page_info=page_info,
            count=_counter(ctx, found.origin.position, radius, service, open_now),
            origin=GeoPosition(latitude=position.latitude, longitude=position.longitude) if position else None,
            known_label=found.origin.label,
            origin_label_of=_reverse_label(ctx, position if found.origin.label is None else None),
            reason=StoreSearchReason(found.origin.reason) if found.origin.reason else None,
            distance_method=DistanceMethod(found.distance_method),
        )

    @strawberry.field(description="A store by its global id; null when there is none.")
    async def store(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Global id of the store.")]
    ) -> Store | None:
        key = store_key(id)
        found = (await info.context.backends.stores.get_stores([key]))[0]
        return Store(result=stores_service.StoreResult(found)) if found else None


async def service_origin(ctx: Context, point: domain.GeoPoint | None, address: str | None) -> stores_service.Origin:
    return await stores_service.origin_of(geocoders(ctx), point, address)


def _counter(
    ctx: Context, origin: domain.GeoPoint | None, radius: float, kind: StoreServiceKind | None, open_now: bool
) -> Counter:
    """How many stores the whole search holds (at most MAX_OFFSET), counted only when asked for."""
    if origin is None:
        return known_count(0)

    async def count() -> int:
        query = domain.NearbyQuery(origin, radius, MAX_OFFSET, _service(kind), now() if open_now else None)
        return len(await ctx.backends.stores.nearest(query))

    return count


def _reverse_label(ctx: Context, position: domain.GeoPoint | None) -> Callable[[], Awaitable[str | None]]:
    """The "near me" label of a position, looked up only when `originLabel` is selected."""

    async def label() -> str | None:
        if position is None:
            return None
        place = await stores_service.reverse_geocode(geocoders(ctx), position)
        return place.label if place is not None else None

    return label
