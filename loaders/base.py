"""``PortLoader``: a DataLoader whose batch function is one port method taking many keys.

It batches, caches and primes exactly as strawberry's ``DataLoader`` (with its defaults: a cache, no batch
size limit) and on the same schedule: the first load of a batch schedules the dispatch with ``call_soon``,
the dispatch starts the fetch in a task of its own, so every key asked for in that tick and the next one
shares the fetch. It does less per load: no cache object or loader task per key, the event loop looked up
once, and no done-callback on every key's future (a future cancelled by its waiter says so to its batch
itself, which cancels the fetch once nobody waits for it, as ``DataLoader``'s callback does); ``load_many``
gathers without a callback per key either (``load_futures``).
"""

from __future__ import annotations

import asyncio
from asyncio import AbstractEventLoop, Future
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from strawberry.exceptions import WrongNumberOfResultsReturned

from loaders.load_futures import LoadFuture, gather_loads

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")

# A key's value, or its own error (a batch that answers some keys and fails others).
BatchFetch = Callable[[Sequence[K]], Awaitable[Sequence[R | BaseException]]]
_MISSING: Any = object()


class _Batch:
    """The keys asked for in one tick, their futures, and the task fetching them once dispatched."""

    __slots__ = ("dispatched", "futures", "keys", "task")

    def __init__(self) -> None:
        self.keys: list[Any] = []
        self.futures: list[LoadFuture] = []
        self.dispatched = False
        self.task: asyncio.Task[None] | None = None

    def cancelled_one(self) -> None:
        """A waiter gave up: once all have, the fetch is cancelled (``DataLoader``'s ``_on_future_done``)."""
        task = self.task
        if task is not None and not task.done() and all(f.cancelled() for f in self.futures):
            task.cancel()


class PortLoader(Generic[K, R]):
    """Loads every key asked for in one tick with one call of ``fetch``; answers in key order.

    Primed values (a listing primes each product it read) wait in a plain dict until a key is first
    loaded: most are never asked for again, and a cached entry costs a future each.
    """

    __slots__ = ("_batch", "_cache", "_fetch", "_loop", "_primed")

    def __init__(self, fetch: BatchFetch[K, R]) -> None:
        # ``fetch`` itself, not a method of this loader: a loader that refers to itself is a reference cycle,
        # and it would keep every value it holds alive until a full garbage collection.
        self._fetch = fetch
        self._cache: dict[K, Future[R]] = {}
        self._primed: dict[K, R] = {}
        self._batch: _Batch | None = None
        self._loop: AbstractEventLoop | None = None

    def _event_loop(self) -> AbstractEventLoop:
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_event_loop()
        return loop

    def load(self, key: K) -> Future[R]:
        if self._primed:
            value = self._primed.pop(key, _MISSING)
            if value is not _MISSING:
                self._set(key, value, False)  # an entry cached before the prime keeps its value, as in DataLoader
        future = self._cache.get(key)
        if future is not None and not future.cancelled():
            return future
        loop = self._event_loop()
        load = LoadFuture(loop=loop)
        load.waiting = None
        self._cache[key] = load
        batch = self._batch
        if batch is None or batch.dispatched or not batch.keys:
            batch = self._batch = _Batch()
            loop.call_soon(self._schedule, batch)
        load.on_cancel = batch.cancelled_one
        batch.keys.append(key)
        batch.futures.append(load)
        return load

    def load_many(self, keys: Iterable[K]) -> Awaitable[list[R]]:
        """``asyncio.gather`` of the keys' loads (``load_futures.gather_loads``: no callback per key)."""
        return gather_loads(self._event_loop(), [self.load(key) for key in keys])

    def _schedule(self, batch: _Batch) -> None:
        batch.task = self._event_loop().create_task(self._dispatch(batch))

    async def _dispatch(self, batch: _Batch) -> None:
        """``DataLoader``'s ``dispatch_batch``: one fetch, each key's future answered in order."""
        batch.dispatched = True
        futures = batch.futures
        try:
            if not futures or all(f.cancelled() for f in futures):
                return
            try:
                values = list(await self._fetch(batch.keys))
                if len(values) != len(futures):
                    raise WrongNumberOfResultsReturned(expected=len(futures), received=len(values))
                for future, value in zip(futures, values, strict=True):
                    if future.cancelled():
                        continue
                    if isinstance(value, BaseException):
                        future.set_exception(value)
                    else:
                        future.set_result(value)
            except Exception as error:  # noqa: BLE001 - every waiter gets the fetch's error, as in DataLoader
                for future in futures:
                    if not future.cancelled():
                        future.set_exception(error)
        finally:
            # Answered: the batch lets go of its futures (each refers to it until then: a cycle).
            batch.task = None
            batch.keys, batch.futures = [], []

    def _set(self, key: K, value: R, force: bool) -> None:
        """``DataLoader.prime``: cache the value (unless cached, or forced); answer waiting undispatched loads."""
        if force or self._cache.get(key) is None:
            future: Future[R] = self._event_loop().create_future()
            future.set_result(value)
            self._cache[key] = future
        batch = self._batch
        if batch is not None and not batch.dispatched:
            answered = False
            for waiting_key, waiting in zip(batch.keys, batch.futures, strict=True):
                if waiting_key == key:
                    answered = True
                    waiting.set_result(value)
            if answered:
                kept = [(k, f) for k, f in zip(batch.keys, batch.futures, strict=True) if not f.done()]
                batch.keys = [k for k, _ in kept]
                batch.futures = [f for _, f in kept]

    def prime(self, key: K, value: R, force: bool = False) -> None:
        batch = self._batch
        if force or (batch is not None and not batch.dispatched and batch.keys):
            # a forced value, or loads waiting in an undispatched batch that the value must answer: at once
            self._primed.pop(key, None)
            self._set(key, value, force)
        else:
            self._primed.setdefault(key, value)  # as DataLoader's: the first value known for a key stays

    def prime_many(self, values: Mapping[K, R], force: bool = False) -> None:
        """``DataLoader.prime_many``: ``prime`` for each key and its value."""
        for key, value in values.items():
            self.prime(key, value, force)

    def clear(self, key: K) -> None:
        primed = self._primed.pop(key, _MISSING)
        if primed is _MISSING or self._cache.get(key) is not None:
            del self._cache[key]  # (DataLoader's clear of a key it never saw raises KeyError; a primed one did not)

    def clear_many(self, keys: Iterable[K]) -> None:
        for key in keys:
            self.clear(key)

    def clear_all(self) -> None:
        self._primed.clear()
        self._cache.clear()
