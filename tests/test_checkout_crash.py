"""Embedded checkout is one atomic commit: a process killed with SIGKILL at checkout's commit, or anywhere in a
stream of checkouts, leaves each checkout whole or absent (the order, its key, its stock reservation and its
cart's conversion together), never a placed order beside an unconverted cart. And a data dir of an earlier
version, with the carts in their own file, keeps its carts."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bff.backends.local.sqlite_carts import SqliteCartStore
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.backends.registry import build_backends
from bff.domain.cart import Cart
from bff.settings import Settings

VARIANTS = ("v-1", "v-2", "v-3")

# Places one checkout per cart id read from argv, printing each outcome; with "kill-at-commit" it kills
# itself (SIGKILL) when its connection starts the COMMIT statement of the first checkout.
CHILD = """
import asyncio, os, signal, sys
from pathlib import Path
from dataclasses import replace
from bff.backends.local.sqlite_orders import SqliteOrderStore
from bff.domain.checkout import Placement
from tests.order_fixtures import make_order

async def main(path, mode, carts):
    store = await SqliteOrderStore.open(path)
    if mode == "kill-at-commit":
        def trace(statement):
            if statement.strip().upper().startswith("COMMIT"):
                os.kill(os.getpid(), signal.SIGKILL)
        await store.worker.run(lambda conn: conn.set_trace_callback(trace))
    for i, cart_id in enumerate(carts):
        variants = ("v-1", "v-2", "v-3")
        order = make_order(customer_id=None, lines=((variants[i % 3], 1), (variants[(i + 1) % 3], 2)))
        order = replace(order, cart_id=cart_id)
        placed = await store.place_order(Placement(order, 1, "guest"))
        print(placed.outcome.name, flush=True)

asyncio.run(main(Path(sys.argv[1]), sys.argv[2], sys.argv[3:]))
"""


async def _data_dir(tmp_path: Path, carts: int) -> Path:
    catalog = tmp_path / "catalog.sqlite3"
    await (await SqliteCatalogStore.open(catalog)).close()
    await (await SqliteCartStore.open(catalog)).close()
    with sqlite3.connect(catalog) as conn:
        conn.executemany(
            "INSERT INTO stock (variant_id, product_id, on_hand, reserved) VALUES (?, 'p', 100000, 0)",
            [(v,) for v in VARIANTS],
        )
        conn.executemany(
            "INSERT INTO carts VALUES (?, 1, NULL, NULL, '{}')", [(f"cart-{i:04d}",) for i in range(carts)]
        )
    return catalog


def _child(catalog: Path, mode: str, carts: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(catalog), mode, *carts],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def _state(catalog: Path) -> dict[str, object]:
    """Each cart converted or not, each order's cart and units, the keys and the units reserved per variant."""
    with sqlite3.connect(catalog) as conn:
        converted = {
            cart_id: json.loads(body).get("convertedOrderId")
            for cart_id, body in conn.execute("SELECT id, body FROM carts")
        }
        orders = {order_id: json.loads(body) for order_id, body in conn.execute("SELECT id, body FROM orders")}
        keys = dict(conn.execute("SELECT order_id, cart_id FROM order_idempotency").fetchall())
        runs = {r[0] for r in conn.execute("SELECT order_id FROM order_runs")}
        reserved = dict(conn.execute("SELECT variant_id, reserved FROM stock").fetchall())
    return {"converted": converted, "orders": orders, "keys": keys, "runs": runs, "reserved": reserved}


def _assert_whole_or_absent(state: dict[str, object]) -> int:
    converted: dict[str, str | None] = state["converted"]  # type: ignore[assignment]
    orders: dict[str, dict[str, object]] = state["orders"]  # type: ignore[assignment]
    by_cart = {str(body["cartId"]): order_id for order_id, body in orders.items()}
    # Every converted cart has its order, and every order's cart is converted to it.
    assert {c: o for c, o in converted.items() if o} == by_cart
    assert state["keys"] == {o: c for c, o in by_cart.items()}
    assert state["runs"] == set(orders)
    units: dict[str, int] = dict.fromkeys(VARIANTS, 0)
    for body in orders.values():
        for line in body["lines"]:  # type: ignore[attr-defined]
            units[line["variantId"]] += line["quantity"]
    assert state["reserved"] == units
    return len(orders)


async def test_a_checkout_killed_at_its_commit_leaves_nothing(tmp_path: Path) -> None:
    catalog = await _data_dir(tmp_path, 1)

    with _child(catalog, "kill-at-commit", ["cart-0000"]) as child:
        printed, _ = child.communicate(timeout=60)

    assert child.returncode == -signal.SIGKILL
    assert printed == ""
    state = _state(catalog)
    assert _assert_whole_or_absent(state) == 0
    assert state["converted"] == {"cart-0000": None}


async def test_checkouts_killed_mid_stream_leave_each_whole_or_absent(tmp_path: Path) -> None:
    catalog = await _data_dir(tmp_path, 600)
    carts = [f"cart-{i:04d}" for i in range(600)]
    placed_before = 0
    for round_, after in enumerate((3, 11, 29)):
        with _child(catalog, "stream", carts[round_ * 200 : (round_ + 1) * 200]) as child:
            assert child.stdout is not None
            seen = [child.stdout.readline() for _ in range(after)]
            assert all(line.strip() == "PLACED" for line in seen)
            await asyncio.sleep(0.002 * round_)  # somewhere in the next checkouts, their commits among them
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=60)
        assert child.returncode == -signal.SIGKILL
        placed = _assert_whole_or_absent(_state(catalog))
        assert placed >= placed_before + after
        placed_before = placed


async def test_carts_of_an_earlier_data_dir_move_into_the_catalogs_file(tmp_path: Path) -> None:
    legacy = tmp_path / "carts.sqlite3"
    old = await SqliteCartStore.open(legacy)
    now = datetime.now(UTC)
    saved = await old.save_cart(Cart("kept", now, now, customer_id="c-1", note="from before"), None)
    await old.save_cart(saved, saved.version)
    await old.close()
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]

    async with build_backends(settings) as backends:
        [cart] = await backends.carts.get_carts(["kept"])
        [current] = await backends.carts.get_customer_carts(["c-1"])

    assert cart is not None and (cart.version, cart.note) == (2, "from before")
    assert current is not None and current.id == "kept"
    assert not legacy.exists() and (tmp_path / "carts.sqlite3.moved").exists()
    with sqlite3.connect(settings.catalog_db_path) as conn:
        assert conn.execute("SELECT id FROM carts").fetchall() == [("kept",)]
