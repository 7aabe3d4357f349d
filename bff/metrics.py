"""Backend call accounting: every port call is counted, per request and in total.

The counts prove batching (a request's calls must not grow with its item count) and feed the benchmark
report; they are read from ``extensions.backendCalls`` when the app runs with ``BFF_EXPOSE_METRICS``.
"""

from __future__ import annotations

import functools
from collections import Counter
from contextvars import ContextVar
from typing import Any, TypeVar, cast

T = TypeVar("T")

request_calls: ContextVar[Counter[str] | None] = ContextVar("request_calls", default=None)
total_calls: Counter[str] = Counter()


# Times a backend failed soft (the cache was down, a read fell through to the store), by ``<port>.<op>``.
degraded_calls: Counter[str] = Counter()


def record_degraded(name: str) -> None:
    degraded_calls[name] += 1


def start_request() -> Counter[str]:
    calls: Counter[str] = Counter()
    request_calls.set(calls)
    return calls


def _record(name: str) -> None:
    total_calls[name] += 1
    calls = request_calls.get()
    if calls is not None:
        calls[name] += 1


class _Counted:
    """Forwards every attribute to the adapter; coroutine methods are counted as ``<port>.<method>``."""

    def __init__(self, target: object, port: str) -> None:
        self._target = target
        self._port = port

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if name.startswith("_") or not callable(attr):
            return attr
        label = f"{self._port}.{name}"

        @functools.wraps(attr)
        def call(*args: Any, **kwargs: Any) -> Any:
            _record(label)
            return attr(*args, **kwargs)

        setattr(self, name, call)  # later lookups skip __getattr__
        return call


def counted(target: T, port: str) -> T:
    """``target`` with every call through it counted; typed as the port it wraps."""
    return cast(T, _Counted(target, port))
