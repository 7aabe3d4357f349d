"""Read-only connections to one SQLite file, one per thread of a small pool: queries run side by side.

WAL mode lets readers proceed while the writer (a ``SqliteWorker``) commits, and the sqlite3 module releases
the GIL while SQLite works, so a slow query (a broad word over a large catalog) no longer holds up the
quick ones queued behind it. Every call runs in one read transaction: it sees the file as it was when its
first statement ran, including everything committed before the call started, and nothing committed while
it runs (a rebuild renaming fresh tables over the live ones is seen whole or not at all).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
MAX_READERS = 4


def reader_count() -> int:
    """One reader per CPU this process may run on, at most ``MAX_READERS``.

    More readers than CPUs only add GIL hand-offs between threads (the sqlite3 module takes the GIL back
    after every step): on one CPU, four readers made broad searches over 100,000 products ~1.5x slower at
    the median than one reader, and doubled the p99 of the quick searches mixed in with them.
    """
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(MAX_READERS, cpus))


def in_snapshot(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """Run ``fn`` in one read transaction on ``conn`` (a connection in autocommit mode)."""
    conn.execute("BEGIN")
    try:
        result = fn(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


class SqliteReaders:
    """``size`` read-only connections to ``path``, each opened on first use by its own pool thread."""

    def __init__(self, path: Path, size: int, name: str, pragmas: tuple[str, ...] = ()) -> None:
        if size < 1:
            raise ValueError("a reader pool needs at least one connection")
        self._uri = f"{path.resolve().as_uri()}?mode=ro"
        self._pragmas = pragmas
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[sqlite3.Connection] = []
        self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix=name)

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._uri, uri=True, isolation_level=None, check_same_thread=False)
            for pragma in self._pragmas:
                conn.execute(f"PRAGMA {pragma}")
            self._local.conn = conn
            with self._lock:
                self._opened.append(conn)
        return conn

    def _call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return in_snapshot(self._connection(), fn)

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._call, fn)

    async def close(self) -> None:
        """Wait for the queries under way, then close every connection."""
        await asyncio.get_running_loop().run_in_executor(None, self._executor.shutdown)
        with self._lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()
