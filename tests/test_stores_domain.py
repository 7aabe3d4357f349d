"""The embedded store locator: nearest stores against independently computed distances, opening hours in the
stores' own time zones, the stored form, and the offline geocoder."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bff.backends.local.geocoder_places import gazetteer
from bff.backends.local.stores_index import PointIndex, StoreSet
from bff.domain.store_records import store_from_dict, store_to_dict
from bff.domain.stores import (
    Address,
    GeoPoint,
    NearbyQuery,
    Store,
    StoreService,
    is_open,
    next_opening,
    parse_period,
)
from bff.errors import BadUserInput


def cosine_law_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance by the spherical law of cosines (a different formula from the index's haversine)."""
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    dl = math.radians(b.longitude - a.longitude)
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371.0088 * math.acos(max(-1.0, min(1.0, c)))


WEEK = tuple((parse_period("09:00-18:00"),) for _ in range(7))


def store(
    store_id: str,
    lat: float,
    lon: float,
    *,
    timezone: str = "UTC",
    hours: tuple[tuple[object, ...], ...] = WEEK,
    exceptions: dict[date, tuple[object, ...]] | None = None,
    services: frozenset[StoreService] = frozenset({StoreService.PICKUP}),
) -> Store:
    return Store(
        id=store_id,
        name=store_id,
        address=Address("1 Main Street", "Town", "", "", "FR"),
        position=GeoPoint(lat, lon),
        phone="",
        timezone=timezone,
        hours=hours,  # type: ignore[arg-type]
        exceptions=exceptions or {},  # type: ignore[arg-type]
        services=services,
    )


def test_nearest_stores_match_a_brute_force_search_by_another_formula() -> None:
    rng = random.Random(3)
    points = [GeoPoint(rng.uniform(-60, 70), rng.uniform(-180, 180)) for _ in range(3000)]
    index = PointIndex(points)
    for origin, radius in [
        (GeoPoint(48.85, 2.35), 800.0),
        (GeoPoint(40.7, -74.0), 1500.0),
        (GeoPoint(-33.9, 151.2), 3000.0),
        (GeoPoint(0.0, 179.9), 2000.0),  # the box wraps round the antimeridian
        (GeoPoint(65.0, 20.0), 2500.0),
    ]:
        found = index.nearest(origin, radius, 20)
        expected = sorted(
            ((cosine_law_km(origin, p), i) for i, p in enumerate(points) if cosine_law_km(origin, p) <= radius - 1e-6)
        )[:20]
        assert [i for i, _ in found] == [i for _, i in expected]
        for (_, distance), (want, _) in zip(found, expected, strict=True):
            assert distance == pytest.approx(want, abs=1e-6)


def test_known_cities_come_back_nearest_first_with_their_distances() -> None:
    stores = StoreSet(
        [
            store("lyon", 45.7640, 4.8357),
            store("london", 51.5074, -0.1278),
            store("versailles", 48.8049, 2.1204),
            store("louvre", 48.8606, 2.3376),
        ]
    )
    found = stores.nearest(NearbyQuery(GeoPoint(48.8566, 2.3522), 500, 10))
    assert [n.store.id for n in found] == ["louvre", "versailles", "london", "lyon"]
    # Paris-London 343.5 km and Paris-Lyon 391.5 km by great circle (published figures, rounded).
    assert found[2].distance_km == pytest.approx(343.6, abs=1.0)
    assert found[3].distance_km == pytest.approx(391.5, abs=1.0)
    assert stores.nearest(NearbyQuery(GeoPoint(48.8566, 2.3522), 100, 10))[-1].store.id == "versailles"


def test_filters_by_service_and_open_now() -> None:
    night = tuple((parse_period("20:00-04:00"),) for _ in range(7))
    stores = StoreSet(
        [
            store("near-no-pickup", 10.0, 10.0, services=frozenset()),
            store("mid-day-only", 10.1, 10.0),
            store("far-night", 10.5, 10.0, hours=night),
        ]
    )
    at = datetime(2026, 6, 3, 23, 0, tzinfo=UTC)
    origin = GeoPoint(10.0, 10.0)
    pickup = stores.nearest(NearbyQuery(origin, 200, 10, StoreService.PICKUP))
    assert [n.store.id for n in pickup] == ["mid-day-only", "far-night"]
    assert [n.store.id for n in stores.nearest(NearbyQuery(origin, 200, 10, open_at=at))] == ["far-night"]


def test_open_now_is_read_on_each_stores_own_clock() -> None:
    tokyo = store("tokyo", 35.68, 139.69, timezone="Asia/Tokyo")
    new_york = store("ny", 40.71, -74.0, timezone="America/New_York")
    at = datetime(2026, 3, 10, 1, 30, tzinfo=UTC)  # 10:30 in Tokyo, 21:30 the evening before in New York
    assert is_open(tokyo, at)
    assert not is_open(new_york, at)
    opening = next_opening(new_york, at)
    assert opening == datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    assert opening is not None and opening.utcoffset() is not None
    assert opening.astimezone(UTC) == datetime(2026, 3, 10, 13, 0, tzinfo=UTC)  # EDT since March 8
    assert next_opening(tokyo, at) is None


def test_hours_that_span_midnight_belong_to_the_evening_they_start() -> None:
    closed = ()
    late = (parse_period("18:00-02:00"),)
    # Friday only: 18:00 to 02:00 on Saturday morning.
    bar = store("bar", 0, 0, timezone="Europe/Paris", hours=(closed, closed, closed, closed, late, closed, closed))
    paris = ZoneInfo("Europe/Paris")
    assert is_open(bar, datetime(2026, 5, 15, 23, 0, tzinfo=paris))  # Friday
    assert is_open(bar, datetime(2026, 5, 16, 1, 59, tzinfo=paris))  # Saturday, before 02:00
    assert not is_open(bar, datetime(2026, 5, 16, 2, 0, tzinfo=paris))
    assert not is_open(bar, datetime(2026, 5, 15, 1, 0, tzinfo=paris))  # Thursday night was closed
    assert next_opening(bar, datetime(2026, 5, 16, 3, 0, tzinfo=paris)) == datetime(2026, 5, 22, 18, 0, tzinfo=paris)


def test_a_holiday_exception_replaces_the_weekdays_hours() -> None:
    christmas = date(2026, 12, 25)
    shop = store("shop", 0, 0, timezone="Europe/London", exceptions={christmas: ()})
    london = ZoneInfo("Europe/London")
    assert not is_open(shop, datetime(2026, 12, 25, 12, 0, tzinfo=london))
    assert is_open(shop, datetime(2026, 12, 24, 12, 0, tzinfo=london))
    assert next_opening(shop, datetime(2026, 12, 25, 12, 0, tzinfo=london)) == datetime(
        2026, 12, 26, 9, 0, tzinfo=london
    )
    short = store("short", 0, 0, exceptions={christmas: (parse_period("10:00-12:00"),)})
    assert not is_open(short, datetime(2026, 12, 25, 13, 0, tzinfo=UTC))


def test_the_stored_form_round_trips_and_refuses_bad_records() -> None:
    original = store(
        "st-1",
        45.0,
        5.0,
        timezone="Europe/Paris",
        exceptions={date(2026, 12, 25): ()},
        services=frozenset(StoreService),
    )
    assert store_from_dict(store_to_dict(original)) == original
    bad = store_to_dict(original)
    for key, value, complaint in [
        ("timezone", "Mars/Olympus", "timezone"),
        ("latitude", 95, "latitude"),
        ("services", ["teleport"], "services"),
        ("hours", {"mon": ["25:00-26:00"]}, "opening period"),
        ("id", "has space", "id"),
    ]:
        with pytest.raises(ValueError, match=complaint):
            store_from_dict({**bad, key: value})


def test_search_arguments_are_checked() -> None:
    from bff.domain.stores import SearchLimits, check_first, check_point, check_radius

    limits = SearchLimits(max_radius_km=500, max_results=50)
    for call in (
        lambda: check_point(91, 0),
        lambda: check_point(0, -180.5),
        lambda: check_point(float("nan"), 0),
        lambda: check_radius(0, limits),
        lambda: check_radius(501, limits),
        lambda: check_first(51, limits),
    ):
        with pytest.raises(BadUserInput):
            call()


def test_the_offline_geocoder_reads_cities_with_typos_and_country_hints() -> None:
    places = gazetteer()
    lyon = places.geocode("Lyon")
    assert lyon is not None and lyon.country == "FR"
    assert cosine_law_km(lyon.position, GeoPoint(45.7640, 4.8357)) < 5
    typo = places.geocode("Mancester")
    assert typo is not None and typo.label.startswith("Manchester")
    # The country hint picks Paris, Texas over Paris, France; a US state does too.
    texas = places.geocode("Paris, US")
    assert texas is not None and texas.country == "US"
    assert places.geocode("Springfield, Illinois") == places.geocode("Springfield, IL")
    hinted = places.geocode("Paris", country="US")
    assert hinted is not None and hinted.country == "US"
    assert places.geocode("Germany") is not None
    assert places.geocode("Qxzvwplk") is None
    near = places.reverse(GeoPoint(48.86, 2.34))
    assert near is not None and near.label.startswith("Paris")
    assert places.reverse(GeoPoint(0.0, -140.0)) is None  # mid-Pacific


def test_the_vectorised_open_now_filter_agrees_with_the_domain_rule() -> None:
    import numpy as np

    from bff.backends.local.stores_hours import OpeningTable
    from bff.services.stores_seed import generate_stores

    stores = generate_stores(300, seed=12, year=2026)
    late = tuple((parse_period("21:00-03:00"), parse_period("10:00-14:00")) for _ in range(7))
    stores[0] = store("late", 0, 0, timezone="Asia/Kolkata", hours=late, exceptions={date(2026, 12, 24): ()})
    table = OpeningTable(stores)
    positions = np.arange(len(stores))
    rng = random.Random(1)
    instants = [datetime(2026, 12, 25, 1, 0, tzinfo=UTC), datetime(2026, 12, 31, 23, 30, tzinfo=UTC)]
    instants += [
        datetime(2026, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), tzinfo=UTC)
        for _ in range(40)
    ]
    for at in instants:
        assert table.open_mask(positions, at).tolist() == [is_open(s, at) for s in stores], at
