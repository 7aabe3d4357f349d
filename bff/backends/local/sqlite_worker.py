"""One SQLite connection on one worker thread: the event loop never blocks on a query, and SQLite never
sees two threads. The embedded catalog and the embedded search engine each own one."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
# Switching a fresh file to WAL takes its lock for a moment, without SQLite's busy handler: servers starting
# together (`bff serve --workers N`) can meet "database is locked" there, so it is tried again meanwhile.
WAL_ATTEMPTS, WAL_PAUSE_SECONDS = 100, 0.05


def apply_pragmas(conn: sqlite3.Connection, pragmas: tuple[str, ...]) -> None:
    """Each ``PRAGMA``, in order; a ``journal_mode`` that finds the file locked is tried again for ~5 s."""
    for pragma in pragmas:
        for attempt in range(WAL_ATTEMPTS):
            try:
                conn.execute(f"PRAGMA {pragma}")
                break
            except sqlite3.OperationalError as error:
                if not pragma.startswith("journal_mode") or "locked" not in str(error) or attempt == WAL_ATTEMPTS - 1:
                    raise
                time.sleep(WAL_PAUSE_SECONDS)


class SqliteWorker:
    def __init__(self, conn: sqlite3.Connection, executor: ThreadPoolExecutor) -> None:
        self.conn = conn
        self._executor = executor

    @classmethod
    async def open(
        cls, path: Path, name: str, pragmas: tuple[str, ...], setup: Callable[[sqlite3.Connection], None]
    ) -> SqliteWorker:
        """Connect in WAL mode on a fresh worker thread, apply ``pragmas``, then run ``setup`` (migrations)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

        def connect() -> sqlite3.Connection:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            apply_pragmas(conn, ("journal_mode=WAL", "synchronous=NORMAL", *pragmas))
            setup(conn)
            return conn

        conn = await asyncio.get_running_loop().run_in_executor(executor, connect)
        return cls(conn, executor)

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, self.conn)

    async def close(self) -> None:
        await self.run(lambda conn: conn.close())
        self._executor.shutdown(wait=True)
