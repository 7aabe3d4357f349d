"""``SqliteDiscountStore``: discount codes in their own SQLite file beside the embedded catalog.

A handful of rows read by primary key: reads run at once on a read-only connection on the event loop's
thread, as the catalog's reads by key do; writes run on one worker thread. ``record_usage`` is a single
``UPDATE ... WHERE times_used < usage_limit``, atomic in SQLite.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from bff.backends.local.sqlite_worker import SqliteWorker
from bff.domain.discounts import DiscountKind, DiscountRule, DiscountTarget, normalise_code

SCHEMA = """
CREATE TABLE IF NOT EXISTS discounts (
    code TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    currency_code TEXT NOT NULL,
    target TEXT NOT NULL,
    category_id TEXT,
    minimum_subtotal TEXT,
    starts_at TEXT,
    ends_at TEXT,
    usage_limit INTEGER,
    times_used INTEGER NOT NULL DEFAULT 0,
    title TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID
"""
COLUMNS = (
    "code, kind, value, currency_code, target, category_id, minimum_subtotal, starts_at, ends_at, usage_limit, "
    "times_used, title"
)
# Every column but the usage count, which an upsert never changes for a code that exists.
TERMS = [c.strip() for c in COLUMNS.split(",") if c.strip() not in ("code", "times_used")]
UPSERT = (
    f"INSERT INTO discounts ({COLUMNS}) VALUES ({', '.join('?' * 12)}) "
    f"ON CONFLICT(code) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in TERMS)}"
)
RECORD_USAGE = (
    "UPDATE discounts SET times_used = times_used + 1 "
    "WHERE code = ? AND (usage_limit IS NULL OR times_used < usage_limit)"
)
# Keys per IN (...) query, under SQLite's bound-parameter limit.
CHUNK = 500


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def rule_from_row(row: sqlite3.Row) -> DiscountRule:
    return DiscountRule(
        code=row["code"],
        kind=DiscountKind(row["kind"]),
        value=Decimal(row["value"]),
        currency_code=row["currency_code"],
        target=DiscountTarget(row["target"]),
        category_id=row["category_id"],
        minimum_subtotal=_decimal(row["minimum_subtotal"]),
        starts_at=_time(row["starts_at"]),
        ends_at=_time(row["ends_at"]),
        usage_limit=row["usage_limit"],
        times_used=row["times_used"],
        title=row["title"],
    )


def row_of(rule: DiscountRule) -> tuple[object, ...]:
    return (
        normalise_code(rule.code),
        rule.kind.value,
        str(rule.value),
        rule.currency_code,
        rule.target.value,
        rule.category_id,
        None if rule.minimum_subtotal is None else str(rule.minimum_subtotal),
        None if rule.starts_at is None else rule.starts_at.isoformat(),
        None if rule.ends_at is None else rule.ends_at.isoformat(),
        rule.usage_limit,
        rule.times_used,
        rule.title,
    )


class SqliteDiscountStore:
    """The ``DiscountStore`` port over SQLite."""

    def __init__(self, worker: SqliteWorker, lookups: sqlite3.Connection) -> None:
        self._worker = worker
        self._lookups = lookups

    @classmethod
    async def open(cls, path: Path) -> SqliteDiscountStore:
        def setup(conn: sqlite3.Connection) -> None:
            conn.execute(SCHEMA)

        worker = await SqliteWorker.open(path, "sqlite-discounts", ("busy_timeout=5000",), setup)
        # Opened after the worker has created the table. Used on the event loop's thread only.
        lookups = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        lookups.row_factory = sqlite3.Row
        for pragma in ("query_only=ON", "busy_timeout=5000"):
            lookups.execute(f"PRAGMA {pragma}")
        return cls(worker, lookups)

    async def close(self) -> None:
        self._lookups.close()
        await self._worker.close()

    async def get_discounts(self, codes: Sequence[str]) -> list[DiscountRule | None]:
        keys = [normalise_code(c) for c in codes]
        unique = list(dict.fromkeys(keys))
        found: dict[str, DiscountRule] = {}
        for start in range(0, len(unique), CHUNK):
            chunk = unique[start : start + CHUNK]
            sql = f"SELECT {COLUMNS} FROM discounts WHERE code IN ({', '.join('?' * len(chunk))})"
            for row in self._lookups.execute(sql, chunk):
                found[row["code"]] = rule_from_row(row)
        return [found.get(k) for k in keys]

    async def upsert_discounts(self, rules: Sequence[DiscountRule]) -> None:
        rows = [row_of(r) for r in rules]

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(UPSERT, rows)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

        if rows:
            await self._worker.run(write)

    async def record_usage(self, code: str) -> bool:
        key = normalise_code(code)
        return await self._worker.run(lambda conn: conn.execute(RECORD_USAGE, (key,)).rowcount == 1)
