"""A store's stored form: the SQLite row's JSON, the DynamoDB item's ``data`` and a stores feed's record
(``docs/stores.md``, "Stores feed"); ``store_from_dict`` checks a record and names its first problem."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from zoneinfo import ZoneInfo

from bff.domain.stores import WEEKDAYS, Address, Store, StoreService, check_point, parse_period
from bff.errors import BadUserInput


def store_to_dict(store: Store) -> dict[str, object]:
    return {
        "id": store.id,
        "name": store.name,
        "address": {
            "line1": store.address.line1,
            "city": store.address.city,
            "region": store.address.region,
            "postalCode": store.address.postal_code,
            "country": store.address.country,
        },
        "latitude": store.position.latitude,
        "longitude": store.position.longitude,
        "phone": store.phone,
        "timezone": store.timezone,
        "hours": {day: [p.text() for p in store.hours[i]] for i, day in enumerate(WEEKDAYS)},
        "exceptions": {d.isoformat(): [p.text() for p in periods] for d, periods in sorted(store.exceptions.items())},
        "services": sorted(s.value for s in store.services),
        "pickupStock": dict(sorted(store.pickup_stock.items())),
    }


def store_from_dict(data: Mapping[str, object]) -> Store:
    """A store from its stored or feed form; ``ValueError`` naming the first problem."""
    address = data.get("address")
    if not isinstance(address, Mapping):
        raise ValueError("address: an object is required")
    store_id = _text(data, "id")
    if not store_id.replace("-", "").replace("_", "").isalnum() or len(store_id) > 64:
        raise ValueError("id: letters, digits, '-' and '_' only (at most 64)")
    timezone = _text(data, "timezone")
    try:
        ZoneInfo(timezone)
    except (ValueError, KeyError, OSError):
        raise ValueError(f"timezone: {timezone!r} is not an IANA time zone") from None
    hours = data.get("hours")
    if not isinstance(hours, Mapping) or set(hours) - set(WEEKDAYS):
        raise ValueError(f"hours: an object keyed by {', '.join(WEEKDAYS)}")
    exceptions = data.get("exceptions") or {}
    if not isinstance(exceptions, Mapping):
        raise ValueError("exceptions: an object keyed by ISO date")
    try:
        services = frozenset(StoreService(str(s)) for s in _list(data.get("services")))
    except ValueError:
        raise ValueError("services: each one of pickup, returns") from None
    stock = data.get("pickupStock") or {}
    if not isinstance(stock, Mapping) or not all(isinstance(v, int) and v >= 0 for v in stock.values()):
        raise ValueError("pickupStock: an object of variant id -> units (0 or more)")
    try:
        position = check_point(float(data["latitude"]), float(data["longitude"]))  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError, BadUserInput):
        raise ValueError("latitude/longitude: numbers within range are required") from None
    return Store(
        id=store_id,
        name=_text(data, "name"),
        address=Address(
            line1=_text(address, "line1", required=False),
            city=_text(address, "city"),
            region=_text(address, "region", required=False),
            postal_code=_text(address, "postalCode", required=False),
            country=_text(address, "country").upper(),
        ),
        position=position,
        phone=_text(data, "phone", required=False),
        timezone=timezone,
        hours=tuple(tuple(parse_period(str(p)) for p in _list(hours.get(day))) for day in WEEKDAYS),
        exceptions={
            date.fromisoformat(str(day)): tuple(parse_period(str(p)) for p in _list(periods))
            for day, periods in exceptions.items()
        },
        services=services,
        pickup_stock={str(k): int(v) for k, v in stock.items()},
    )


def _text(data: Mapping[str, object], key: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > 300:
        raise ValueError(f"{key}: a text of 1-300 characters is required")
    return value.strip()


def _list(value: object) -> list[object]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("a list is expected")
    return value
