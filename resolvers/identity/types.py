"""``Customer``: the signed-in person, as their token describes them."""

from __future__ import annotations

from typing import Annotated

import strawberry

from bff.context import Info
from bff.domain.identity import Identity
from bff.ownership import check_cart_owner
from resolvers.cart.types import Cart
from resolvers.connection import Connection
from resolvers.orders.customer import customer_orders
from resolvers.orders.types import Order


@strawberry.type(description="The signed-in customer (or staff member), as their identity provider vouches.")
class Customer:
    id: strawberry.ID = strawberry.field(description="Stable id of the customer (the token's subject).")
    email: str | None = strawberry.field(description="Email address, when the token carries one.")
    username: str = strawberry.field(description="Sign-in name.")
    display_name: str = strawberry.field(description="Name to greet the customer with.")
    groups: list[str] = strawberry.field(description="Groups the customer belongs to, e.g. `admin`.")

    @strawberry.field(description="The customer's current cart (the last one attached to them); null when none.")
    async def cart(self, info: Info) -> Cart | None:
        ctx = info.context
        record = (await ctx.backends.carts.get_customer_carts([str(self.id)]))[0]
        if record is None:
            return None
        check_cart_owner(ctx.user, record.customer_id)
        ctx.loaders.cart_by_id.prime(record.id, record)
        return Cart.of(record, ctx)

    @strawberry.field(description="The customer's orders, newest first (placed a moment ago included).")
    async def orders(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description="Orders per page (the page-size cap).")] = None,
        after: Annotated[str | None, strawberry.argument(description="Cursor: the orders older than it.")] = None,
    ) -> Connection[Order]:
        return await customer_orders(info.context, str(self.id), first, after)

    @classmethod
    def from_identity(cls, identity: Identity) -> Customer:
        display = identity.username.split("@", 1)[0] if "@" in identity.username else identity.username
        return cls(
            id=strawberry.ID(identity.subject),
            email=identity.email,
            username=identity.username,
            display_name=display,
            groups=sorted(identity.groups),
        )
