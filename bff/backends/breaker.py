"""A circuit breaker per capability: after repeated backend failures, calls fail at once for a while.

    closed --(``failures`` consecutive backend failures)--> open --(``reset_seconds``)--> half-open
    half-open --(its one trial call succeeds)--> closed;  --(the trial fails)--> open again

Only backend failures count (the service is down, slow or refusing: ``ServiceUnavailable``, timeouts,
connection errors); an answer that is an error for the caller (bad input, not found) shows the service is up.
While open, :meth:`CircuitBreaker.admit` raises :class:`CircuitOpen` (a ``ServiceUnavailable``), so a request
spends nothing on a service known to be down. Half-open lets exactly one trial call through at a time.

Written here rather than taken from pybreaker or aiobreaker: pybreaker's async support runs on Tornado and
holds a thread lock across the call; aiobreaker has had no release since 2021 and measures time with
``datetime.now()``/``utcnow()`` (wall clock, mixed). This one is a few comparisons on the event loop's thread
per call, with a monotonic clock a test can replace.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

from bff.errors import ServiceUnavailable

State = Literal["closed", "open", "half_open"]


class CircuitOpen(ServiceUnavailable):
    """Refused without calling: the capability failed repeatedly and is left alone for a while."""


class CircuitBreaker:
    """Counts consecutive backend failures of one capability; not thread-safe (one event loop)."""

    __slots__ = ("_clock", "_failures", "_opened_at", "_trial", "capability", "failures", "on_open", "reset_seconds")

    def __init__(
        self,
        capability: str,
        failures: int,
        reset_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_open: Callable[[str], None] | None = None,
    ) -> None:
        if failures < 1:
            raise ValueError("a breaker opens after at least one failure")
        self.capability = capability
        self.failures = failures
        self.reset_seconds = reset_seconds
        self.on_open = on_open
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial = False

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return "closed"
        return "open" if self._clock() - self._opened_at < self.reset_seconds else "half_open"

    def admit(self) -> bool:
        """Let a call through, or raise :class:`CircuitOpen`; ``True`` when the call is the half-open trial."""
        if self._opened_at is None:
            return False
        if self._clock() - self._opened_at < self.reset_seconds or self._trial:
            raise CircuitOpen(
                f"{self.capability} is switched off after repeated failures",
                capability=self.capability,
                reason="circuit_open",
            )
        self._trial = True
        return True

    def succeeded(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial = False

    def failed(self) -> None:
        if self._opened_at is not None:
            if self._trial:  # the trial failed: another full wait before the next one
                self._trial = False
                self._open()
            return
        self._failures += 1
        if self._failures >= self.failures:
            self._open()

    def abandoned(self, trial: bool) -> None:
        """A call neither succeeded nor failed (it was cancelled); a trial frees its slot for the next call."""
        if trial:
            self._trial = False

    def _open(self) -> None:
        self._opened_at = self._clock()
        self._failures = 0
        if self.on_open is not None:
            self.on_open(self.capability)
