"""Servers starting together on one SQLite file (``bff serve --workers N``), as threads: each opens its own
connection, and all run their start-up step at the same moment."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path


def open_together(
    path: Path, pragmas: Sequence[str], setup: Callable[[sqlite3.Connection], None], processes: int = 4
) -> list[Exception]:
    """Run ``setup`` on ``processes`` connections to ``path`` at once; the SQLite errors they met."""
    start, failures = threading.Barrier(processes), []

    def open_one() -> None:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            for pragma in pragmas:
                conn.execute(f"PRAGMA {pragma}")
            start.wait()
            setup(conn)
        except sqlite3.Error as error:
            failures.append(error)
        finally:
            conn.close()

    workers = [threading.Thread(target=open_one) for _ in range(processes)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return failures
