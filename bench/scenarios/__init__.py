"""Scenarios: one module per storefront request, each exposing ``scenario = Scenario(...)``.

Add one by dropping ``bench/scenarios/<name>.py`` with the document, its variables and what a correct
answer looks like; ``load()`` finds it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

# POST a document and get the decoded response body: what ``prepare`` may use to pick its variables.
Probe = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Scenario:
    name: str
    document: str
    operation_name: str
    variables: dict[str, Any] = field(default_factory=dict)
    # "post": the document in a JSON body; "get-persisted": Apollo's APQ link over GET (hash only).
    transport: Literal["post", "get-persisted"] = "post"
    # Checks a response's `data`; returns what is wrong ("" when it is right).
    expect: Callable[[dict[str, Any]], str] = lambda data: ""
    # Picks variables from the seeded catalog (e.g. a real product handle); merged over `variables`.
    prepare: Callable[[Probe], Awaitable[dict[str, Any]]] | None = None
    # Root fields the schema must have for the scenario to run (a capability not built yet skips it).
    requires: tuple[str, ...] = ()
    # Which scenario's floor and peer runs this one is compared with (cached home -> home).
    reference: str | None = None
    # Per-request variables, for a request that can happen once (a checkout): called with the probe and a
    # count, it prepares that many distinct variable sets ahead (the load sends each once, in turn; the
    # harness sizes the pool from `pool_rate` and the run's length, one pool per target).
    variables_pool: Callable[[Probe, int], Awaitable[list[dict[str, Any]]]] | None = None
    # The request rate a pool is sized for: more than the target's max throughput, or the pool wraps around.
    pool_rate: float = 0.0
    # Targets: the most backend calls a request may make.
    max_backend_calls: int | None = None
    notes: str = ""


def load(names: list[str] | None = None) -> list[Scenario]:
    found = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        scenario = getattr(importlib.import_module(f"{__name__}.{module.name}"), "scenario", None)
        if isinstance(scenario, Scenario) and (not names or scenario.name in names):
            found.append(scenario)
    return found
