"""``IdentityQuery``: who the caller is."""

from __future__ import annotations

import strawberry

from bff.context import Info
from resolvers.identity.types import Customer


@strawberry.type
class IdentityQuery:
    @strawberry.field(
        description=(
            "The signed-in customer; null when the request carries no token (an invalid token is refused "
            "with HTTP 401 before the query runs)."
        )
    )
    def me(self, info: Info) -> Customer | None:
        user = info.context.user
        return None if user is None else Customer.from_identity(user)

    @strawberry.field(
        description=(
            "The signed-in customer (Shopify's name for `me`): `customer { cart }` is their current cart, "
            "`customer { orders }` their order history."
        )
    )
    def customer(self, info: Info) -> Customer | None:
        user = info.context.user
        return None if user is None else Customer.from_identity(user)
