"""Latency injection: every port call answers after a delay drawn per call (development and benchmarks only).

``BFF_LATENCY_INJECTION=true`` puts each adapter behind ``LatencyInjected`` in the composition root, before
the port boundary wraps it: each operation of the port's protocol first waits a delay drawn from a
log-normal distribution whose median is the capability's (``DEFAULT_MEDIAN_MS``, in the spirit of AWS from
inside its region; ``BFF_LATENCY_MS`` overrides them per capability) and whose spread is
``BFF_LATENCY_SIGMA`` (0: always the median). Closing is never delayed. It shows what a page waits for
when its services are remote: the sum of its rounds' slowest calls, not the sum of its calls. Production
refuses the setting (``bff.settings``).
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, cast

from bff.backends.ports import LIFECYCLE, PortSpec

P = TypeVar("P")

# Median delay per capability, in milliseconds: the remote service each capability stands for.
DEFAULT_MEDIAN_MS: Mapping[str, float] = {
    "catalog": 4.0,  # DynamoDB
    "discounts": 4.0,  # DynamoDB
    "carts": 4.0,  # DynamoDB
    "stores": 4.0,  # DynamoDB
    "orders": 4.0,  # DynamoDB
    "cache": 0.5,  # ElastiCache (Redis)
    "search": 15.0,  # OpenSearch
    "recommender": 40.0,  # Personalize
    "geocoder": 60.0,  # Amazon Location
    "routes": 60.0,  # Amazon Location
    "assistant": 150.0,  # Lex
}

Sleep = Callable[[float], Awaitable[None]]


class DelaySampler:
    """Delays in seconds: ``median x exp(sigma x N(0, 1))``, a log-normal with that median."""

    def __init__(self, median_ms: float, sigma: float, rng: random.Random | None = None) -> None:
        self.median = median_ms / 1000.0
        self.sigma = sigma
        self.rng = rng or random.Random()  # noqa: S311 - a benchmark's jitter, not a secret

    def __call__(self) -> float:
        if self.sigma <= 0 or self.median <= 0:
            return self.median
        return self.median * math.exp(self.sigma * self.rng.gauss(0.0, 1.0))


def medians(overrides: Mapping[str, float]) -> dict[str, float]:
    """The profile's median per capability, ``overrides`` (milliseconds) over the defaults."""
    return {**DEFAULT_MEDIAN_MS, **overrides}


class LatencyInjected:
    """``target`` with each of ``spec``'s operations answering after a drawn delay; anything else passes."""

    def __init__(self, target: object, spec: PortSpec[Any], delay: Callable[[], float], sleep: Sleep) -> None:
        self.target = target
        for name in spec.operations:
            call = getattr(target, name)
            if name not in LIFECYCLE:
                call = _delayed(call, delay, sleep)
            setattr(self, name, call)

    def __getattr__(self, name: str) -> Any:  # only reached for what is not a port operation
        return getattr(self.target, name)


def _delayed(call: Callable[..., Awaitable[Any]], delay: Callable[[], float], sleep: Sleep) -> Callable[..., Any]:
    async def delayed(*args: Any, **kwargs: Any) -> Any:
        await sleep(delay())
        return await call(*args, **kwargs)

    return delayed


def inject_latency(
    adapter: P,
    spec: PortSpec[P],
    overrides: Mapping[str, float],
    sigma: float,
    *,
    sleep: Sleep = asyncio.sleep,
    rng: random.Random | None = None,
) -> P:
    """``adapter`` answering late by its capability's delay (unchanged when the profile gives it none)."""
    median = medians(overrides).get(spec.capability, 0.0)
    if median <= 0:
        return adapter
    return cast(P, LatencyInjected(adapter, spec, DelaySampler(median, sigma, rng), sleep))
