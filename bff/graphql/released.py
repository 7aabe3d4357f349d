"""graphql-core's executor, taken apart once its result is out.

The execution context graphql-core builds for an operation is referenced by bound methods of its own
(``GraphQLResolveInfoHelpers(gather=..., track=...)``, which every resolver's ``info`` carries), so it, the
request's context and everything the resolvers returned form a reference cycle that only the garbage
collector frees. Under load, cyclic garbage is what fills the young generation: every collection walks it
first, and survivors make the rarer older collections long (the tail of mutations, which always run here;
compiled plans free their own executor). ``ReleasedExecutionContext`` records itself in ``released()``,
which clears each recorded executor's attributes on the way out, so reference counting frees the rest at
once (``compiled_run`` takes its own executor apart the same way). An executor still settling abandoned
work in the background (after an error) is left whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from graphql.execution.executor import Executor
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_built: ContextVar[list[StrawberryGraphQLCoreExecutionContext] | None] = ContextVar("graphql_executors", default=None)


class ReleasedExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, recorded for ``released()`` when built inside it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        built = _built.get()
        if built is not None:
            built.append(self)


@contextmanager
def released() -> Iterator[None]:
    """Around an execution whose result is complete on exit: its executors' cycles taken apart."""
    built: list[StrawberryGraphQLCoreExecutionContext] = []
    token = _built.set(built)
    try:
        yield
    finally:
        _built.reset(token)
        for executor in built:
            take_apart(executor)


def take_apart(executor: Executor[Any]) -> None:
    """Clear ``executor``'s attributes, unless work still settling in the background needs them (it is then
    left to the collector)."""
    if not executor.background_futures:
        vars(executor).clear()
