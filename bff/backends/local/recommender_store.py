"""The embedded recommender's SQLite file: the interaction history and the last model built from it.

``interactions`` is append-only (what shoppers did); ``model_lists`` holds the model as rows of
``(kind, key, JSON list of ids)``, replaced whole by each rebuild in one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import orjson

from bff.backends.local.recommender_model import Model
from bff.backends.local.sqlite_worker import SqliteWorker
from bff.domain.recommendations import EventType, Interaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS interactions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT,
    session_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    occurred_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS interactions_shopper ON interactions (user_id, session_id, seq);
CREATE TABLE IF NOT EXISTS model_lists (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    items BLOB NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE TABLE IF NOT EXISTS model_meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

LISTS = ("related", "bought_together", "for_shopper", "popular_by_category")


def _setup(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)


def _row(event: Interaction) -> tuple[object, ...]:
    return (
        event.user_id,
        event.session_id,
        event.item_id,
        event.event_type.value,
        event.occurred_at.timestamp(),
    )


def _event(row: tuple[str | None, str, str, str, float]) -> Interaction:
    user_id, session_id, item_id, event_type, at = row
    return Interaction(
        session_id=session_id,
        item_id=item_id,
        event_type=EventType(event_type),
        occurred_at=datetime.fromtimestamp(at, UTC),
        user_id=user_id,
    )


class InteractionStore:
    def __init__(self, worker: SqliteWorker) -> None:
        self.worker = worker

    @classmethod
    async def open(cls, path: Path) -> InteractionStore:
        return cls(await SqliteWorker.open(path, "recommender", (), _setup))

    async def append(self, events: Sequence[Interaction]) -> None:
        rows = [_row(e) for e in events]

        def write(conn: sqlite3.Connection) -> None:
            with conn:
                conn.executemany(
                    "INSERT INTO interactions (user_id, session_id, item_id, event_type, occurred_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    rows,
                )

        if rows:
            await self.worker.run(write)

    async def last_seq(self) -> int:
        def read(conn: sqlite3.Connection) -> int:
            return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM interactions").fetchone()[0])

        return await self.worker.run(read)

    async def history(self) -> list[Interaction]:
        def read(conn: sqlite3.Connection) -> list[Interaction]:
            rows = conn.execute(
                "SELECT user_id, session_id, item_id, event_type, occurred_at FROM interactions ORDER BY seq"
            ).fetchall()
            return [_event(r) for r in rows]

        return await self.worker.run(read)

    async def recent(self, limit: int) -> list[Interaction]:
        """The last ``limit`` events, oldest first (to warm the recently-viewed lists at start)."""

        def read(conn: sqlite3.Connection) -> list[Interaction]:
            rows = conn.execute(
                "SELECT user_id, session_id, item_id, event_type, occurred_at FROM interactions "
                "ORDER BY seq DESC LIMIT ?",
                (limit,),
            ).fetchall()
            return [_event(r) for r in reversed(rows)]

        return await self.worker.run(read)

    async def save_model(self, model: Model, built_from_seq: int) -> None:
        rows: list[tuple[str, str, bytes]] = [("popular", "", orjson.dumps(model.popular))]
        for kind in LISTS:
            lists: dict[str, tuple[str, ...]] = getattr(model, kind)
            rows.extend((kind, key, orjson.dumps(items)) for key, items in lists.items())
        rows.extend(("affinity", k, orjson.dumps(v)) for k, v in model.affinity.items())
        rows.append(("category_of", "", orjson.dumps(model.category_of)))

        def write(conn: sqlite3.Connection) -> None:
            with conn:
                conn.execute("DELETE FROM model_lists")
                conn.executemany("INSERT INTO model_lists (kind, key, items) VALUES (?, ?, ?)", rows)
                meta = {"built_from_seq": str(built_from_seq), "interactions": str(model.interactions)}
                conn.executemany("INSERT OR REPLACE INTO model_meta (name, value) VALUES (?, ?)", meta.items())

        await self.worker.run(write)

    async def load_model(self) -> tuple[Model, int] | None:
        """The stored model and the last interaction it saw; None when none was built."""

        def read(conn: sqlite3.Connection) -> tuple[Model, int] | None:
            meta = dict(conn.execute("SELECT name, value FROM model_meta").fetchall())
            if "built_from_seq" not in meta:
                return None
            model = Model(interactions=int(meta["interactions"]))
            for kind, key, items in conn.execute("SELECT kind, key, items FROM model_lists"):
                value = orjson.loads(items)
                if kind == "popular":
                    model.popular = tuple(value)
                elif kind == "category_of":
                    model.category_of = value
                elif kind == "affinity":
                    model.affinity[key] = value
                elif kind in LISTS:
                    getattr(model, kind)[key] = tuple(value)
            return model, int(meta["built_from_seq"])

        return await self.worker.run(read)

    async def close(self) -> None:
        await self.worker.close()
