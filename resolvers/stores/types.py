"""Store locator types: ``Store`` (with its distance and travel time in a search), its hours and address."""

from __future__ import annotations

import base64
import binascii
import enum
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

import strawberry

from bff.domain import stores as domain
from bff.errors import BadUserInput
from bff.ids import MAX_ID_CHARS, to_global_id
from bff.services.stores import ADDRESS_NOT_FOUND, ROUTE, STRAIGHT_LINE, StoreResult
from resolvers.connection import Connection

STORE_TYPE = "Store"


def store_global_id(store_id: str) -> str:
    return to_global_id(STORE_TYPE, store_id)


def store_key(global_id: str, field: str = "id") -> str:
    """The store id inside a ``Store`` global id; anything else is ``BAD_USER_INPUT``."""
    if len(global_id) > MAX_ID_CHARS:
        raise BadUserInput(f"{field}: not a valid store id", field=field)
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadUserInput(f"{field}: not a valid store id", field=field) from None
    type_name, sep, key = raw.partition("/")
    if type_name != STORE_TYPE or not sep or not key:
        raise BadUserInput(f"{field}: not a valid store id", field=field)
    return key


@strawberry.enum(description="What a store offers besides its shop floor.")
class StoreServiceKind(enum.Enum):
    PICKUP = strawberry.enum_value(domain.StoreService.PICKUP, description="Collect online orders in store.")
    RETURNS = strawberry.enum_value(domain.StoreService.RETURNS, description="Return online orders in store.")


@strawberry.enum(description="How far the stores are: by road as well, or in a straight line only.")
class DistanceMethod(enum.Enum):
    ROUTE = strawberry.enum_value(ROUTE, description="A route service gave driving times (`travelTime`).")
    STRAIGHT_LINE = strawberry.enum_value(
        STRAIGHT_LINE, description="Straight-line distances only: no route service is configured or it failed."
    )


@strawberry.enum(description="Why a store search found nothing to search around.")
class StoreSearchReason(enum.Enum):
    ADDRESS_NOT_FOUND = strawberry.enum_value(ADDRESS_NOT_FOUND, description="The address geocoded to no place.")


@strawberry.type(description="A position on Earth (WGS 84).")
class GeoPosition:
    latitude: float = strawberry.field(description="Degrees north (negative: south).")
    longitude: float = strawberry.field(description="Degrees east (negative: west).")


@strawberry.type(description="A store's postal address.")
class StoreAddress:
    line1: str = strawberry.field(description="Street and number.")
    city: str = strawberry.field(description="City.")
    region: str = strawberry.field(description="Region, state or province code.")
    postal_code: str = strawberry.field(description="Postcode.")
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code.")
    formatted: str = strawberry.field(description="The address on one line.")


@strawberry.type(description="A time the store is open, on its own wall clock.")
class OpeningPeriod:
    opens: str = strawberry.field(description="`HH:MM`, local time.")
    closes: str = strawberry.field(description="`HH:MM`, local time; not after `opens`: the next day.")


@strawberry.type(description="The opening periods of one weekday.")
class WeekdayHours:
    day: str = strawberry.field(description="`MONDAY` ... `SUNDAY`.")
    periods: list[OpeningPeriod] = strawberry.field(description="Periods in order; none: closed.")


@strawberry.type(description="Hours of one date that replace the weekday's (a holiday).")
class SpecialHours:
    date: date = strawberry.field(description="The local date.")
    periods: list[OpeningPeriod] = strawberry.field(description="Periods that day; none: closed all day.")


@strawberry.type(description="Driving time and distance to a store, from a route service.")
class TravelTime:
    duration_seconds: int = strawberry.field(description="Driving time in seconds, departing now.")
    distance_km: float = strawberry.field(description="Driving distance in kilometres.")


def _periods(periods: tuple[domain.Period, ...]) -> list[OpeningPeriod]:
    return [OpeningPeriod(opens=p.text()[:5], closes=p.text()[6:]) for p in periods]


def now() -> datetime:
    return datetime.now(UTC)


@strawberry.type(description="A physical store, with its distance when it comes from a search.")
class Store:
    result: strawberry.Private[StoreResult]

    @strawberry.field(description="Globally unique, opaque id of the store.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(store_global_id(self.result.store.id))

    @strawberry.field(description="Display name.")
    def name(self) -> str:
        return self.result.store.name

    @strawberry.field(description="Postal address.")
    def address(self) -> StoreAddress:
        a = self.result.store.address
        return StoreAddress(
            line1=a.line1,
            city=a.city,
            region=a.region,
            postal_code=a.postal_code,
            country=a.country,
            formatted=a.label(),
        )

    @strawberry.field(description="Where the store is.")
    def position(self) -> GeoPosition:
        p = self.result.store.position
        return GeoPosition(latitude=p.latitude, longitude=p.longitude)

    @strawberry.field(description="Phone number, international format.")
    def phone(self) -> str:
        return self.result.store.phone

    @strawberry.field(description="IANA time zone the hours are in, e.g. `Europe/Paris`.")
    def time_zone(self) -> str:
        return self.result.store.timezone

    @strawberry.field(description="Opening hours per weekday, Monday first.")
    def opening_hours(self) -> list[WeekdayHours]:
        names = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
        return [WeekdayHours(day=n, periods=_periods(p)) for n, p in zip(names, self.result.store.hours, strict=True)]

    @strawberry.field(description="Dates with other hours than their weekday's (holidays), in date order.")
    def special_hours(self) -> list[SpecialHours]:
        found = sorted(self.result.store.exceptions.items())
        return [SpecialHours(date=d, periods=_periods(p)) for d, p in found]

    @strawberry.field(description="What the store offers besides its shop floor.")
    def services(self) -> list[StoreServiceKind]:
        chosen = sorted(self.result.store.services, key=lambda s: s.value)
        return [StoreServiceKind(s) for s in chosen]

    @strawberry.field(description="Whether the store is open now, in its own time zone.")
    def open_now(self) -> bool:
        return domain.is_open(self.result.store, now())

    @strawberry.field(description="When a closed store opens next (ISO time with its offset); null when open now.")
    def next_opening(self) -> datetime | None:
        return domain.next_opening(self.result.store, now())

    @strawberry.field(description="Straight-line (great-circle) distance from the search's origin in km; null by id.")
    def distance_km(self) -> float | None:
        return self.result.distance_km

    @strawberry.field(description="Driving time from the origin, when a route service is configured and answered.")
    def travel_time(self) -> TravelTime | None:
        t = self.result.travel
        return TravelTime(duration_seconds=t.duration_seconds, distance_km=t.distance_km) if t else None


@strawberry.type(description="Stores nearest first (Relay connection), with where the search was centred.")
class StoreSearchConnection(Connection[Store]):
    origin: GeoPosition | None = strawberry.field(description="The position searched around; null when none.")
    known_label: strawberry.Private[str | None]
    origin_label_of: strawberry.Private[Callable[[], Awaitable[str | None]]]

    @strawberry.field(
        description=(
            "What the origin is called: the geocoded address's label, or, for a position, the place near it "
            "(reverse geocoding, only when asked for; null when nothing is near)."
        )
    )
    async def origin_label(self) -> str | None:
        return self.known_label if self.known_label is not None else await self.origin_label_of()

    reason: StoreSearchReason | None = strawberry.field(description="Why the result is empty, when it is for a reason.")
    distance_method: DistanceMethod = strawberry.field(description="Whether driving times came with the distances.")
