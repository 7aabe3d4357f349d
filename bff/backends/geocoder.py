"""The ``Geocoder`` and ``RoutePlanner`` ports: text to a position and back, and driving times.

Adapters: ``EmbeddedGeocoder`` (offline, city- and region-level, from GeoNames data:
``bff/backends/local/geocoder_places.py``) and, on AWS, Amazon Location Service's current APIs, which need
no place-index or route-calculator resource (``bff/backends/location_service.py``): ``geo-places``
(``Geocode``, ``SearchText``, ``ReverseGeocode``) and ``geo-routes`` (``CalculateRouteMatrix``). There is no
embedded route planner: without one, distances are straight lines and the answer says so.

Both capabilities are optional: when Location Service is slow or failing the caller falls back (the embedded
geocoder, straight-line distances) and the response carries a ``DEGRADED`` warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from bff.backends.ports import PortSpec
from bff.domain.stores import GeoPoint, Place, Travel


@runtime_checkable
class Geocoder(Protocol):
    async def geocode(self, text: str, country: str | None = None) -> Place | None:
        """The best place for ``text`` (``country``: an ISO alpha-2 hint), ``None`` when nothing matches."""

    async def reverse_geocode(self, position: GeoPoint) -> Place | None:
        """A label for a position ("near me"), ``None`` when there is nothing near."""

    async def close(self) -> None: ...


@runtime_checkable
class RoutePlanner(Protocol):
    async def travel_times(self, origin: GeoPoint, destinations: Sequence[GeoPoint]) -> list[Travel | None]:
        """Driving time and distance from ``origin`` to each destination (one request), ``None`` where no
        route was found."""

    async def close(self) -> None: ...


GEOCODER: PortSpec[Geocoder] = PortSpec(Geocoder, "geocoder", idempotent=("geocode", "reverse_geocode"), optional=True)
ROUTES: PortSpec[RoutePlanner] = PortSpec(RoutePlanner, "routes", idempotent=("travel_times",), optional=True)
