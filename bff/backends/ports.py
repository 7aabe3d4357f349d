"""The boundary every port call crosses: a port is declared once, and its adapter is wrapped at start-up.

A capability declares its port beside its ``Protocol``::

    CATALOG: PortSpec[CatalogStore] = PortSpec(CatalogStore, "catalog", idempotent={"get_products", ...})

and the composition root wraps whichever adapter it opened with ``instrument(adapter, CATALOG)``. The wrapper
is a class made once per protocol with one method per protocol method and nothing else (no ``__getattr__``):
a call to something the port does not declare fails at once instead of slipping past the boundary.

Every call is counted per request and in total (``bff.metrics``), follows its capability's policy (deadline,
retries of ``idempotent`` operations, breaker: ``bff.backends.policy``), is timed into a Prometheus histogram
and traced as a span when those are on (``bff.observability``, ``bff.tracing``), and, for an ``optional``
capability, a failure adds a ``DEGRADED`` warning to the response (``bff.degradation``). What a port's calls
go through is decided once per operation when the adapter is wrapped: an embedded adapter with telemetry off
is called directly.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast

from bff import tracing
from bff.backends import port_layers as layers
from bff.backends.breaker import CircuitBreaker
from bff.backends.policy import EMBEDDED, Call, breaker_for, guard
from bff.metrics import record_call
from bff.observability import PORT_CALL_SECONDS, breaker_opened
from bff.settings import CallPolicy

log = logging.getLogger("bff.backends")

P = TypeVar("P")
# Lifecycle, not a call to the service: never refused by a breaker, never cut short.
LIFECYCLE = frozenset({"close"})


@dataclass(frozen=True, slots=True)
class PortSpec(Generic[P]):
    """What the boundary needs to know about a port."""

    # The port's Protocol (typed loosely: mypy takes no protocol class where a ``type[P]`` is expected).
    protocol: type[Any]
    # Names the port in metrics, traces, settings and degradation warnings ("catalog", "search", "cache").
    capability: str
    # Operations that may be retried after a failure or a timeout (reads); anything else is tried once.
    idempotent: frozenset[str] = field(default_factory=frozenset)
    # Operations that move many items at once (imports, reindexing): their size, not the service's health,
    # sets how long they take, so they get no deadline (the adapter's client bounds each request).
    bulk: frozenset[str] = field(default_factory=frozenset)
    # An optional capability falls back and warns when it fails; a required one fails its field.
    optional: bool = False

    def __init__(
        self,
        protocol: type[Any],
        capability: str,
        *,
        idempotent: Iterable[str] = (),
        bulk: Iterable[str] = (),
        optional: bool = False,
    ) -> None:
        object.__setattr__(self, "protocol", protocol)
        object.__setattr__(self, "capability", capability)
        object.__setattr__(self, "idempotent", frozenset(idempotent))
        object.__setattr__(self, "bulk", frozenset(bulk))
        object.__setattr__(self, "optional", optional)
        unknown = (self.idempotent | self.bulk) - set(operations(protocol))
        if unknown:
            raise TypeError(f"{protocol.__name__} has no operations {sorted(unknown)}")

    @property
    def operations(self) -> tuple[str, ...]:
        return operations(self.protocol)


def operations(protocol: type[Any]) -> tuple[str, ...]:
    """The coroutine methods a protocol declares, its protocol bases' included, in declaration order."""
    names: dict[str, None] = {}
    for klass in reversed(protocol.__mro__):
        if klass in (object, Protocol, Generic) or not getattr(klass, "_is_protocol", False):
            continue
        for name, member in vars(klass).items():
            if not name.startswith("_") and inspect.iscoroutinefunction(member):
                names[name] = None
    return tuple(names)


class PortWrapper:
    """Base of the generated wrappers; ``target`` is the adapter, kept for tests and the composition root."""

    __slots__ = ("breaker", "calls", "capability", "target")

    def __init__(
        self, target: object, capability: str, calls: tuple[Call, ...], breaker: CircuitBreaker | None
    ) -> None:
        self.target = target
        self.capability = capability
        # One callable per operation, in the class's order: the adapter's method under the policy and telemetry.
        self.calls = calls
        self.breaker = breaker


_classes: dict[tuple[type[Any], str], type[PortWrapper]] = {}


def _operation(name: str, index: int, label: str) -> Callable[..., Any]:
    async def call(self: PortWrapper, *args: Any, **kwargs: Any) -> Any:
        record_call(label)
        return await self.calls[index](*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def _wrapper_class(protocol: type[Any], capability: str) -> type[PortWrapper]:
    klass = _classes.get((protocol, capability))
    if klass is None:
        namespace: dict[str, Any] = {"__slots__": ()}
        for index, name in enumerate(operations(protocol)):
            namespace[name] = _operation(name, index, f"{capability}.{name}")
        klass = type(f"Instrumented{protocol.__name__}", (PortWrapper,), namespace)
        _classes[(protocol, capability)] = klass
    return klass


def instrument(target: P, spec: PortSpec[P], policy: CallPolicy | None = None, *, histograms: bool = False) -> P:
    """``target`` behind the boundary: every operation of ``spec.protocol`` counted, under ``policy`` (none:
    straight through), timed into Prometheus when ``histograms``, traced when a tracer is installed
    (``bff.tracing``); nothing else reachable."""
    missing = [name for name in spec.operations if not callable(getattr(target, name, None))]
    if missing:
        raise TypeError(f"{type(target).__name__} lacks {spec.protocol.__name__} operations {missing}")
    policy = policy or EMBEDDED
    breaker = breaker_for(spec.capability, policy, _breaker_opened)
    tracer = tracing.current_tracer()
    calls = []
    for name in spec.operations:
        call: Call = getattr(target, name)
        if name not in LIFECYCLE:  # closing must always reach the adapter
            call = guard(
                call,
                spec.capability,
                name,
                policy,
                breaker,
                idempotent=name in spec.idempotent,
                bulk=name in spec.bulk,
            )
            if spec.optional:
                call = layers.degrading(call, spec.capability)
        if histograms:
            call = layers.timed(call, PORT_CALL_SECONDS.labels(spec.capability, name))
        if tracer is not None:
            call = layers.traced(call, tracer, spec.capability, name)
        calls.append(call)
    # The generated class has exactly the protocol's operations: mypy checked ``target`` against the protocol.
    wrapper = _wrapper_class(spec.protocol, spec.capability)(target, spec.capability, tuple(calls), breaker)
    return cast(P, wrapper)


def _breaker_opened(capability: str) -> None:
    breaker_opened(capability)
    log.warning("%s failed repeatedly: its calls are refused for a while (circuit breaker open)", capability)


def unwrap(port: object) -> object:
    """The adapter behind a wrapped port (the port itself when it is not wrapped)."""
    return port.target if isinstance(port, PortWrapper) else port
