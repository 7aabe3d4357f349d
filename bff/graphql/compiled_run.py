"""Run a compiled plan (``compiled.py``): a tight recursive loop over precomputed fields.

Only the happy path is handled here. Any exception (a resolver error, a null in a non-null position, an
unsupported shape) abandons the run: the caller discards it and lets graphql-core's ``execute`` produce the
response, errors, paths and null propagation included. Awaitables are gathered per selection set and per
list exactly where graphql-core gathers them, so DataLoader loads of siblings still start in the same tick.
"""

from __future__ import annotations

import logging
from asyncio import Future, ensure_future
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, cast

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLAbstractType,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationType,
    get_named_type,
)
from graphql.execution import Executor
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bff.graphql.compiled import DocumentPlans, FieldPlan, Unsupported
from bff.graphql.compiled_source import SourceBuilder
from bff.graphql.documents import CompiledDocument

log = logging.getLogger("bff.graphql.compiled")
stats: Counter[str] = Counter()  # "compiled" / "fallback" / "interpreted" runs, for tests and debugging

is_awaitable = cast("Callable[[Any], bool]", optimized_is_awaitable)


_background: set[Future[Any]] = set()


def _settle(awaitables: list[Any]) -> None:
    """Let already created awaitables of an abandoned run finish in the background (as graphql-core does)."""
    for awaitable in awaitables:
        future = ensure_future(awaitable)
        _background.add(future)
        future.add_done_callback(_forget)


def _forget(future: Future[Any]) -> None:
    _background.discard(future)
    if not future.cancelled():
        future.exception()


async def _await_dict(results: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    if len(keys) == 1:
        results[keys[0]] = await results[keys[0]]
    else:
        for key, value in zip(keys, await gather_with_cancel(*(results[k] for k in keys)), strict=True):
            results[key] = value
    return results


async def _await_list(results: list[Any], indices: list[int]) -> list[Any]:
    if len(indices) == 1:
        results[indices[0]] = await results[indices[0]]
    else:
        for index, value in zip(indices, await gather_with_cancel(*(results[i] for i in indices)), strict=True):
            results[index] = value
    return results


class Run:
    """One request's execution of a plan, with graphql-core's executor for infos, variables and types."""

    __slots__ = ("executor",)

    def __init__(self, executor: Executor[Any]) -> None:
        self.executor = executor

    def info(self, plan: FieldPlan, path: Path | None) -> GraphQLResolveInfo[Any]:
        if path is None:
            raise Unsupported("a resolver's info without its path")
        return self.executor.build_resolve_info(plan.definition, plan.nodes, plan.parent, path)

    # -- what generated plans (compiled_source) call for anything but the common case -----------------------

    is_awaitable = staticmethod(is_awaitable)
    await_dict = staticmethod(_await_dict)
    await_list = staticmethod(_await_list)

    @staticmethod
    def pend(pending: list[Any] | None, key: Any) -> list[Any]:
        if pending is None:
            return [key]
        pending.append(key)
        return pending

    @staticmethod
    def settle(results: Any, pending: list[Any] | None) -> None:
        if pending:
            _settle([results[key] for key in pending])

    async def deferred(self, complete: Callable[[Run, Any, Path | None], Any], path: Path | None, value: Any) -> Any:
        completed = complete(self, await value, path)
        return await completed if is_awaitable(completed) else completed

    @staticmethod
    def leaf(type_: GraphQLLeafType, value: Any) -> Any:
        if value is None or is_awaitable(value):
            raise Unsupported("a null or awaitable leaf value")
        coerced = type_.coerce_output_value(value)
        if coerced is None or coerced is Undefined:
            raise Unsupported("leaf coerced to null")
        return coerced

    @classmethod
    def enum(cls, type_: GraphQLLeafType, names: dict[Any, str], value: Any) -> Any:
        name = cls.leaf(type_, value)
        if type(value) in (str, int):  # an enum's serialization depends on the value alone: remember it
            names[value] = name
        return name

    @classmethod
    def scalar(cls, type_: GraphQLLeafType, plain: set[type], value: Any) -> Any:
        coerced = cls.leaf(type_, value)
        plain.add(type(value))
        return coerced

    def checked(
        self,
        select: Callable[[Run, Any, Path | None], Any],
        plan: FieldPlan,
        type_: GraphQLObjectType,
        value: Any,
        path: Path | None,
    ) -> Any:
        """An object of a class the plan did not expect: ask the type's ``is_type_of`` first."""
        if is_awaitable(value):
            raise Unsupported("an awaitable object value")
        if type_.is_type_of is not None:
            matches = type_.is_type_of(value, self.info(plan, path))
            if is_awaitable(matches) or not matches:
                raise Unsupported("is_type_of refused the value (or is asynchronous)")
        return select(self, value, path)

    def fields(self, plans: list[FieldPlan], source: Any, path: Path | None) -> Any:
        results: dict[str, Any] = {}
        pending: list[str] = []
        try:
            self.fill(plans, source, path, results, pending)
        except Exception:
            _settle([results[key] for key in pending])
            raise
        return _await_dict(results, pending) if pending else results

    def fill(
        self, plans: list[FieldPlan], source: Any, path: Path | None, results: dict[str, Any], pending: list[str]
    ) -> None:
        for plan in plans:
            key = plan.key
            if plan.typename:
                results[key] = plan.parent.name
                continue
            info: GraphQLResolveInfo[Any] | None = None
            if plan.attribute is not None:
                value = getattr(source, plan.attribute)
                if type(value) is plan.same_type:  # str for String/ID, bool for Boolean: serialized as is
                    results[key] = value
                    continue
                if value is None and plan.leaf_nullable:
                    results[key] = None
                    continue
                field_path = Path(path, key, plan.parent.name)
            elif plan.direct is not None:
                value = plan.direct(source)
                field_path = Path(path, key, plan.parent.name)
            else:
                field_path = Path(path, key, plan.parent.name)
                info = self.info(plan, field_path)
                resolve = cast("Callable[..., Any]", plan.resolve)
                value = resolve(source, info, **plan.arguments(self.executor))
            if is_awaitable(value):
                value = self.later(plan, field_path, info, value)
            else:
                value = self.complete(plan, plan.return_type, field_path, info, value)
            results[key] = value
            if is_awaitable(value):
                pending.append(key)

    async def later(self, plan: FieldPlan, path: Path, info: GraphQLResolveInfo[Any] | None, value: Any) -> Any:
        completed = self.complete(plan, plan.return_type, path, info, await value)
        return await completed if is_awaitable(completed) else completed

    def complete(
        self, plan: FieldPlan, type_: GraphQLOutputType, path: Path, info: GraphQLResolveInfo[Any] | None, value: Any
    ) -> Any:
        if isinstance(value, Exception):
            raise value
        if isinstance(type_, GraphQLNonNull):
            completed = self.complete(plan, type_.of_type, path, info, value)
            if completed is None:
                raise Unsupported("null in a non-null position")
            return completed
        if value is None or value is Undefined:
            return None
        if isinstance(type_, GraphQLList):
            return self.complete_list(plan, type_.of_type, path, info, value)
        if isinstance(type_, GraphQLLeafType):
            coerced = type_.coerce_output_value(value)
            if coerced is None or coerced is Undefined:
                raise Unsupported("leaf coerced to null")
            return coerced
        if info is None:
            info = self.info(plan, path)
        if isinstance(type_, GraphQLAbstractType):
            resolve_type = type_.resolve_type or self.executor.type_resolver
            name = resolve_type(value, info, type_)
            if is_awaitable(name):
                raise Unsupported("asynchronous resolve_type")
            type_ = self.executor.ensure_valid_runtime_type(name, type_, plan.details, info, value)
        if not isinstance(type_, GraphQLObjectType):
            raise Unsupported(f"unexpected output type {type_}")
        if type_.is_type_of is not None:
            matches = type_.is_type_of(value, info)
            if is_awaitable(matches) or not matches:
                raise Unsupported("is_type_of refused the value (or is asynchronous)")
        return self.fields(plan.subplan(self.executor, type_), value, path)

    def complete_list(
        self,
        plan: FieldPlan,
        item_type: GraphQLOutputType,
        path: Path,
        info: GraphQLResolveInfo[Any] | None,
        value: Any,
    ) -> Any:
        if not isinstance(value, (list, tuple)):
            raise Unsupported("a list field returned something other than a list or tuple")
        if info is None and not isinstance(get_named_type(item_type), GraphQLLeafType):
            info = self.info(plan, path)
        results: list[Any] = []
        pending: list[int] = []
        try:
            for index, item in enumerate(value):
                if is_awaitable(item):
                    raise Unsupported("awaitable list item")
                completed = self.complete(plan, item_type, Path(path, index, None), info, item)
                if is_awaitable(completed):
                    pending.append(index)
                results.append(completed)
        except Exception:
            _settle([results[index] for index in pending])
            raise
        return _await_list(results, pending) if pending else results


def _generated(
    executor: Executor[Any], plans: DocumentPlans, root_type: GraphQLObjectType, operation_name: str | None
) -> Callable[[Run, Any, Path | None], Any] | None:
    """The root plan's generated function (made on first use), or None to interpret the plan instead."""
    key = plans.key(executor, operation_name)
    if key in plans.functions:
        return plans.functions[key]
    root = plans.root(executor, root_type, operation_name)
    try:
        select: Callable[[Run, Any, Path | None], Any] | None = SourceBuilder(executor).build(root, root_type)
    except Unsupported:
        log.debug("plan not generated; it is interpreted", exc_info=True)
        select = None
    plans.functions[key] = select
    return select


async def execute_compiled(
    executor: Executor[Any], plans: DocumentPlans, operation_name: str | None
) -> ExecutionResult:
    """Execute the executor's (query) operation with its plan; raises on anything but a clean success."""
    if not plans.supported or executor.operation.operation is not OperationType.QUERY:
        raise Unsupported("not a plain query")
    root_type = executor.schema.query_type
    if root_type is None or executor.middleware_manager is not None or executor.abort_signal is not None:
        raise Unsupported("no query type, middleware or abort signal")
    run = Run(executor)
    select = _generated(executor, plans, root_type, operation_name)
    if select is not None:
        data = select(run, executor.root_value, None)
    else:
        stats["interpreted"] += 1
        data = run.fields(plans.root(executor, root_type, operation_name), executor.root_value, None)
    if is_awaitable(data):
        data = await cast("Awaitable[dict[str, Any]]", data)
    return ExecutionResult(data, None)


async def run_compiled(
    schema: GraphQLSchema,
    compiled: CompiledDocument,
    context: Any,
    variables: dict[str, Any] | None,
    operation_name: str | None,
) -> ExecutionResult | None:
    """The query's result from its plan, or None when graphql-core's ``execute`` must answer instead."""
    executor = StrawberryGraphQLCoreExecutionContext.build(
        schema,
        cast("DocumentNode", compiled.document),
        None,
        context,
        variables,
        operation_name,
        is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
    )
    if isinstance(executor, list):
        return None  # variable or operation errors: graphql-core reports them
    try:
        result = await execute_compiled(executor, compiled.execution_plans(), operation_name)
    except Exception:  # any failure at all: graphql-core runs the request from the start
        stats["fallback"] += 1
        log.debug("compiled execution fell back to graphql-core", exc_info=True)
        return None
    stats["compiled"] += 1
    # graphql-core's executor refers to itself (through its helpers' bound methods): left as it is, it and
    # everything it reaches (the context, its loaders, every object read) would wait for the garbage
    # collector's slowest pass instead of being freed as the request ends.
    vars(executor).clear()
    return result
