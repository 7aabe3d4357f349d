"""``SqliteStoreLocator``: stores in their own SQLite file, searched from memory.

One row per store (its stored form as JSON, with country and region as columns for listings). The whole set
is read into a ``StoreSet`` at open; this process's writes rebuild it at once, another process's (``bff
import`` while the app runs) are noticed through ``PRAGMA data_version``, read at most once a second.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

import orjson

from bff.backends.local.sqlite_worker import SqliteWorker
from bff.backends.local.stores_index import StoreSet
from bff.domain.store_records import store_from_dict, store_to_dict
from bff.domain.stores import NearbyQuery, NearbyStore, Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS stores (
    id TEXT PRIMARY KEY,
    country TEXT NOT NULL,
    region TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS stores_by_region ON stores (country, region, id);
"""


def _setup(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)


def _read_all(conn: sqlite3.Connection) -> tuple[list[Store], int]:
    rows = conn.execute("SELECT data FROM stores ORDER BY id").fetchall()
    version = int(conn.execute("PRAGMA data_version").fetchone()[0])
    return [store_from_dict(orjson.loads(row[0])) for row in rows], version


class SqliteStoreLocator:
    def __init__(self, worker: SqliteWorker, stores: list[Store], version: int, check_interval: float) -> None:
        self._worker = worker
        self._set = StoreSet(stores)
        self._version = version
        self._check_interval = check_interval
        self._checked = time.monotonic()

    @classmethod
    async def open(cls, path: Path, *, check_interval: float = 1.0) -> SqliteStoreLocator:
        worker = await SqliteWorker.open(path, "stores-sqlite", ("busy_timeout=5000",), _setup)
        stores, version = await worker.run(_read_all)
        return cls(worker, stores, version, check_interval)

    async def _current(self) -> StoreSet:
        now = time.monotonic()
        if now - self._checked >= self._check_interval:
            self._checked = now
            version = await self._worker.run(lambda c: int(c.execute("PRAGMA data_version").fetchone()[0]))
            if version != self._version:
                stores, self._version = await self._worker.run(_read_all)
                self._set = StoreSet(stores)
        return self._set

    async def get_stores(self, ids: Sequence[str]) -> list[Store | None]:
        found = (await self._current()).by_id
        return [found.get(i) for i in ids]

    async def nearest(self, query: NearbyQuery) -> list[NearbyStore]:
        return (await self._current()).nearest(query)

    async def list_stores(self, country: str, region: str | None = None) -> list[Store]:
        stores = (await self._current()).stores
        chosen = [s for s in stores if s.address.country == country and (region is None or s.address.region == region)]
        return sorted(chosen, key=lambda s: (s.address.region, s.id))

    async def count_stores(self) -> int:
        return len((await self._current()).stores)

    async def upsert_stores(self, stores: Sequence[Store]) -> None:
        rows = [(s.id, s.address.country, s.address.region, orjson.dumps(store_to_dict(s)).decode()) for s in stores]

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN")
            try:
                conn.executemany("INSERT OR REPLACE INTO stores (id, country, region, data) VALUES (?, ?, ?, ?)", rows)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

        await self._worker.run(write)
        merged = {**self._set.by_id, **{s.id: s for s in stores}}
        self._set = StoreSet(sorted(merged.values(), key=lambda s: s.id))

    async def close(self) -> None:
        await self._worker.close()
