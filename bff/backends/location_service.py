"""Amazon Location Service's current APIs: ``geo-places`` (geocoding) and ``geo-routes`` (route matrices).

These need no place-index or route-calculator resource: requests are signed with the app's IAM role
(``geo-places:Geocode``, ``geo-places:SearchText``, ``geo-places:ReverseGeocode``,
``geo-routes:CalculateRouteMatrix``). Positions travel as ``[longitude, latitude]``.

- ``LocationGeocoder.geocode``: ``Geocode`` (addresses, postcodes, places); when it finds nothing and the
  caller named a country, ``SearchText`` filtered to that country. ``reverse_geocode``: ``ReverseGeocode``.
- ``LocationRoutePlanner.travel_times``: one ``CalculateRouteMatrix`` from one origin to every destination
  (driving, departing now); the caller bounds the destinations (``BFF_STORES_ROUTE_CANDIDATES``).

The SDK's retries are off: the remote-call policy (``bff.backends.policy``) retries, with a deadline. Throttling,
server errors, denied access and timeouts become ``ServiceUnavailable`` (``reason="timeout"`` for timeouts).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError

from bff.domain.stores import GeoPoint, Place, Travel
from bff.errors import ServiceUnavailable

log = logging.getLogger("bff.location")

PRECISION = {
    "PointAddress": "address",
    "InterpolatedAddress": "address",
    "Street": "address",
    "Intersection": "address",
    "PointOfInterest": "address",
    "PostalCode": "postcode",
    "Block": "address",
    "SubBlock": "address",
    "District": "city",
    "SubDistrict": "city",
    "Locality": "city",
    "SubRegion": "region",
    "Region": "region",
    "Country": "country",
}
MAX_QUERY_CHARS = 200


def _position(point: GeoPoint) -> list[float]:
    return [point.longitude, point.latitude]


def _place(item: dict[str, Any]) -> Place | None:
    position = item.get("Position")
    if not position:
        return None
    address = item.get("Address") or {}
    return Place(
        position=GeoPoint(latitude=float(position[1]), longitude=float(position[0])),
        label=str(address.get("Label") or item.get("Title") or ""),
        country=str((address.get("Country") or {}).get("Code2") or ""),
        precision=PRECISION.get(str(item.get("PlaceType")), "address"),
    )


async def _call(capability: str, client: Any, operation: str, request: dict[str, Any]) -> dict[str, Any]:
    """One SDK call, its failures as the project's errors; ``ValidationException`` is the caller's (re-raised)."""
    try:
        response: dict[str, Any] = await getattr(client, operation)(**request)
        return response
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "ValidationException":
            raise
        log.warning("%s %s failed: %s", capability, operation, code)
        raise ServiceUnavailable(f"{capability} failed ({code})", capability=capability) from error
    except (ReadTimeoutError, ConnectTimeoutError) as error:
        raise ServiceUnavailable(f"{capability} timed out", capability=capability, reason="timeout") from error
    except BotoCoreError as error:
        log.warning("%s %s failed: %s", capability, operation, type(error).__name__)
        raise ServiceUnavailable(f"{capability} unreachable", capability=capability) from error


async def _open_client(service: str, region: str, endpoint_url: str | None, stack: AsyncExitStack) -> Any:
    import aioboto3
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=1, read_timeout=2)
    return await stack.enter_async_context(
        aioboto3.Session().client(service, region_name=region, endpoint_url=endpoint_url, config=config)
    )


class LocationGeocoder:
    def __init__(self, client: Any, stack: AsyncExitStack | None = None, language: str | None = None) -> None:
        self.client = client
        self._stack = stack
        self._language = language

    @classmethod
    async def open(cls, region: str, endpoint_url: str | None = None, language: str | None = None) -> LocationGeocoder:
        stack = AsyncExitStack()
        return cls(await _open_client("geo-places", region, endpoint_url, stack), stack, language)

    def _common(self) -> dict[str, Any]:
        return {"Language": self._language} if self._language else {}

    async def geocode(self, text: str, country: str | None = None) -> Place | None:
        query = text.strip()[:MAX_QUERY_CHARS]
        if not query:
            return None
        request: dict[str, Any] = {"QueryText": query, "MaxResults": 1, **self._common()}
        if country:
            request["Filter"] = {"IncludeCountries": [country.upper()]}
        try:
            found = (await _call("geocoder", self.client, "geocode", request)).get("ResultItems") or []
            if not found and country:
                search = {"QueryText": query, "MaxResults": 1, "Filter": {"IncludeCountries": [country.upper()]}}
                found = (await _call("geocoder", self.client, "search_text", search)).get("ResultItems") or []
        except ClientError:  # ValidationException: the text is not something the service can look up
            return None
        return _place(found[0]) if found else None

    async def reverse_geocode(self, position: GeoPoint) -> Place | None:
        request = {"QueryPosition": _position(position), "MaxResults": 1, **self._common()}
        try:
            found = (await _call("geocoder", self.client, "reverse_geocode", request)).get("ResultItems") or []
        except ClientError:
            return None
        return _place(found[0]) if found else None

    async def close(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()


class LocationRoutePlanner:
    def __init__(self, client: Any, stack: AsyncExitStack | None = None, travel_mode: str = "Car") -> None:
        self.client = client
        self._stack = stack
        self._travel_mode = travel_mode

    @classmethod
    async def open(cls, region: str, endpoint_url: str | None = None) -> LocationRoutePlanner:
        stack = AsyncExitStack()
        return cls(await _open_client("geo-routes", region, endpoint_url, stack), stack)

    async def travel_times(self, origin: GeoPoint, destinations: Sequence[GeoPoint]) -> list[Travel | None]:
        if not destinations:
            return []
        request = {
            "Origins": [{"Position": _position(origin)}],
            "Destinations": [{"Position": _position(d)} for d in destinations],
            "RoutingBoundary": {"Unbounded": True},
            "TravelMode": self._travel_mode,
            "DepartNow": True,
        }
        try:
            response = await _call("routes", self.client, "calculate_route_matrix", request)
        except ClientError as error:
            raise ServiceUnavailable("routes refused the request", capability="routes") from error
        row = (response.get("RouteMatrix") or [[]])[0]
        travels: list[Travel | None] = []
        for i in range(len(destinations)):
            entry = row[i] if i < len(row) else None
            if entry is None or entry.get("Error"):
                travels.append(None)
            else:
                travels.append(Travel(int(entry["Duration"]), round(int(entry["Distance"]) / 1000, 3)))
        return travels

    async def close(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
