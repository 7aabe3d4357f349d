"""``OrderQuery``: an order by id."""

from __future__ import annotations

from typing import Annotated

import strawberry

from bff.context import Info
from bff.ids import from_global_id
from resolvers.orders.access import load_order
from resolvers.orders.types import Order


@strawberry.type
class OrderQuery:
    @strawberry.field(
        description=(
            "An order by id: the caller's own (an admin's: any); a guest's order by its id alone. Null when "
            "there is none, or it is another customer's."
        )
    )
    async def order(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Global id of the order.")]
    ) -> Order | None:
        _, key = from_global_id(id, "Order")
        return await load_order(info.context, key)  # type: ignore[return-value]
