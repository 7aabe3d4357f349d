"""Reads on the event loop's thread within a budget of SQLite steps: bounded reads stay there, a read past
the budget is refused there (no transaction left open) and answered from the worker thread instead."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bff.backends.local import sqlite_loop
from bff.backends.local.sqlite_carts import SqliteCartStore
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.backends.local.sqlite_loop import OverBudget, within_budget
from bff.backends.local.sqlite_readers import in_snapshot
from bff.domain.cart import Cart
from bff.domain.catalog import PageRequest, ProductQuery, ProductSortKey
from tests.conftest import make_settings


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(tmp_path / "rows.sqlite3", isolation_level=None)
    conn.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, kind TEXT NOT NULL)")
    conn.executemany("INSERT INTO rows (kind) VALUES (?)", [("even" if i % 2 else "odd",) for i in range(5_000)])
    yield conn
    conn.close()


def first_ten(conn: sqlite3.Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT id FROM rows ORDER BY id LIMIT 10")]


def scan(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM rows WHERE kind = 'none'").fetchone()[0])


def test_a_bounded_read_asked_again_and_again_is_never_refused(conn: sqlite3.Connection) -> None:
    # SQLite counts a cached statement's steps over its whole life: a budget of 2,000 steps must still let
    # a read of ~100 steps run a thousand times.
    assert {tuple(within_budget(conn, first_ten, steps=2_000)) for _ in range(1_000)} == {tuple(range(1, 11))}


def test_a_read_past_its_budget_is_refused_and_leaves_no_transaction(conn: sqlite3.Connection) -> None:
    over = sqlite_loop.stats["over"]
    with pytest.raises(OverBudget):
        within_budget(conn, lambda c: in_snapshot(c, scan), steps=2_000)
    assert not conn.in_transaction
    assert sqlite_loop.stats["over"] == over + 1
    # The connection works on: the same read with the budget it needs, then in a transaction of its own.
    assert within_budget(conn, lambda c: in_snapshot(c, scan), steps=100_000) == 0
    assert in_snapshot(conn, scan) == 0


async def test_a_listing_past_the_loops_budget_is_answered_by_the_worker_thread(
    seeded_dir: Path, tmp_path: Path
) -> None:
    shutil.copy(make_settings(seeded_dir).catalog_db_path, tmp_path / "catalog.sqlite3")
    store = await SqliteCatalogStore.open(tmp_path / "catalog.sqlite3")
    try:
        threads: list[str] = []
        seen = store._run

        async def run(fn):  # type: ignore[no-untyped-def]
            threads.append("worker")
            return await seen(fn)

        store._run = run  # type: ignore[method-assign]
        narrow = ProductQuery(vendors=("no such vendor",))  # matches nothing: every product is read
        page = PageRequest(limit=24)
        best = await store.list_products(ProductQuery(), ProductSortKey.BEST_SELLING, False, page)
        nothing = await store.list_products(narrow, ProductSortKey.BEST_SELLING, False, page)
        assert len(best.items) == 24 and nothing.items == [] and threads == []  # both within the budget
        assert await store.count_products(narrow) == 0 and threads == []

        store.loop_steps = 100  # (the seeded catalog is small: every read of it is within the default budget)
        assert await store.list_products(ProductQuery(), ProductSortKey.BEST_SELLING, False, page) == best
        assert await store.list_products(narrow, ProductSortKey.BEST_SELLING, False, page) == nothing
        assert await store.count_products(narrow) == 0
        assert threads == ["worker"] * 3  # refused on the loop's thread, answered by the worker
        assert not store._lookups.in_transaction
    finally:
        await store.close()


async def test_carts_are_read_on_the_loops_thread(seeded_dir: Path, tmp_path: Path) -> None:
    shutil.copy(make_settings(seeded_dir).catalog_db_path, tmp_path / "catalog.sqlite3")
    carts = await SqliteCartStore.open(tmp_path / "catalog.sqlite3")
    try:
        now = datetime.now(UTC)
        saved = await carts.save_cart(Cart("cart-on-loop", now, now, customer_id="customer-1"), None)
        reader = threading.get_ident()
        answered_on: list[int] = []
        lookups = carts._lookups

        def traced(statement: str) -> None:
            answered_on.append(threading.get_ident())

        lookups.set_trace_callback(traced)
        assert await carts.get_carts(["cart-on-loop", "no-such-cart"]) == [saved, None]
        assert await carts.get_customer_carts(["customer-1"]) == [saved]
        assert answered_on and set(answered_on) == {reader}
    finally:
        await carts.close()
