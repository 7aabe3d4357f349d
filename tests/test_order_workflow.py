"""The embedded order workflow on real SQLite: risk, payment and fulfilment, retries, cancels, leases."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from bff.backends.local.sandbox_payments import DECLINE, TIMEOUT, TRANSIENT
from bff.domain.order_workflow import START, first_run_data
from bff.domain.orders import OrderStatus
from tests.order_fixtures import ABROAD, HOME, embedded_workflow, make_order


async def test_an_approved_payment_takes_the_order_to_paid_then_fulfilled(tmp_path: Path) -> None:
    async with embedded_workflow(tmp_path) as flow:
        order = await flow.place(make_order())
        await flow.worker.drain()
        [done] = await flow.orders.get_orders([order.id])
        notes = await flow.orders.notifications(order.id)
        attempts, decision, _ = await flow.payments.authorizations(order.id)

    assert done is not None
    assert [h.status for h in done.history] == [OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.FULFILLED]
    assert [h.at for h in done.history] == sorted(h.at for h in done.history)
    assert [n.status for n in notes] == [OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.FULFILLED]
    assert (attempts, decision) == (1, "APPROVED")


async def test_a_declined_payment_cancels_the_order_with_the_reason(tmp_path: Path) -> None:
    async with embedded_workflow(tmp_path) as flow:
        order = await flow.place(make_order(token=DECLINE))
        await flow.worker.drain()
        [done] = await flow.orders.get_orders([order.id])

    assert done is not None and done.status == OrderStatus.CANCELLED
    assert "declined" in done.history[-1].reason
    assert [h.status for h in done.history] == [OrderStatus.PENDING, OrderStatus.CANCELLED]


async def test_transient_payment_failures_are_retried_to_paid(tmp_path: Path) -> None:
    async with embedded_workflow(tmp_path) as flow:
        order = await flow.place(make_order(token=TRANSIENT))
        await flow.worker.drain()
        attempts, decision, _ = await flow.payments.authorizations(order.id)
        status = await flow.status(order.id)

    assert status == OrderStatus.FULFILLED
    assert (attempts, decision) == (3, "APPROVED")


async def test_a_payment_that_keeps_timing_out_cancels_the_order_after_the_retries(tmp_path: Path) -> None:
    async with embedded_workflow(tmp_path) as flow:
        order = await flow.place(make_order(token=TIMEOUT))
        await flow.worker.drain()
        attempts, decision, _ = await flow.payments.authorizations(order.id)
        [done] = await flow.orders.get_orders([order.id])

    assert done is not None and done.status == OrderStatus.CANCELLED
    assert (attempts, decision) == (5, None)  # the first try and the task's 4 retries, nothing authorised


async def test_a_denied_risk_cancels_the_order_with_its_reasons(tmp_path: Path) -> None:
    async with embedded_workflow(tmp_path) as flow:
        order = await flow.place(make_order(email="someone@mailinator.com", billing=ABROAD, shipping=HOME))
        await flow.worker.drain()
        [done] = await flow.orders.get_orders([order.id])
        attempts, _, _ = await flow.payments.authorizations(order.id)

    assert done is not None and done.status == OrderStatus.CANCELLED
    assert "disposable email domain mailinator.com" in done.history[-1].reason
    assert "billing country FR differs from shipping country GB" in done.history[-1].reason
    assert attempts == 0  # never charged


async def test_a_risk_review_puts_the_order_on_hold_with_its_reasons(tmp_path: Path) -> None:
    async with embedded_workflow(tmp_path) as flow:
        order = await flow.place(make_order(billing=ABROAD, shipping=HOME))
        await flow.worker.drain()
        [done] = await flow.orders.get_orders([order.id])

    assert done is not None and done.status == OrderStatus.ON_HOLD
    assert done.risk_reasons == ("billing country FR differs from shipping country GB",)


async def test_an_order_on_hold_is_paid_when_a_reviewer_approves(tmp_path: Path) -> None:
    async with embedded_workflow(tmp_path) as flow:
        order = await flow.place(make_order(billing=ABROAD, shipping=HOME))
        await flow.worker.drain()
        assert not await flow.runs.start_run(order.id, {"orderId": order.id}, "Route")  # a checkout's retry
        assert await flow.runs.start_run(order.id, {"orderId": order.id, "review": "APPROVE"}, "Route", again=True)
        await flow.worker.drain()
        status = await flow.status(order.id)

    assert status == OrderStatus.FULFILLED


async def test_two_workers_on_one_data_dir_process_each_order_exactly_once(tmp_path: Path) -> None:
    async with (
        embedded_workflow(tmp_path, owner="worker-a") as a,
        embedded_workflow(tmp_path, owner="worker-b") as b,
    ):
        orders = [await a.place(make_order(customer_id=f"c{i}")) for i in range(30)]
        # Each takes one run before they race, so both take part however the machine schedules their threads.
        assert await a.worker.run_once() and await b.worker.run_once()
        stop = asyncio.Event()
        serving = [asyncio.create_task(w.worker.serve(stop)) for w in (a, b)]
        while await a.runs.unfinished():  # noqa: ASYNC110 - the runs are rows in SQLite, no event to await
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.gather(*serving)
        done = await a.orders.get_orders([o.id for o in orders])
        attempts = [await a.payments.authorizations(o.id) for o in orders]

    assert all(o is not None and o.status == OrderStatus.FULFILLED for o in done)
    assert all([h.status for h in o.history].count(OrderStatus.PAID) == 1 for o in done if o)
    assert {count for count, _, _ in attempts} == {1}
    assert a.worker.tasks_run > 0 and b.worker.tasks_run > 0  # both took part


async def test_starting_a_run_checkout_already_wrote_does_not_wait_for_the_write_lock(tmp_path: Path) -> None:
    async with embedded_workflow(tmp_path) as flow:
        order = await flow.place(make_order())  # checkout's transaction writes the run
        await flow.runs.worker.run(lambda conn: conn.execute("PRAGMA busy_timeout = 100"))  # (refused, not 10 s)
        other = sqlite3.connect(tmp_path / "catalog.sqlite3", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # the next checkout's transaction holds the file's write lock
        try:
            started = await flow.runs.start_run(order.id, first_run_data(order.id), START)
        finally:
            other.execute("ROLLBACK")
            other.close()
        unwritten = await flow.runs.start_run("o-unwritten", first_run_data("o-unwritten"), START)

    assert started is False  # already there: seen without waiting (SQLite's busy handler sleeps 1, 2, 5... ms)
    assert unwritten is True  # a run checkout did not write is still written
