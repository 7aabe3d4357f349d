"""One SQLite connection on one worker thread: the event loop never blocks on a query, and SQLite never
sees two threads. The embedded catalog and the embedded search engine each own one."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


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
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", *pragmas):
                conn.execute(f"PRAGMA {pragma}")
            setup(conn)
            return conn

        conn = await asyncio.get_running_loop().run_in_executor(executor, connect)
        return cls(conn, executor)

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, self.conn)

    async def close(self) -> None:
        await self.run(lambda conn: conn.close())
        self._executor.shutdown(wait=True)
