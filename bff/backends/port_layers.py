"""The layers a port call may go through besides its policy, each added only where it is on (``ports.instrument``).

Closures rather than one function with flags: a call pays for the layers its port has and nothing else.
"""

from __future__ import annotations

from time import perf_counter
from typing import Any

from opentelemetry.trace import SpanKind, Tracer
from prometheus_client.metrics import Histogram

from bff import degradation, tracing
from bff.backends.policy import Call
from bff.errors import ServiceUnavailable


def degrading(call: Call, capability: str) -> Call:
    """An optional capability's failure: the caller serves its fallback, the response carries a warning."""

    async def degrading(*args: Any, **kwargs: Any) -> Any:
        try:
            return await call(*args, **kwargs)
        except ServiceUnavailable as error:
            degradation.warn(capability, error)
            raise

    return degrading


def timed(call: Call, histogram: Histogram) -> Call:
    """Observe the call's duration into one label set's histogram (resolved once, when the port is wrapped)."""
    observe = histogram.observe

    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = perf_counter()
        try:
            return await call(*args, **kwargs)
        finally:
            observe(perf_counter() - started)

    return timed


def traced(call: Call, tracer: Tracer, capability: str, operation: str) -> Call:
    """A client span per call, under the request's span, with the capability, operation and request id."""
    name = f"{capability}.{operation}"
    attributes = {"bff.capability": capability, "bff.operation": operation}

    async def traced(*args: Any, **kwargs: Any) -> Any:
        with tracer.start_as_current_span(name, kind=SpanKind.CLIENT, attributes=attributes) as span:
            request_id = tracing.request_id.get()
            if request_id is not None:
                span.set_attribute("bff.request_id", request_id)
            return await call(*args, **kwargs)

    return traced
