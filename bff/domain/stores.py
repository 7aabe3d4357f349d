"""Stores: where they are, when they open (in their own time zone), what they offer, and search rules.

Opening hours are wall-clock periods per weekday in the store's time zone; a period whose closing time is not
after its opening time spans midnight (``22:00-02:00`` closes at 02:00 the next day), and ``00:00-24:00`` is
open all day. A holiday exception replaces one date's periods (no period: closed that day).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bff.errors import BadUserInput

EARTH_RADIUS_KM = 6371.0088
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
# How far ahead `next_opening` looks (a store closed longer than this has no next opening to show).
LOOKAHEAD_DAYS = 14


class StoreService(enum.Enum):
    PICKUP = "pickup"
    RETURNS = "returns"


@dataclass(frozen=True, slots=True)
class GeoPoint:
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Address:
    line1: str
    city: str
    region: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2

    def label(self) -> str:
        return ", ".join(part for part in (self.line1, self.postal_code, self.city, self.country) if part)


@dataclass(frozen=True, slots=True)
class Period:
    """Open from ``opens`` to ``closes``, in minutes after local midnight; ``closes <= opens`` spans midnight."""

    opens: int
    closes: int

    @property
    def spans_midnight(self) -> bool:
        return self.closes <= self.opens

    def text(self) -> str:
        return f"{_hhmm(self.opens)}-{_hhmm(self.closes)}"


@dataclass(frozen=True, slots=True)
class Store:
    id: str
    name: str
    address: Address
    position: GeoPoint
    phone: str
    timezone: str
    # Seven entries, Monday first.
    hours: tuple[tuple[Period, ...], ...]
    exceptions: Mapping[date, tuple[Period, ...]] = field(default_factory=dict)
    services: frozenset[StoreService] = frozenset()
    # Units of each variant (catalog variant id) ready for pickup at this store.
    pickup_stock: Mapping[str, int] = field(default_factory=dict)

    def periods_on(self, day: date) -> tuple[Period, ...]:
        found = self.exceptions.get(day)
        return found if found is not None else self.hours[day.weekday()]


@dataclass(frozen=True, slots=True)
class NearbyQuery:
    """Stores within ``radius_km`` of ``origin``, nearest first; at most ``limit`` of them."""

    origin: GeoPoint
    radius_km: float
    limit: int
    service: StoreService | None = None
    # Only stores open at this instant (``openNow``).
    open_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NearbyStore:
    store: Store
    distance_km: float


@dataclass(frozen=True, slots=True)
class Travel:
    """Driving time and distance from a route service."""

    duration_seconds: int
    distance_km: float


@dataclass(frozen=True, slots=True)
class Place:
    """Where a text (an address, a postcode, a city) or a position is, as a geocoder names it."""

    position: GeoPoint
    label: str
    country: str = ""
    # "address", "postcode", "city", "region" or "country": how precise ``position`` is.
    precision: str = "city"


@dataclass(frozen=True, slots=True)
class SearchLimits:
    max_radius_km: float
    max_results: int


# -- distance ------------------------------------------------------------------------------------------


def haversine_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance on the mean Earth sphere."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def check_point(latitude: float, longitude: float, *, field_name: str = "near") -> GeoPoint:
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        raise BadUserInput("latitude must be between -90 and 90", field=f"{field_name}.latitude")
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        raise BadUserInput("longitude must be between -180 and 180", field=f"{field_name}.longitude")
    return GeoPoint(latitude, longitude)


def check_radius(radius_km: float, limits: SearchLimits) -> float:
    if not math.isfinite(radius_km) or radius_km <= 0 or radius_km > limits.max_radius_km:
        raise BadUserInput(
            f"radiusKm must be over 0 and at most {limits.max_radius_km:g}", field="radiusKm", max=limits.max_radius_km
        )
    return radius_km


def check_first(first: int, limits: SearchLimits) -> int:
    if first < 0 or first > limits.max_results:
        raise BadUserInput(f"first must be between 0 and {limits.max_results}", field="first", max=limits.max_results)
    return first


# -- opening hours -------------------------------------------------------------------------------------


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_period(text: str) -> Period:
    """``"09:00-18:00"``, ``"22:00-02:00"`` (spans midnight) or ``"00:00-24:00"``."""
    try:
        start, end = (part.strip() for part in text.split("-"))
        opens, closes = _minutes(start), _minutes(end)
    except ValueError:
        raise ValueError(f"opening period {text!r} is not HH:MM-HH:MM") from None
    if opens >= DAY_MINUTES or (closes == DAY_MINUTES and opens != 0):
        raise ValueError(f"opening period {text!r}: 24:00 only closes a period that opens at 00:00")
    return Period(opens, closes)


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    value = int(hours) * 60 + int(minutes)
    if not (0 <= int(minutes) < 60 and 0 <= value <= DAY_MINUTES) or len(minutes) != 2:
        raise ValueError(text)
    return value


def local_time(store: Store, at: datetime) -> datetime:
    return at.astimezone(ZoneInfo(store.timezone))


def is_open(store: Store, at: datetime) -> bool:
    """Whether the store is open at the instant ``at`` (timezone-aware), on its own wall clock."""
    return is_open_locally(store, local_time(store, at))


def is_open_locally(store: Store, local: datetime) -> bool:
    """``is_open`` given the instant already on the store's wall clock (searches convert once per zone)."""
    minute = local.hour * 60 + local.minute
    for period in store.periods_on(local.date()):
        closes = DAY_MINUTES if period.spans_midnight else period.closes
        if period.opens <= minute < closes:
            return True
    # Last night's periods that run past midnight.
    return any(p.spans_midnight and minute < p.closes for p in store.periods_on(local.date() - timedelta(days=1)))


def next_opening(store: Store, at: datetime) -> datetime | None:
    """When a store that is closed at ``at`` opens next (in its time zone); ``None`` when open or no opening soon."""
    if is_open(store, at):
        return None
    zone = ZoneInfo(store.timezone)
    today = at.astimezone(zone).date()
    for offset in range(LOOKAHEAD_DAYS + 1):
        day = today + timedelta(days=offset)
        for period in sorted(store.periods_on(day), key=lambda p: p.opens):
            opening = datetime.combine(day, time(period.opens // 60, period.opens % 60), zone)
            if opening > at:
                return opening
    return None
