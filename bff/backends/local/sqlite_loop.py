"""Reads on the event loop's own thread: a read-only connection, and a budget of SQLite VM steps.

A read handed to a worker thread costs a hand-off each way, and while it runs the two threads take the GIL
from each other at every step SQLite makes (the sqlite3 module releases it around each one). On one core
that is cheap; when the process may run on several, each hand-off is a wake-up on another core, and a
home page read that way cost about twice the CPU of the same reads made on the loop's thread (in process,
16 requests at a time, two cores). Reads by key are bounded by their keys and run on the loop's thread.
A listing or a count is bounded only by what its filters match, so it runs there within ``LOOP_STEPS``:
a statement that needs more is interrupted and the caller runs the read on the worker thread instead
(``OverBudget``), having spent at most that budget (about a millisecond) on the attempt.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
# SQLite VM instructions one statement may run on the loop's thread. A page of 24 products from an order
# index takes 600-2,000; a filter that matches little scans about four per product it reads.
LOOP_STEPS = 10_000
TICK = 1_000
# Reads answered on the loop's thread ("within") and refused there ("over"): read by tests.
stats: Counter[str] = Counter()


class OverBudget(Exception):
    """A read that would take the event loop's thread longer than its budget: run it elsewhere."""


def loop_connection(path: Path) -> sqlite3.Connection:
    """A read-only connection to ``path`` (open after the file is migrated), used on the loop's thread only."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    for pragma in ("query_only=ON", "busy_timeout=5000"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def within_budget(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T], steps: int = LOOP_STEPS) -> T:
    """``fn(conn)``, interrupted (``OverBudget``) once its statements have run about ``steps`` VM
    instructions together; a transaction it leaves open is rolled back."""
    # SQLite calls the handler every TICK instructions a statement has run over its whole life: a cached
    # statement's first call here may come early, so what is counted is calls, and only one is refused.
    spent, refused = 0, False

    def tick() -> int:
        nonlocal spent, refused
        spent += min(TICK, steps)
        if spent > steps and not refused:
            refused = True
            return 1
        return 0

    conn.set_progress_handler(tick, min(TICK, steps))
    try:
        found = fn(conn)
        stats["within"] += 1
        return found
    except sqlite3.OperationalError as error:
        if refused:
            stats["over"] += 1
            raise OverBudget(f"a read past {steps} SQLite steps") from error
        raise
    finally:
        conn.set_progress_handler(None, 0)
        if refused and conn.in_transaction:
            conn.execute("ROLLBACK")
