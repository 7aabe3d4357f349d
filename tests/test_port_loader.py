"""PortLoader: primed values answer loads without a fetch, exactly as DataLoader's prime does; batches form on
DataLoader's schedule; a fetch nobody waits for is cancelled; ``load_many`` gathers as ``asyncio.gather``."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from strawberry.dataloader import DataLoader

from loaders.base import PortLoader
from loaders.load_futures import LoadFuture, gather_loads


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


async def test_prime_many_primes_each_key_as_strawberrys_does() -> None:
    source, theirs = Source(), Source()
    loader, reference = PortLoader(source.fetch), DataLoader(load_fn=theirs.fetch)
    for each in (loader, reference):
        assert await each.load("a") == "fetched:a"
        each.prime_many({"a": "primed:a", "b": "primed:b"})
    assert await loader.load_many(["a", "b", "c"]) == await reference.load_many(["a", "b", "c"])
    assert await loader.load("b") == "primed:b"
    assert source.calls == theirs.calls == [["a"], ["c"]]


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


def _load_future(loop: asyncio.AbstractEventLoop) -> LoadFuture:
    future = LoadFuture(loop=loop)
    future.waiting = None
    future.on_cancel = lambda: None
    return future


async def _outcome_of(gather: Any, script: str) -> tuple[int, Any]:
    """Children answered tick by tick as ``script`` says; the tick the gathering finished at and its outcome.

    ``script``: one letter per child (``d`` done before gathering, ``r`` a result at tick 1, ``s`` at tick 2,
    ``e``/``f`` an error at tick 1/2, ``c`` cancelled at tick 1, ``=`` the previous child again); ``!`` at the
    end cancels the gathering at tick 1.
    """
    loop = asyncio.get_running_loop()
    cancel_outer = script.endswith("!")
    children: list[asyncio.Future[Any]] = []
    errors = {letter: ValueError(letter) for letter in "ef"}
    for index, letter in enumerate(script.rstrip("!")):
        if letter == "=":
            children.append(children[-1])
            continue
        child = _load_future(loop)
        if letter == "d":
            child.set_result(f"done{index}")
        children.append(child)
    outer = gather(*children)
    for tick in range(1, 6):
        for index, (letter, answered) in enumerate(zip(script, children, strict=False)):
            if letter in "rs" and tick == "rs".index(letter) + 1:
                answered.set_result(f"value{index}")
            elif letter in "ef" and tick == "ef".index(letter) + 1:
                answered.set_exception(errors[letter])
            elif letter == "c" and tick == 1:
                answered.cancel()
        if cancel_outer and tick == 1:
            outer.cancel()
        await asyncio.sleep(0)
        if outer.done():
            if outer.cancelled():
                return tick, "cancelled"
            error = outer.exception()
            return tick, outer.result() if error is None else (type(error).__name__, str(error))
    return 0, "pending"


@pytest.mark.parametrize(
    "script", ["d", "dd", "r", "rd", "rs", "r=s", "dr=", "re", "ef", "fe", "rc", "cr", "rs!", "dd!"]
)
async def test_loads_are_gathered_as_asyncio_gathers_them(script: str) -> None:
    def mine(*children: asyncio.Future[Any]) -> asyncio.Future[list[Any]]:
        return gather_loads(asyncio.get_running_loop(), children)

    assert await _outcome_of(mine, script) == await _outcome_of(asyncio.gather, script)


async def test_load_many_answers_in_key_order() -> None:
    source = Source()
    loader = PortLoader(source.fetch)
    loader.prime("p", "primed:p")
    keys = [f"k{i}" for i in range(40)]
    assert await loader.load_many([*keys, "p", "k0"]) == [*(f"fetched:{k}" for k in keys), "primed:p", "fetched:k0"]
    assert source.calls == [keys]
