"""``Customer``: the signed-in person, as their token describes them."""

from __future__ import annotations

import strawberry

from bff.context import Info
from bff.domain.identity import Identity
from bff.ownership import check_cart_owner
from resolvers.cart.types import Cart


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
