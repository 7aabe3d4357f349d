"""PortLoader's priming: primed values answer loads without a fetch, exactly as DataLoader's prime does."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

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
