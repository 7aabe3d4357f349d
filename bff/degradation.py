"""The degradation contract: an optional capability that fails is answered by its fallback, and the response says so.

A request's warnings are collected here (a ``ContextVar`` started with the request's call accounting, see
``bff.metrics.start_request``) and sent as ``extensions.warnings``::

    {"code": "DEGRADED", "capability": "cache", "message": "cache did not answer in time; a fallback was served"}

One warning per capability and request. Failures of an optional port are recorded at the port boundary
(``bff.backends.ports``) whoever calls it; :func:`degrade` is the caller's side: the call, or its fallback.
A required capability (catalog, search) never degrades: its field is ``null`` with a ``SERVICE_UNAVAILABLE``
error, and the rest of the response is served. A response with warnings is never stored in the response cache.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from bff.errors import ServiceUnavailable

log = logging.getLogger("bff.degradation")

T = TypeVar("T")

_warnings: ContextVar[dict[str, dict[str, str]] | None] = ContextVar("degradation_warnings", default=None)

_REASONS = {
    "timeout": "did not answer in time",
    "circuit_open": "is switched off after repeated failures",
}


def start_request() -> None:
    _warnings.set({})


def describe(capability: str, error: BaseException | None) -> str:
    """What a client is told: the kind of failure, never a host, a port or an SDK's text."""
    reason = error.extensions.get("reason") if isinstance(error, ServiceUnavailable) else None
    return f"{capability} {_REASONS.get(str(reason), 'is unavailable')}; a fallback was served"


def warn(capability: str, error: BaseException | None = None) -> None:
    """Record that ``capability`` was answered by its fallback in the current request (once per capability)."""
    found = _warnings.get()
    if found is not None and capability not in found:
        found[capability] = {"code": "DEGRADED", "capability": capability, "message": describe(capability, error)}


def pending() -> bool:
    """Whether the current request has degraded (its response must not be cached)."""
    return bool(_warnings.get())


def warnings() -> list[dict[str, str]]:
    return list((_warnings.get() or {}).values())


def attach(payload: dict[str, Any]) -> None:
    """Add the request's warnings to a response ``payload`` as ``extensions.warnings``, when there are any."""
    found = _warnings.get()
    if found:
        payload.setdefault("extensions", {})["warnings"] = list(found.values())


async def degrade(capability: str, call: Callable[[], Awaitable[T]], fallback: Callable[[], T]) -> T:
    """``await call()``; when ``capability`` is unavailable, ``fallback()`` instead, with a warning."""
    try:
        return await call()
    except ServiceUnavailable as error:
        warn(capability, error)
        log.warning("%s degraded, serving its fallback: %s", capability, error)
        return fallback()
