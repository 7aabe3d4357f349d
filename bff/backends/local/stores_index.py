"""Nearest points by great-circle distance, with a bounding-box prefilter on a latitude-sorted index.

Points are held in NumPy arrays sorted by latitude. A search takes the latitude band the radius allows
(two binary searches), keeps the points whose longitude falls in the box (wrapping at the antimeridian,
the whole circle near a pole), and computes the haversine distance of those candidates only, vectorised.
Among 10,000 stores a nearest-20 search costs well under a millisecond (``bench/store_locator.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from bff.backends.local.stores_hours import OpeningTable
from bff.domain.stores import EARTH_RADIUS_KM, GeoPoint, NearbyQuery, NearbyStore, Store, StoreService

KM_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_KM / 180


class PointIndex:
    """An immutable index of points; answers positions into the sequence it was built from."""

    def __init__(self, points: Sequence[GeoPoint]) -> None:
        lat = np.fromiter((p.latitude for p in points), dtype=np.float64, count=len(points))
        lon = np.fromiter((p.longitude for p in points), dtype=np.float64, count=len(points))
        order = np.argsort(lat, kind="stable")
        self._order = order
        self._lat = lat[order]
        self._lon = lon[order]
        self._lat_rad = np.radians(self._lat)
        self._lon_rad = np.radians(self._lon)
        self._cos_lat = np.cos(self._lat_rad)

    def __len__(self) -> int:
        return len(self._order)

    def candidates(self, origin: GeoPoint, radius_km: float) -> NDArray[np.int64]:
        """Sorted-array positions inside the bounding box of the circle (a superset of the circle)."""
        dlat = radius_km / KM_PER_DEGREE_LATITUDE
        low = int(np.searchsorted(self._lat, origin.latitude - dlat, side="left"))
        high = int(np.searchsorted(self._lat, origin.latitude + dlat, side="right"))
        band = np.arange(low, high)
        polar = abs(origin.latitude) + dlat >= 90
        cos_lat = math.cos(math.radians(origin.latitude))
        if polar or cos_lat < 1e-9:
            return band
        dlon = radius_km / (KM_PER_DEGREE_LATITUDE * cos_lat)
        if dlon >= 180:
            return band
        offset = np.abs((self._lon[low:high] - origin.longitude + 180.0) % 360.0 - 180.0)
        return band[offset <= dlon]

    def distances(self, origin: GeoPoint, positions: NDArray[np.int64]) -> NDArray[np.float64]:
        lat0, lon0 = math.radians(origin.latitude), math.radians(origin.longitude)
        dlat = self._lat_rad[positions] - lat0
        dlon = self._lon_rad[positions] - lon0
        h = np.sin(dlat / 2) ** 2 + math.cos(lat0) * self._cos_lat[positions] * np.sin(dlon / 2) ** 2
        result: NDArray[np.float64] = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
        return result

    def nearest(
        self,
        origin: GeoPoint,
        radius_km: float,
        limit: int,
        keep: Callable[[NDArray[np.int64]], NDArray[np.bool_]] | None = None,
    ) -> list[tuple[int, float]]:
        """Up to ``limit`` (original position, distance km) within ``radius_km``, nearest first (ties: by
        position); ``keep`` filters the candidates (original positions in, a mask out) all at once."""
        if limit <= 0 or not len(self):
            return []
        positions = self.candidates(origin, radius_km)
        if not len(positions):
            return []
        distances = self.distances(origin, positions)
        inside = distances <= radius_km
        positions, distances = positions[inside], distances[inside]
        originals = self._order[positions]
        if keep is not None:
            kept = keep(originals)
            originals, distances = originals[kept], distances[kept]
        if len(distances) > limit:
            # Only the `limit` nearest need sorting.
            chosen = np.argpartition(distances, limit - 1)[:limit]
            originals, distances = originals[chosen], distances[chosen]
        ranked = np.lexsort((originals, distances))
        return [(int(originals[i]), float(distances[i])) for i in ranked]


class StoreSet:
    """Every store in memory with its index: what both store adapters answer ``nearest`` from."""

    def __init__(self, stores: Sequence[Store]) -> None:
        self.stores = list(stores)
        self.by_id = {store.id: store for store in self.stores}
        self.index = PointIndex([store.position for store in self.stores])
        self.offers = {
            service: np.fromiter((service in s.services for s in self.stores), dtype=bool, count=len(self.stores))
            for service in StoreService
        }
        self._hours: OpeningTable | None = None

    @property
    def hours(self) -> OpeningTable:
        if self._hours is None:  # built on the first open-now search
            self._hours = OpeningTable(self.stores)
        return self._hours

    def nearest(self, query: NearbyQuery) -> list[NearbyStore]:
        service, open_at = query.service, query.open_at

        def keep(positions: NDArray[np.int64]) -> NDArray[np.bool_]:
            mask = np.ones(len(positions), dtype=bool) if service is None else self.offers[service][positions]
            if open_at is not None and mask.any():
                mask[mask] = self.hours.open_mask(positions[mask], open_at)
            return mask

        plain = service is None and open_at is None
        found = self.index.nearest(query.origin, query.radius_km, query.limit, None if plain else keep)
        return [NearbyStore(self.stores[position], distance) for position, distance in found]
