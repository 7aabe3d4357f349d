"""``Connection[T]`` and ``Edge[T]``: the one Relay connection every list of the API is built from.

Strawberry names each use after its node type (``Connection[Product]`` is ``ProductConnection``), so a
domain declares no connection classes of its own; one that carries more (search's facets) subclasses it.
``totalCount`` runs its count only when selected.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry

from bff.cursors import Position
from resolvers.common import PageInfo

T = TypeVar("T")
Counter = Callable[[], Awaitable[int]]


@strawberry.type(description="An item of a list and its position in it (Relay edge).")
class Edge(Generic[T]):
    node: T = strawberry.field(description="The item.")
    position: strawberry.Private[Position]

    @strawberry.field(description="Opaque position, for `after`/`before`.")
    def cursor(self) -> str:
        return self.position.cursor()


@strawberry.type(description="A page of a list (Relay connection).")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page with their cursors.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the whole list.")
    count: strawberry.Private[Counter]

    @strawberry.field(description="The items of this page, without cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many items the whole list holds (counted only when asked for).")
    async def total_count(self) -> int:
        return await self.count()


def known_count(total: int) -> Counter:
    """A ``count`` for a list whose length is already known."""

    async def count() -> int:
        return total

    return count
