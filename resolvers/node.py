"""``node(id:)`` and ``nodes(ids:)``: any object by its global id (Relay)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import strawberry

from bff import privacy
from bff.context import Info
from bff.errors import BadUserInput, Forbidden
from bff.ids import from_global_id
from resolvers.cart.access import load_cart
from resolvers.common import Node
from resolvers.content.access import load_collection, load_page
from resolvers.orders.access import load_order

MAX_NODES = 250


async def _load(info: Info, global_id: str, field: str) -> object | None:
    type_name, key = from_global_id(global_id, field=field)
    loaders = info.context.loaders
    if type_name == "Product":
        return await loaders.product_by_id.load(key)
    if type_name == "ProductVariant":
        return await loaders.variant_by_id.load(key)
    if type_name == "Category":
        return await loaders.category_by_id.load(key)
    if type_name == "Collection":
        return await load_collection(info.context, key)
    if type_name == "Page":
        return await load_page(info.context, key)
    if type_name == "Cart":  # the caller's, or FORBIDDEN; the response is then never cached
        return await load_cart(info.context, key)
    if type_name == "Order":  # the caller's (or any, for an admin), else null; never cached
        privacy.mark_private()
        return await load_order(info.context, key)
    return None  # a cart line is reached through its cart


async def _load_or_error(info: Info, global_id: str, field: str) -> object | None:
    try:
        return await _load(info, global_id, field)
    except (BadUserInput, Forbidden) as error:  # another customer's cart: that slot alone
        return error


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global id; null when there is none.")
    async def node(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Global id.")]
    ) -> Node | None:
        return await _load(info, id, "id")  # type: ignore[return-value]

    @strawberry.field(description=f"Objects by global id, in the order asked (at most {MAX_NODES}).")
    async def nodes(
        self, info: Info, ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids.")]
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise BadUserInput(f"`ids`: at most {MAX_NODES} ids", field="ids")
        found = await asyncio.gather(*(_load_or_error(info, gid, f"ids[{i}]") for i, gid in enumerate(ids)))
        # An error in a slot becomes null there, with the error's path naming it (["nodes", i]).
        return list(found)  # type: ignore[arg-type]
