"""``SqliteRunQueue``: the embedded workflow's runs, one row per order, claimed under a lease.

A worker claims a due run by writing its name and a lease expiry in one ``UPDATE ... RETURNING`` inside a
write transaction, so of two workers (threads or processes on one data dir) exactly one gets it. It saves the
run's progress only while it still holds the lease; a worker that died (SIGKILL) holds nothing after its lease
expires, and the next claim picks the run up where it was last saved: steps are written to be run again.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

from bff.backends.local.sqlite_order_rows import SCHEMA, in_transaction
from bff.backends.local.sqlite_worker import SqliteWorker
from bff.domain.order_workflow import Run

CLAIM = """
UPDATE order_runs SET lease_owner = ?, lease_until = ?
WHERE order_id = (
    SELECT order_id FROM order_runs
    WHERE done = 0 AND run_after <= ? AND lease_until < ?
    ORDER BY run_after LIMIT 1
)
RETURNING order_id, state, data, attempt
"""
EXISTS = "SELECT 1 FROM order_runs WHERE order_id = ?"
DUE = "SELECT 1 FROM order_runs WHERE done = 0 AND run_after <= ? AND lease_until < ? LIMIT 1"
SAVE = """
UPDATE order_runs SET state = ?, data = ?, attempt = ?, run_after = ?, done = ?, failed = ?,
    lease_owner = NULL, lease_until = 0
WHERE order_id = ? AND lease_owner = ? AND lease_until >= ?
"""


class SqliteRunQueue:
    """The ``RunQueue`` port over SQLite."""

    def __init__(self, worker: SqliteWorker) -> None:
        self.worker = worker

    @classmethod
    async def open(cls, path: Path) -> SqliteRunQueue:
        def setup(conn: sqlite3.Connection) -> None:
            conn.row_factory = sqlite3.Row
            conn.executescript(SCHEMA)

        return cls(await SqliteWorker.open(path, "sqlite-order-runs", ("busy_timeout=10000",), setup))

    async def close(self) -> None:
        await self.worker.close()

    async def claim(self, owner: str, lease_seconds: float, now: datetime) -> Run | None:
        moment = now.timestamp()

        def claim(conn: sqlite3.Connection) -> Run | None:
            row = conn.execute(CLAIM, (owner, moment + lease_seconds, moment, moment)).fetchone()
            if row is None:
                return None
            return Run(row["order_id"], row["state"], json.loads(row["data"]), row["attempt"])

        def claim_if_due(conn: sqlite3.Connection) -> Run | None:
            # An idle worker looks without the write lock: the catalog's writers are not kept waiting by polls.
            if conn.execute(DUE, (moment, moment)).fetchone() is None:
                return None
            return in_transaction(conn, claim)

        return await self.worker.run(claim_if_due)

    async def save(self, run: Run, owner: str, run_after: datetime, now: datetime) -> bool:
        args = (
            run.state,
            json.dumps(run.data),
            run.attempt,
            run_after.timestamp(),
            int(run.done),
            int(run.failed),
            run.order_id,
            owner,
            now.timestamp(),
        )
        return await self.worker.run(lambda conn: in_transaction(conn, lambda c: c.execute(SAVE, args).rowcount == 1))

    async def extend(self, order_id: str, owner: str, until: datetime) -> bool:
        sql = "UPDATE order_runs SET lease_until = ? WHERE order_id = ? AND lease_owner = ?"
        args = (until.timestamp(), order_id, owner)
        return await self.worker.run(lambda conn: in_transaction(conn, lambda c: c.execute(sql, args).rowcount == 1))

    async def start_run(self, order_id: str, data: dict[str, object], state: str, *, again: bool = False) -> bool:
        restart = (
            " ON CONFLICT(order_id) DO UPDATE SET state = excluded.state, data = excluded.data, attempt = 0,"
            " run_after = 0, done = 0, failed = 0, lease_owner = NULL, lease_until = 0 WHERE done = 1"
        )
        sql = "INSERT INTO order_runs (order_id, state, data, run_after) VALUES (?, ?, ?, 0)"
        sql = sql + restart if again else sql.replace("INSERT", "INSERT OR IGNORE", 1)
        args = (order_id, state, json.dumps(data))

        def start(conn: sqlite3.Connection) -> bool:
            # Checkout's transaction already wrote the run: seen without the write lock, which the next
            # checkout's transaction (another connection to the same file) may hold. Waiting for it is SQLite's
            # busy handler, sleeping 1, 2, 5, 10... ms: a checkout's tail of ~50 ms.
            if not again and conn.execute(EXISTS, (order_id,)).fetchone() is not None:
                return False
            return in_transaction(conn, lambda c: c.execute(sql, args).rowcount == 1)

        return await self.worker.run(start)

    async def unfinished(self) -> int:
        sql = "SELECT COUNT(*) FROM order_runs WHERE done = 0"
        row = await self.worker.run(lambda conn: conn.execute(sql).fetchone())
        return int(row[0])
