"""Backend call accounting: every port call is counted, per request and in total.

The counts prove batching (a request's calls must not grow with its item count) and feed the benchmark
report; they are read from ``extensions.backendCalls`` when the app runs with ``BFF_EXPOSE_METRICS``.
Calls are recorded at the port boundary (``bff.backends.ports``), as ``<capability>.<operation>``.
"""

from __future__ import annotations

from collections import Counter
from contextvars import ContextVar

from bff import degradation, privacy

request_calls: ContextVar[Counter[str] | None] = ContextVar("request_calls", default=None)
total_calls: Counter[str] = Counter()


# Times a backend failed soft (the cache was down, a read fell through to the store), by ``<port>.<op>``.
degraded_calls: Counter[str] = Counter()


def record_degraded(name: str) -> None:
    degraded_calls[name] += 1


def start_request() -> Counter[str]:
    """Start a request's accounting: its backend calls (returned) and its degradation warnings."""
    degradation.start_request()
    privacy.start_request()
    calls: Counter[str] = Counter()
    request_calls.set(calls)
    return calls


def record_call(name: str) -> None:
    total_calls[name] += 1
    calls = request_calls.get()
    if calls is not None:
        calls[name] += 1
