"""``bff worker`` processes on one data dir: killed mid-run and restarted, or two at once, every order is
completed exactly once (one authorisation, one PAID, one FULFILLED)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bff.domain.orders import Order, OrderStatus
from tests.order_fixtures import embedded_workflow, make_order

ORDERS = 30


def _worker_env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BFF_ENV": "test",
        "BFF_DATA_DIR": str(data_dir),
        # A killed worker's runs are taken up one second later.
        "BFF_ORDER_LEASE_SECONDS": "1",
        "BFF_ORDER_POLL_SECONDS": "0.05",
        "BFF_ORDER_RETRY_SCALE": "0.001",
        "BFF_ORDER_WORKER_CONCURRENCY": "2",
    }


@contextmanager
def worker_process(data_dir: Path) -> Iterator[subprocess.Popen[bytes]]:
    bff = Path(sys.executable).with_name("bff")
    process = subprocess.Popen(
        [str(bff), "worker"], env=_worker_env(data_dir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def completed_once(order: Order | None) -> bool:
    return order is not None and [h.status for h in order.history] == [
        OrderStatus.PENDING,
        OrderStatus.PAID,
        OrderStatus.FULFILLED,
    ]


async def test_a_worker_killed_mid_run_leaves_every_order_to_be_completed_once(tmp_path: Path) -> None:
    async with embedded_workflow(tmp_path) as flow:
        orders = [await flow.place(make_order(customer_id=f"c{i}")) for i in range(ORDERS)]
        with worker_process(tmp_path) as process:
            # Killed as soon as it has taken the first payment: other orders are mid-run or not started.
            while await flow.status(orders[0].id) == OrderStatus.PENDING:  # noqa: ASYNC110 - another process
                await asyncio.sleep(0.02)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        unfinished_after_kill = await flow.runs.unfinished()
        await flow.worker.drain()  # a new worker, after the dead one's leases expired
        done = await flow.orders.get_orders([o.id for o in orders])
        payments = [await flow.payments.authorizations(o.id) for o in orders]

    assert unfinished_after_kill > 0  # the kill did interrupt the work
    assert all(completed_once(o) for o in done)
    assert {decision for _, decision, _ in payments} == {"APPROVED"}


async def test_two_worker_processes_on_one_data_dir_complete_each_order_exactly_once(tmp_path: Path) -> None:
    async with embedded_workflow(tmp_path) as flow:
        orders = [await flow.place(make_order(customer_id=f"c{i}")) for i in range(ORDERS)]
        with worker_process(tmp_path), worker_process(tmp_path):
            while await flow.runs.unfinished():  # noqa: ASYNC110 - rows written by other processes
                await asyncio.sleep(0.05)
        done = await flow.orders.get_orders([o.id for o in orders])
        payments = [await flow.payments.authorizations(o.id) for o in orders]

    assert all(completed_once(o) for o in done)
    assert {(attempts, decision) for attempts, decision, _ in payments} == {(1, "APPROVED")}
