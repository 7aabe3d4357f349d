"""``DynamoStoreLocator``: stores in the single table (``docs/data-model.md``, access pattern 18).

- a store: ``pk=STORE#<id>``, ``sk=STORE``, its stored form as JSON in ``data``; in GSI2 under
  ``gsi2pk=STORES#<country>``, ``gsi2sk=<region>#<id>`` (a country's stores by region);
- the countries that have stores: ``pk=STORES``, ``sk=COUNTRIES``, a string set added to on every write.

The whole set is read (one Query of GSI2 per country) into a ``StoreSet`` at first use and again every
``refresh_seconds``; this process's writes update it at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import Any

import orjson

from bff.backends import dynamodb_schema as s
from bff.backends.dynamodb_client import DynamoRequests, aioboto3_caller
from bff.backends.dynamodb_config import NO_DEADLINE, open_client
from bff.backends.dynamodb_items import to_wire
from bff.backends.local.stores_index import StoreSet
from bff.domain.store_records import store_from_dict, store_to_dict
from bff.domain.stores import NearbyQuery, NearbyStore, Store
from bff.settings import CallPolicy

STORE = "STORE"
STORES = "STORES"


def store_key(store_id: str) -> dict[str, str]:
    return {s.PK: f"{STORE}#{store_id}", s.SK: STORE}


def countries_key() -> dict[str, str]:
    return {s.PK: STORES, s.SK: "COUNTRIES"}


def store_item(store: Store) -> dict[str, Any]:
    return {
        **store_key(store.id),
        s.GSI2_PK: f"{STORES}#{store.address.country}",
        s.GSI2_SK: f"{store.address.region}#{store.id}",
        "data": orjson.dumps(store_to_dict(store)).decode(),
    }


class DynamoStoreLocator:
    def __init__(self, requests: DynamoRequests, stack: AsyncExitStack | None, refresh_seconds: float) -> None:
        self.requests = requests
        self._stack = stack
        self._refresh_seconds = refresh_seconds
        self._set: StoreSet | None = None
        self._loaded = 0.0
        self._lock = asyncio.Lock()

    @classmethod
    async def open(
        cls,
        table: str,
        region: str,
        endpoint_url: str | None = None,
        *,
        refresh_seconds: float = 60.0,
        policy: CallPolicy | None = None,
    ) -> DynamoStoreLocator:
        """The stores in ``table``; the client follows ``policy`` as the catalog's does (``dynamodb_config``)."""
        stack = AsyncExitStack()
        client = await open_client(stack, region, endpoint_url, policy or NO_DEADLINE)
        return cls(DynamoRequests(table, aioboto3_caller(client), capability="stores"), stack, refresh_seconds)

    async def _countries(self) -> list[str]:
        request = {"TableName": self.requests.table, "Key": to_wire(countries_key())}
        item = (await self.requests.call("GetItem", request)).get("Item")
        return sorted(item["countries"]["SS"]) if item and "countries" in item else []

    async def _query_country(self, country: str) -> list[Store]:
        items = await self.requests.query_items(
            {
                "IndexName": s.GSI2,
                "KeyConditionExpression": "#pk = :pk",
                "ExpressionAttributeNames": {"#pk": s.GSI2_PK},
                "ExpressionAttributeValues": {":pk": {"S": f"{STORES}#{country}"}},
            }
        )
        return [store_from_dict(orjson.loads(item["data"])) for item in items]

    async def _current(self) -> StoreSet:
        if self._set is not None and time.monotonic() - self._loaded < self._refresh_seconds:
            return self._set
        async with self._lock:
            if self._set is None or time.monotonic() - self._loaded >= self._refresh_seconds:
                stores: list[Store] = []
                for country in await self._countries():
                    stores += await self._query_country(country)
                self._set = StoreSet(sorted(stores, key=lambda store: store.id))
                self._loaded = time.monotonic()
        return self._set

    async def get_stores(self, ids: Sequence[str]) -> list[Store | None]:
        found = (await self._current()).by_id
        return [found.get(i) for i in ids]

    async def nearest(self, query: NearbyQuery) -> list[NearbyStore]:
        return (await self._current()).nearest(query)

    async def list_stores(self, country: str, region: str | None = None) -> list[Store]:
        stores = await self._query_country(country)
        chosen = [x for x in stores if region is None or x.address.region == region]
        return sorted(chosen, key=lambda x: (x.address.region, x.id))

    async def count_stores(self) -> int:
        return len((await self._current()).stores)

    async def upsert_stores(self, stores: Sequence[Store]) -> None:
        if not stores:
            return
        await self.requests.batch_write([store_item(x) for x in stores])
        countries = sorted({x.address.country for x in stores})
        await self.requests.call(
            "UpdateItem",
            {
                "TableName": self.requests.table,
                "Key": to_wire(countries_key()),
                "UpdateExpression": "ADD #c :c",
                "ExpressionAttributeNames": {"#c": "countries"},
                "ExpressionAttributeValues": {":c": {"SS": countries}},
            },
        )
        current = await self._current()
        merged = {**current.by_id, **{x.id: x for x in stores}}
        self._set = StoreSet(sorted(merged.values(), key=lambda x: x.id))

    async def close(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
