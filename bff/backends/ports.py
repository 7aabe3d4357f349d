"""The boundary every port call crosses: a port is declared once, and its adapter is wrapped at start-up.

A capability declares its port beside its ``Protocol``::

    CATALOG: PortSpec[CatalogStore] = PortSpec(CatalogStore, "catalog", idempotent={"get_products", ...})

and the composition root wraps whichever adapter it opened with ``instrument(adapter, CATALOG)``. The wrapper
is a class made once per protocol with one method per protocol method and nothing else (no ``__getattr__``):
a call to something the port does not declare fails at once instead of slipping past the boundary. Each call
is counted per request and in total (``bff.metrics``); the remote-call policy hooks in at the same place.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast

from bff.metrics import record_call

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class PortSpec(Generic[P]):
    """What the boundary needs to know about a port."""

    # The port's Protocol (typed loosely: mypy takes no protocol class where a ``type[P]`` is expected).
    protocol: type[Any]
    # Names the port in metrics, traces, settings and degradation warnings ("catalog", "search", "cache").
    capability: str
    # Operations that may be retried after a failure or a timeout (reads); anything else is tried once.
    idempotent: frozenset[str] = field(default_factory=frozenset)
    # An optional capability falls back and warns when it fails; a required one fails its field.
    optional: bool = False

    def __init__(
        self, protocol: type[Any], capability: str, *, idempotent: Iterable[str] = (), optional: bool = False
    ) -> None:
        object.__setattr__(self, "protocol", protocol)
        object.__setattr__(self, "capability", capability)
        object.__setattr__(self, "idempotent", frozenset(idempotent))
        object.__setattr__(self, "optional", optional)
        unknown = self.idempotent - set(operations(protocol))
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

    __slots__ = ("capability", "target")

    def __init__(self, target: object, capability: str) -> None:
        self.target = target
        self.capability = capability


_classes: dict[tuple[type[Any], str], type[PortWrapper]] = {}


def _operation(name: str, label: str) -> Callable[..., Any]:
    async def call(self: PortWrapper, *args: Any, **kwargs: Any) -> Any:
        record_call(label)
        return await getattr(self.target, name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def _wrapper_class(protocol: type[Any], capability: str) -> type[PortWrapper]:
    klass = _classes.get((protocol, capability))
    if klass is None:
        namespace: dict[str, Any] = {"__slots__": ()}
        for name in operations(protocol):
            namespace[name] = _operation(name, f"{capability}.{name}")
        klass = type(f"Instrumented{protocol.__name__}", (PortWrapper,), namespace)
        _classes[(protocol, capability)] = klass
    return klass


def instrument(target: P, spec: PortSpec[P]) -> P:
    """``target`` behind the boundary: every operation of ``spec.protocol`` counted, nothing else reachable."""
    missing = [name for name in spec.operations if not callable(getattr(target, name, None))]
    if missing:
        raise TypeError(f"{type(target).__name__} lacks {spec.protocol.__name__} operations {missing}")
    # The generated class has exactly the protocol's operations: mypy checked ``target`` against the protocol.
    return cast(P, _wrapper_class(spec.protocol, spec.capability)(target, spec.capability))


def unwrap(port: object) -> object:
    """The adapter behind a wrapped port (the port itself when it is not wrapped)."""
    return port.target if isinstance(port, PortWrapper) else port
