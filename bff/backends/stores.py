"""The ``StoreLocator`` port: the stores' own data (by id, by country and region) and nearest-store search.

Adapters: ``SqliteStoreLocator`` (embedded, ``bff/backends/local/stores_sqlite.py``) and
``DynamoStoreLocator`` (the single table: ``pk=STORE#<id>``, listed by country on GSI2,
``bff/backends/stores_dynamodb.py``). Both keep every store in memory behind a latitude-sorted index
(``StoreSet``) and reload it when the stored set changed, so ``nearest`` never waits on the database: a
retailer has thousands of stores, not millions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from bff.backends.ports import PortSpec
from bff.domain.stores import NearbyQuery, NearbyStore, Store


@runtime_checkable
class StoreLocator(Protocol):
    async def get_stores(self, ids: Sequence[str]) -> list[Store | None]:
        """Stores in the order of ``ids``, ``None`` where there is none."""

    async def nearest(self, query: NearbyQuery) -> list[NearbyStore]:
        """Stores within the query's radius, nearest first (great-circle distance), filtered as asked."""

    async def list_stores(self, country: str, region: str | None = None) -> list[Store]:
        """A country's stores (of one region), ordered by region then id."""

    async def upsert_stores(self, stores: Sequence[Store]) -> None:
        """Insert or replace stores (``bff seed``, ``bff import``)."""

    async def count_stores(self) -> int: ...

    async def close(self) -> None: ...


STORES: PortSpec[StoreLocator] = PortSpec(
    StoreLocator,
    "stores",
    idempotent=("get_stores", "nearest", "list_stores", "upsert_stores", "count_stores"),
    bulk=("upsert_stores",),
)
