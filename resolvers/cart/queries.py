"""``CartQuery``: a cart by its id (a guest cart's id is its access right)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from bff.context import Info
from bff.ids import from_global_id
from resolvers.cart.access import load_cart
from resolvers.cart.types import Cart


@strawberry.type
class CartQuery:
    @strawberry.field(
        description=(
            "A cart by id; null when there is none or it expired. A cart attached to a customer answers only "
            "that customer (and support staff): anybody else gets `FORBIDDEN`."
        )
    )
    async def cart(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The cart's id.")]
    ) -> Cart | None:
        return await load_cart(info.context, from_global_id(id, "Cart")[1])
