"""``SqliteContentStore``: pages, menus and curated collections in their own SQLite file.

One row per item: its kind, handle and stored form as JSON (``bff.domain.content_records``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import orjson

from bff.backends.content import MAX_LIST
from bff.backends.local.sqlite_worker import SqliteWorker
from bff.domain.content import ContentItem, ContentKind, kind_of
from bff.domain.content_records import content_from_dict, content_to_dict

SCHEMA = """
CREATE TABLE IF NOT EXISTS content (
    kind TEXT NOT NULL,
    handle TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, handle)
) WITHOUT ROWID;
"""


def _setup(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)


def _decode(data: str) -> ContentItem:
    return content_from_dict(orjson.loads(data))


class SqliteContentStore:
    def __init__(self, worker: SqliteWorker) -> None:
        self._worker = worker

    @classmethod
    async def open(cls, path: Path) -> SqliteContentStore:
        return cls(await SqliteWorker.open(path, "content-sqlite", ("busy_timeout=5000",), _setup))

    async def get_items(self, kind: ContentKind, handles: Sequence[str]) -> list[ContentItem | None]:
        unique = list(dict.fromkeys(handles))
        if not unique:
            return []

        def read(conn: sqlite3.Connection) -> dict[str, str]:
            marks = ",".join("?" * len(unique))
            sql = f"SELECT handle, data FROM content WHERE kind = ? AND handle IN ({marks})"  # noqa: S608
            return dict(conn.execute(sql, (kind.value, *unique)).fetchall())

        found = await self._worker.run(read)
        return [_decode(found[h]) if h in found else None for h in handles]

    async def list_items(self, kind: ContentKind, after: str | None, limit: int) -> list[ContentItem]:
        limit = max(0, min(limit, MAX_LIST))

        def read(conn: sqlite3.Connection) -> list[str]:
            rows = conn.execute(
                "SELECT data FROM content WHERE kind = ? AND handle > ? ORDER BY handle LIMIT ?",
                (kind.value, after or "", limit),
            ).fetchall()
            return [row[0] for row in rows]

        return [_decode(data) for data in await self._worker.run(read)]

    async def count_items(self, kind: ContentKind) -> int:
        def count(conn: sqlite3.Connection) -> int:
            return int(conn.execute("SELECT count(*) FROM content WHERE kind = ?", (kind.value,)).fetchone()[0])

        return await self._worker.run(count)

    async def upsert_items(self, items: Sequence[ContentItem]) -> None:
        rows = [(kind_of(i).value, i.handle, orjson.dumps(content_to_dict(i)).decode()) for i in items]

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN")
            try:
                conn.executemany("INSERT OR REPLACE INTO content (kind, handle, data) VALUES (?, ?, ?)", rows)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

        await self._worker.run(write)

    async def close(self) -> None:
        await self._worker.close()
