"""Running the order workflow's steps as Step Functions activities: the same steps the embedded worker runs.

One poller per step's activity; a polled task runs its step (with a heartbeat every ``heartbeat_seconds``, under
the ASL's ``HeartbeatSeconds``) and is answered with the step's output, or failed with ``StepTransient`` (the
state's ``Retry`` applies) or the exception's name (its ``Catch`` applies). Retries and backoff are Step
Functions' own here, as the ASL declares them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bff.backends.sfn_activities import ActivityTasks
from bff.domain.order_workflow import TRANSIENT, StepTransient
from bff.services.order_steps import Step

log = logging.getLogger("bff.orders.activities")


async def run_task(tasks: ActivityTasks, step: Step, token: str, data: dict[str, object], beat: float) -> None:
    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(beat)
            await tasks.heartbeat(token)

    beating = asyncio.create_task(heartbeat())
    try:
        output = await step(dict(data))
    except StepTransient as exc:
        await tasks.fail(token, TRANSIENT, str(exc))
        return
    except Exception as exc:
        log.exception("activity step failed")
        await tasks.fail(token, type(exc).__name__, str(exc))
        return
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating
    await tasks.succeed(token, output)


async def serve_activities(
    tasks: ActivityTasks, steps: dict[str, Step], worker: str, stop: asyncio.Event, heartbeat_seconds: float = 20.0
) -> None:
    """Poll every step's activity and run what comes, until ``stop`` is set; a step already running finishes."""
    polling: set[asyncio.Task[None]] = set()

    async def poll(name: str) -> None:
        while not stop.is_set():
            current = asyncio.current_task()
            assert current is not None
            polling.add(current)
            try:
                polled = await tasks.poll(name, worker)
            except Exception:
                log.exception("polling the %s activity failed; trying again shortly", name)
                await asyncio.sleep(1)
                continue
            finally:
                polling.discard(current)
            if polled is not None:
                token, data = polled
                await run_task(tasks, steps[name], token, data, heartbeat_seconds)

    pollers = [asyncio.create_task(poll(name)) for name in steps]
    await stop.wait()
    for poller in list(polling):  # a long poll in flight is abandoned (a task it might get times out and retries)
        poller.cancel()
    await asyncio.gather(*pollers, return_exceptions=True)
