"""``PortLoader``: a DataLoader whose batch function is one port method taking many keys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from strawberry.dataloader import DataLoader

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")

BatchFetch = Callable[[Sequence[K]], Awaitable[list[R]]]
_MISSING: Any = object()


class PortLoader(DataLoader[K, R], Generic[K, R]):
    """Loads every key asked for in one tick with one call of ``fetch``; answers in key order.

    Primed values (a listing primes each product it read) wait in a plain dict until a key is first
    loaded: most are never asked for again, and a cached entry costs a future each.
    """

    def __init__(self, fetch: BatchFetch[K, R]) -> None:
        # ``fetch`` itself, not a method of this loader: a loader that refers to itself is a reference cycle,
        # and it would keep every value it holds alive until a full garbage collection.
        super().__init__(load_fn=fetch)
        self._primed: dict[K, R] = {}

    def prime(self, key: K, value: R, force: bool = False) -> None:
        batch = self.batch
        if force or not self.cache or (batch is not None and not batch.dispatched and batch.tasks):
            # a forced value, or loads waiting in an undispatched batch that the value must answer: at once
            self._primed.pop(key, None)
            super().prime(key, value, force)
        else:
            self._primed.setdefault(key, value)  # as DataLoader's: the first value known for a key stays

    def load(self, key: K) -> Awaitable[R]:
        if self._primed:
            value = self._primed.pop(key, _MISSING)
            if value is not _MISSING:
                super().prime(key, value)  # an entry cached before the prime keeps its value, as in DataLoader
        return super().load(key)

    def clear(self, key: K) -> None:
        primed = self._primed.pop(key, _MISSING)
        if primed is _MISSING or (self.cache and self.cache_map.get(key) is not None):
            super().clear(key)  # (DataLoader's clear of a key it never saw raises KeyError; a primed one did not)

    def clear_many(self, keys: Iterable[K]) -> None:
        for key in keys:
            self.clear(key)

    def clear_all(self) -> None:
        self._primed.clear()
        super().clear_all()
