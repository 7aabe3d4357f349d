"""``ProductVariant.storeAvailability``: pickup stock at the nearest stores (Shopify's ``storeAvailability``).

The catalog's own types for it: the locator's ``Store`` type belongs to another resolver domain, which the
catalog never imports; ``location.id`` is the store's global id for ``store(id:)``.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from bff.context import Info
from bff.domain import stores as domain
from bff.errors import BadUserInput
from bff.ids import to_global_id
from bff.services import stores as service


@strawberry.input(description="Where the shopper is: `latitude` and `longitude`, or an `address` to geocode.")
class PickupNearInput:
    latitude: float | None = strawberry.field(default=None, description="Degrees north, -90 to 90.")
    longitude: float | None = strawberry.field(default=None, description="Degrees east, -180 to 180.")
    address: str | None = strawberry.field(default=None, description="An address, postcode or city (at most 200).")


@strawberry.type(description="A store where a variant can be picked up.")
class PickupLocation:
    id: strawberry.ID = strawberry.field(description="Global id of the store (for `store(id:)`).")
    name: str = strawberry.field(description="Store name.")
    address: str = strawberry.field(description="The store's address on one line.")
    distance_km: float = strawberry.field(description="Straight-line distance from `near`, in km.")


@strawberry.type(description="A variant's pickup stock at one store.")
class StoreAvailability:
    available: bool = strawberry.field(description="Whether the store has the variant for pickup now.")
    quantity_available: int = strawberry.field(description="Units ready for pickup at the store.")
    location: PickupLocation = strawberry.field(description="The store.")


async def store_availability(info: Info, variant_id: str, near: PickupNearInput, first: int) -> list[StoreAvailability]:
    ctx = info.context
    settings = ctx.settings
    limits = domain.SearchLimits(settings.stores_max_radius_km, settings.stores_max_results)
    domain.check_first(first, limits)
    has_point = near.latitude is not None or near.longitude is not None
    if has_point == (near.address is not None):
        raise BadUserInput("give either latitude and longitude, or an address", field="near")
    point = None
    if has_point:
        if near.latitude is None or near.longitude is None:
            raise BadUserInput("latitude and longitude go together", field="near")
        point = domain.check_point(near.latitude, near.longitude)
    elif not (near.address or "").strip() or len(near.address or "") > 200:
        raise BadUserInput("address: 1-200 characters", field="near.address")
    geocoders = service.Geocoders(ctx.backends.geocoder, ctx.backends.fallback_geocoder)
    origin = await service.origin_of(geocoders, point, near.address)
    if origin.position is None:
        return []
    found = await service.store_availability(
        ctx.backends.stores, variant_id, origin.position, settings.stores_max_radius_km, first
    )
    return [
        StoreAvailability(
            available=f.quantity > 0,
            quantity_available=f.quantity,
            location=PickupLocation(
                id=strawberry.ID(to_global_id("Store", f.store.id)),
                name=f.store.name,
                address=f.store.address.label(),
                distance_km=f.distance_km,
            ),
        )
        for f in found
    ]


Near = Annotated[PickupNearInput, strawberry.argument(description="Where the shopper is.")]
PickupFirst = Annotated[int, strawberry.argument(description="How many of the nearest pickup stores (at most 50).")]
