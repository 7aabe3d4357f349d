"""PortLoader: primed values answer loads without a fetch, exactly as DataLoader's prime does; batches form on
DataLoader's schedule; a fetch nobody waits for is cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from loaders.base import PortLoader


class Source:
    """A batch function that records each call's keys."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    async def fetch(self, keys: Sequence[str]) -> list[str]:
        self.calls.append(list(keys))
        return [f"fetched:{k}" for k in keys]


async def test_a_primed_key_is_answered_without_a_fetch() -> None:
    source = Source()
    loader = PortLoader(source.fetch)
    loader.prime("a", "primed:a")
    assert await loader.load("a") == "primed:a"
    assert await loader.load_many(["a", "b"]) == ["primed:a", "fetched:b"]
    assert source.calls == [["b"]]


async def test_a_prime_answers_loads_already_waiting_in_the_batch() -> None:
    source = Source()
    loader = PortLoader(source.fetch)
    waiting = loader.load("a")
    loader.prime("a", "primed:a")
    assert await waiting == "primed:a"
    assert source.calls == []


async def test_the_first_value_known_for_a_key_stays_unless_forced() -> None:
    source = Source()
    loader = PortLoader(source.fetch)
    assert await loader.load("a") == "fetched:a"
    loader.prime("a", "primed:a")
    assert await loader.load("a") == "fetched:a"
    loader.prime("b", "first")
    loader.prime("b", "second")
    assert await loader.load("b") == "first"
    loader.prime("b", "forced", force=True)
    assert await loader.load("b") == "forced"
    assert source.calls == [["a"]]


async def test_clearing_forgets_primed_values() -> None:
    source = Source()
    loader = PortLoader(source.fetch)
    loader.prime("a", "primed:a")
    loader.prime("b", "primed:b")
    loader.prime("c", "primed:c")
    loader.clear("a")
    loader.clear_many(["b"])
    assert await asyncio.gather(loader.load("a"), loader.load("b"), loader.load("c")) == [
        "fetched:a",
        "fetched:b",
        "primed:c",
    ]
    loader.prime("d", "primed:d")
    loader.clear_all()
    assert await loader.load("d") == "fetched:d"
    assert source.calls == [["a", "b"], ["d"]]


async def _schedule_of(loader_class: type, source: Source) -> list[Any]:
    """Loads spread over ticks (in tasks and callbacks, primes between them): what each load answered."""
    loader = loader_class(source.fetch)
    loop = asyncio.get_running_loop()
    answers: list[Any] = []

    async def later(keys: list[str], ticks: int) -> None:
        for _ in range(ticks):
            await asyncio.sleep(0)
        answers.append(await loader.load_many(keys))

    first = loader.load("a")
    loop.call_soon(loader.load, "b")  # the next tick: still the first batch
    tasks = [asyncio.create_task(later(["c", "a"], ticks)) for ticks in range(4)]
    loader.prime("p", "primed:p")
    tasks.append(asyncio.create_task(later(["p", "d"], 1)))
    answers.append(await first)
    await asyncio.gather(*tasks)
    answers.append(await loader.load_many(["a", "e", "e"]))
    return answers


async def test_batches_form_on_strawberry_dataloaders_schedule() -> None:
    # The same loads over the same ticks give the same fetches (keys and order) as strawberry's DataLoader.
    mine, reference = Source(), Source()
    answered = await _schedule_of(PortLoader, mine)
    assert answered == await _schedule_of(DataLoader, reference)
    assert mine.calls == reference.calls
    assert len(mine.calls) > 2  # the schedule spans more than one batch


class Slow(Source):
    """A fetch that waits until released, and records whether it was cancelled."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.cancelled = False

    async def fetch(self, keys: Sequence[str]) -> list[str]:
        self.calls.append(list(keys))
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return [f"fetched:{k}" for k in keys]


async def test_a_fetch_nobody_waits_for_any_more_is_cancelled() -> None:
    source = Slow()
    loader = PortLoader(source.fetch)
    waiters = [asyncio.ensure_future(loader.load(k)) for k in ("a", "b")]
    for _ in range(3):
        await asyncio.sleep(0)  # dispatched: the fetch is waiting
    assert source.calls == [["a", "b"]]
    waiters[0].cancel()
    await asyncio.sleep(0)
    assert not source.cancelled  # one waiter left
    waiters[1].cancel()
    for _ in range(2):
        await asyncio.sleep(0)
    assert source.cancelled


async def test_a_load_waiting_while_another_is_cancelled_gets_its_value() -> None:
    source = Slow()
    loader = PortLoader(source.fetch)
    gone, kept = loader.load("a"), loader.load("b")
    for _ in range(3):
        await asyncio.sleep(0)
    assert isinstance(gone, asyncio.Future)
    gone.cancel()
    source.release.set()
    assert await kept == "fetched:b"
    assert not source.cancelled
