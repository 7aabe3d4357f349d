"""Servers starting together on one SQLite file (``bff serve --workers N``), as threads: each opens its own
connection, and all run their start-up step at the same moment."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from bff.backends.local.sqlite_worker import apply_pragmas


def open_together(
    path: Path, pragmas: Sequence[str], setup: Callable[[sqlite3.Connection], None], processes: int = 4
) -> list[Exception]:
    """Run ``setup`` on ``processes`` connections to ``path`` at once; the errors they met.

    A connection that fails before the others are ready breaks the barrier: the others stop too (and
    report it) rather than wait for it forever.
    """
    start, failures = threading.Barrier(processes, timeout=60), []

    def open_one() -> None:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            apply_pragmas(conn, tuple(pragmas))  # as the servers' SqliteWorker opens
            start.wait()
            setup(conn)
        except (sqlite3.Error, threading.BrokenBarrierError) as error:
            start.abort()
            failures.append(error)
        finally:
            conn.close()

    workers = [threading.Thread(target=open_one) for _ in range(processes)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return failures
