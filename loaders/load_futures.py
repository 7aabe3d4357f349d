"""A loaded key's future, and ``gather`` over such futures without a callback per key.

``asyncio.gather`` puts a done-callback on every future it waits for: each answered key then costs a
callback scheduled on the event loop and run in the next iteration (a search page's 48 products, 48
callbacks). ``gather_loads`` keeps ``gather``'s answers and schedule — the same iteration completes it, the
same result list, the first error or cancellation seen propagated, the children cancelled with it — with
one scheduled callback per iteration in which any of its keys were answered: a ``LoadFuture`` tells the
gatherings waiting for it when it is answered. (When two fetches answer its keys in consecutive iterations,
the second one's keys may be seen an iteration sooner than ``gather`` would see them.)
"""

from __future__ import annotations

from asyncio import AbstractEventLoop, CancelledError, Future
from collections.abc import Callable, Sequence
from typing import Any


class LoadFuture(Future[Any]):
    """A key's future: tells the gatherings waiting for it when it is answered, and ``on_cancel`` (its batch)
    when it is cancelled."""

    __slots__ = ("on_cancel", "waiting")
    on_cancel: Callable[[], None]
    waiting: list[Gathering] | None

    def set_result(self, result: Any, /) -> None:
        super().set_result(result)
        self._answered()

    def set_exception(self, exception: type | BaseException, /) -> None:
        super().set_exception(exception)
        self._answered()

    def cancel(self, msg: Any | None = None) -> bool:
        cancelled = super().cancel(msg)
        if cancelled:
            self._answered()
            self.on_cancel()
        return cancelled

    def _answered(self) -> None:
        waiting = self.waiting
        if waiting is not None:
            self.waiting = None
            for gathering in waiting:
                gathering.answered(self)


class Gathering(Future[list[Any]]):
    """``gather(*children)`` for futures of which the pending ones are ``LoadFuture``s."""

    __slots__ = ("_cancel_requested", "_children", "_finished", "_queue", "_scheduled", "_total")

    def __init__(self, children: Sequence[Future[Any]], loop: AbstractEventLoop) -> None:
        super().__init__(loop=loop)
        self._children = children
        self._cancel_requested = False
        self._finished = 0
        self._queue: list[Future[Any]] = []
        self._scheduled = False
        distinct = list(dict.fromkeys(children))
        self._total = len(distinct)
        for child in distinct:
            if child.done():
                self.answered(child)  # gather's callback on a done future: scheduled at once
            elif isinstance(child, LoadFuture):
                if child.waiting is None:
                    child.waiting = []
                child.waiting.append(self)
            else:  # (not from a loader: gather's own way)
                child.add_done_callback(self._done)

    def cancel(self, msg: Any | None = None) -> bool:
        """``_GatheringFuture.cancel``: cancel the children; the gathering fails once they have."""
        if self.done():
            return False
        cancelled = False
        for child in self._children:
            if child.cancel(msg=msg):
                cancelled = True
        if cancelled:
            self._cancel_requested = True
        return cancelled

    def answered(self, child: Future[Any]) -> None:
        self._queue.append(child)
        if not self._scheduled:
            self._scheduled = True
            self.get_loop().call_soon(self._process)

    def _done(self, child: Future[Any]) -> None:
        self._one(child)

    def _process(self) -> None:
        self._scheduled = False
        queue, self._queue = self._queue, []
        for child in queue:
            self._one(child)

    def _one(self, child: Future[Any]) -> None:
        """``gather``'s ``_done_callback`` (``return_exceptions=False``) for one answered child."""
        self._finished += 1
        if self.done():
            if not child.cancelled():
                child.exception()  # marked retrieved
            return
        if child.cancelled():
            self.set_exception(child._make_cancelled_error())  # type: ignore[attr-defined]
            return
        error = child.exception()
        if error is not None:
            self.set_exception(error)
            return
        if self._finished == self._total:
            results: list[Any] = []
            for each in self._children:
                if each.cancelled():
                    message = each._cancel_message  # type: ignore[attr-defined]
                    results.append(CancelledError("" if message is None else message))
                else:
                    error = each.exception()
                    results.append(each.result() if error is None else error)
            if self._cancel_requested:
                self.set_exception(child._make_cancelled_error())  # type: ignore[attr-defined]
            else:
                self.set_result(results)


def gather_loads(loop: AbstractEventLoop, children: Sequence[Future[Any]]) -> Future[list[Any]]:
    """``asyncio.gather(*children)`` over a loader's futures."""
    if not children:
        outer: Future[list[Any]] = loop.create_future()
        outer.set_result([])
        return outer
    return Gathering(children, loop)
