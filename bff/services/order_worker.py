"""``OrderWorker``: the embedded workflow engine, running ``bff.domain.order_workflow.MACHINE`` over the runs
kept in SQLite (``RunQueue``).

Why written here rather than taken from a library: the candidates were weighed (``docs/orders.md``). huey's
SQLite storage removes a task when a consumer dequeues it, so a consumer killed mid-task loses the order; DBOS
(3.x keeps its state in SQLite) recovers pending workflows by executor id at launch, so two processes on one
data dir (the app and ``bff worker``) both take up the same workflows, and it brings its own process-wide
runtime and database schema. What this needs is small: a row per order, claimed under a lease with one
``UPDATE ... RETURNING``, progress saved after each task.

A worker claims a due run (its lease keeps every other worker off it), runs its states from where the run was
saved: a ``Choice`` picks the next state from the data, a ``Task`` runs its step, and progress is saved after
each task, ending the lease. A step that raises ``StepTransient`` is retried after its ``Retry`` backoff (times
``retry_scale``); past its attempts, or on any other error, the task's ``catch`` state runs with
``data["error"]``. A lease is extended while a step runs; a worker that dies holds nothing once it expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bff.backends.orders import RunQueue
from bff.domain.order_workflow import MACHINE, Choice, End, Run, State, StepTransient, Task
from bff.services.order_steps import Data, Step

log = logging.getLogger("bff.orders.worker")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _now() -> datetime:
    return datetime.now(UTC)


class OrderWorker:
    def __init__(
        self,
        runs: RunQueue,
        steps: dict[str, Step],
        *,
        owner: str | None = None,
        lease_seconds: float = 30.0,
        poll_seconds: float = 0.5,
        concurrency: int = 4,
        retry_scale: float = 1.0,
        machine: dict[str, State] | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.runs = runs
        self.steps = steps
        self.owner = owner or worker_name()
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.concurrency = concurrency
        self.retry_scale = retry_scale
        self.machine = machine or MACHINE
        self.clock = clock
        self._wake = asyncio.Event()
        # Tasks run by this worker, counted per step (the throughput benchmark reads it).
        self.tasks_run = 0

    def wake(self) -> None:
        """A run was just started: look now instead of at the next poll."""
        self._wake.set()

    async def serve(self, stop: asyncio.Event) -> None:
        """Run due orders until ``stop`` is set, ``concurrency`` at a time."""
        await asyncio.gather(*(self._loop(stop) for _ in range(self.concurrency)))

    async def _loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                worked = await self.run_once()
            except Exception:
                log.exception("the order worker failed a claim; retrying after a pause")
                worked = False
            if worked:
                continue
            self._wake.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
            await asyncio.wait(waiters, timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    async def drain(self) -> None:
        """Run until no run is due (tests, the benchmark): retries wait their backoff."""
        while await self.runs.unfinished():
            if not await self.run_once():
                await asyncio.sleep(0.01)

    async def run_once(self) -> bool:
        """Claim one due run and advance it up to its next saved point; False when none was due."""
        run = await self.runs.claim(self.owner, self.lease_seconds, self.clock())
        if run is None:
            return False
        await self._advance(run)
        return True

    async def _advance(self, run: Run) -> None:
        """Choices and the end are followed at once; one task runs per claim, and progress is saved after it."""
        ran_task = False
        while True:
            state = self.machine[run.state]
            if isinstance(state, End):
                await self._save(replace(run, done=True, failed=state.failed), self.clock())
                return
            if isinstance(state, Choice):
                run = replace(run, state=state.next(run.data))
                continue
            if ran_task or run.done:
                await self._save(run, self.clock())
                return
            run, retry_at = await self._task(run, state)
            ran_task = True
            if retry_at is not None:
                await self._save(run, retry_at)
                return

    async def _task(self, run: Run, task: Task) -> tuple[Run, datetime | None]:
        """The run after its task: moved on, or set to retry (the time to retry at), or caught."""
        try:
            data = await self._with_lease(run.order_id, self.steps[task.step](run.data))
        except StepTransient as exc:
            retries = run.attempt + 1
            if task.retry.max_attempts >= retries:
                delay = task.retry.delay(retries) * self.retry_scale
                log.info("order %s: %s failed (%s), retry %d in %.2fs", run.order_id, task.step, exc, retries, delay)
                return replace(run, attempt=retries), self.clock() + timedelta(seconds=delay)
            return self._caught(run, task, "StepTransient", str(exc)), None
        except Exception as exc:
            log.exception("order %s: step %s failed", run.order_id, task.step)
            return self._caught(run, task, type(exc).__name__, str(exc)), None
        self.tasks_run += 1
        return replace(run, state=task.next, data=data, attempt=0), None

    def _caught(self, run: Run, task: Task, error: str, cause: str) -> Run:
        data = {**run.data, "error": {"Error": error, "Cause": cause}}
        if task.catch is None:
            log.error("order %s: %s failed for good (%s: %s)", run.order_id, task.step, error, cause)
            return replace(run, data=data, done=True, failed=True)
        return replace(run, state=task.catch, data=data, attempt=0)

    async def _with_lease(self, order_id: str, work: Awaitable[Data]) -> Data:
        """Await ``work`` while extending this worker's lease on the run every third of its length."""

        async def keep() -> None:
            while True:
                await asyncio.sleep(self.lease_seconds / 3)
                until = self.clock() + timedelta(seconds=self.lease_seconds)
                await self.runs.extend(order_id, self.owner, until)

        keeper = asyncio.create_task(keep())
        try:
            return await work
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    async def _save(self, run: Run, run_after: datetime) -> None:
        if not await self.runs.save(run, self.owner, run_after, self.clock()):
            log.warning("order %s: lease lost before saving %s; another worker runs it", run.order_id, run.state)
