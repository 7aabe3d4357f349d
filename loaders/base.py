"""``PortLoader``: a DataLoader whose batch function is one port method taking many keys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

from strawberry.dataloader import DataLoader

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")

BatchFetch = Callable[[Sequence[K]], Awaitable[list[R]]]


class PortLoader(DataLoader[K, R], Generic[K, R]):
    """Loads every key asked for in one tick with one call of ``fetch``; answers in key order."""

    def __init__(self, fetch: BatchFetch[K, R]) -> None:
        super().__init__(load_fn=self._load)
        self._fetch = fetch

    async def _load(self, keys: list[K]) -> list[R]:
        return await self._fetch(keys)
