"""Run a compiled plan (``compiled.py``): a tight recursive loop over precomputed fields.

A plan that runs answers its request by itself, errors included: it mirrors graphql-core's executor step by
step (a field's error is located and either recorded, its position nulled, or raised to the nearest nullable
parent; a list item is a boundary like a field), and it reports errors through graphql-core's own
``handle_field_error`` and ``collected_errors``, so the ``errors`` list, its paths and locations are
graphql-core's. Awaitables are gathered per selection set and per list exactly where graphql-core gathers
them (DataLoader loads of siblings still start in the same tick), and the awaitables a raising selection set
leaves behind are settled in the background as graphql-core settles them: nothing is left un-awaited.

Whether a plan runs is decided before anything executes (``run_compiled`` returns None then, and
graphql-core's ``execute`` answers): a request never executes twice. A mutation runs from a plan when it
has one root field besides ``__typename``: one field alone runs the same serially or not.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, cast

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLAbstractType,
    GraphQLError,
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
from graphql.execution.executor import invalid_return_type_error
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bff.graphql.compiled import DocumentPlans, FieldPlan, Unsupported, null_error
from bff.graphql.compiled_source import SourceBuilder
from bff.graphql.compiled_variables import VariablePlan
from bff.graphql.documents import CompiledDocument
from bff.graphql.released import take_apart

log = logging.getLogger("bff.graphql.compiled")
# Requests answered by a plan ("compiled"; "interpreted" of them without generated source) and requests
# left to graphql-core before execution ("graphql-core"): read by tests and the benchmark's sanity checks.
stats: Counter[str] = Counter()

is_awaitable = cast("Callable[[Any], bool]", optimized_is_awaitable)


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


def not_a_value(value: Any) -> TypeError:
    """An awaitable where a plain attribute or a leaf holds a value: a resolver bug, reported at its field."""
    close = getattr(value, "close", None)
    if callable(close):
        close()  # a coroutine nobody will await: closed, so it does not warn at exit
    return TypeError(f"an awaitable where a value was expected: {value!r}")


class Run:
    """One request's execution of a plan, with graphql-core's executor for infos, variables, types and errors."""

    __slots__ = ("executor",)

    def __init__(self, executor: Executor[Any]) -> None:
        self.executor = executor

    def info(self, plan: FieldPlan, path: Path) -> GraphQLResolveInfo[Any]:
        return self.executor.build_resolve_info(plan.definition, plan.nodes, plan.parent, path)

    # -- errors, as graphql-core handles them --------------------------------------------------------------

    def fail(self, error: Exception, plan: FieldPlan, type_: GraphQLOutputType, path: Path) -> None:
        """A field's (or list item's) error: raised, located, for a non-null ``type_``; else recorded (null)."""
        self.executor.handle_field_error(error, type_, plan.details, path)

    def fail_field(self, error: Exception, plan: FieldPlan, path: Path) -> None:
        self.executor.handle_field_error(error, plan.return_type, plan.details, path)

    async def guard(self, plan: FieldPlan, type_: GraphQLOutputType, path: Path, completed: Any) -> Any:
        """An awaitable completion, with its error handled at its position (graphql-core's ``await_completed``)."""
        try:
            return await completed
        except Exception as error:  # noqa: BLE001 - any error is a field error, as in graphql-core
            self.fail(error, plan, type_, path)
            return None

    async def guard_field(self, plan: FieldPlan, path: Path, completed: Any) -> Any:
        return await self.guard(plan, plan.return_type, path, completed)

    def settle(self, results: Any, pending: list[Any] | None) -> None:
        """Awaitables of a selection set or list that raises: settled in the background, as graphql-core does."""
        if pending:
            self.executor.settle_in_background([results[key] for key in pending])

    # -- what generated plans (compiled_source) call for anything but the common case ---------------------

    is_awaitable = staticmethod(is_awaitable)
    await_dict = staticmethod(_await_dict)
    await_list = staticmethod(_await_list)

    @staticmethod
    def pend(pending: list[Any] | None, key: Any) -> list[Any]:
        if pending is None:
            return [key]
        pending.append(key)
        return pending

    async def deferred(self, plan: FieldPlan, complete: Callable[[Run, Any, Path], Any], path: Path, value: Any) -> Any:
        """A resolver's awaitable result, completed once awaited (graphql-core's ``complete_awaitable_value``)."""
        try:
            completed = complete(self, await value, path)
            if is_awaitable(completed):
                completed = await completed
        except Exception as error:  # noqa: BLE001 - any error is a field error, as in graphql-core
            self.fail_field(error, plan, path)
            return None
        return completed

    def item_later(self, plan: FieldPlan, item_type: GraphQLOutputType, path: Path, index: int, item: Any) -> Any:
        """An awaitable list item: graphql-core completes it (with its own executor, for this item only)."""
        info = self.info(plan, path)
        return self.executor.complete_awaitable_list_item_value(
            item, item_type, plan.details, info, Path(path, index, None), None
        )

    def other_list(self, plan: FieldPlan, type_: GraphQLList[Any], path: Path, value: Any) -> Any:
        """A list field's value that is not a list or tuple: graphql-core's iterable handling (and its error)."""
        return self.executor.complete_list_value(type_, plan.details, self.info(plan, path), path, value, None)

    def leaf(self, plan: FieldPlan, type_: GraphQLLeafType, value: Any) -> Any:
        if value is None:  # generated code asks only for non-null positions with None
            raise null_error(plan)
        if isinstance(value, Exception):
            raise value
        if is_awaitable(value):
            raise not_a_value(value)
        return self.executor.complete_leaf_value(type_, value)

    def enum(self, plan: FieldPlan, type_: GraphQLLeafType, names: dict[Any, str], value: Any) -> Any:
        name = self.leaf(plan, type_, value)
        if type(value) in (str, int):  # an enum's serialization depends on the value alone: remember it
            names[value] = name
        return name

    def scalar(self, plan: FieldPlan, type_: GraphQLLeafType, plain: set[type], value: Any) -> Any:
        coerced = self.leaf(plan, type_, value)
        plain.add(type(value))
        return coerced

    def checked(
        self,
        select: Callable[[Run, Any, Path], Any],
        plan: FieldPlan,
        type_: GraphQLObjectType,
        value: Any,
        path: Path,
    ) -> Any:
        """An object of a class the plan did not expect: ask the type's ``is_type_of`` first."""
        if isinstance(value, Exception):
            raise value
        if is_awaitable(value):
            raise not_a_value(value)
        if type_.is_type_of is not None and not type_.is_type_of(value, self.info(plan, path)):
            raise invalid_return_type_error(type_, value, plan.details)
        return select(self, value, path)

    # -- the interpreted plan -------------------------------------------------------------------------------

    def fields(self, plans: list[FieldPlan], source: Any, path: Path | None) -> Any:
        results: dict[str, Any] = {}
        pending: list[str] = []
        try:
            for plan in plans:
                value = plan.parent.name if plan.typename else self.field(plan, source, path)
                results[plan.key] = value
                if is_awaitable(value):
                    pending.append(plan.key)
        except Exception:
            self.settle(results, pending)
            raise
        return _await_dict(results, pending) if pending else results

    def field(self, plan: FieldPlan, source: Any, path: Path | None) -> Any:
        field_path = Path(path, plan.key, plan.parent.name)
        info: GraphQLResolveInfo[Any] | None = None
        try:
            if plan.attribute is not None:
                value = getattr(source, plan.attribute)
                if type(value) is plan.same_type:  # str for String/ID, bool for Boolean: serialized as is
                    return value
            elif plan.direct is not None:
                value = plan.direct(source)
            elif plan.call is not None:
                raw = None if plan.constant_args is not None else plan.arguments(self.executor)
                value = plan.call(source, self, plan, field_path, raw)
            else:
                info = self.info(plan, field_path)
                resolve = cast("Callable[..., Any]", plan.resolve)
                value = resolve(source, info, **plan.arguments(self.executor))
            if is_awaitable(value):
                return self.later(plan, field_path, info, value)
            completed = self.complete(plan, plan.return_type, field_path, info, value)
            if is_awaitable(completed):
                return self.guard_field(plan, field_path, completed)
            return completed
        except Exception as error:  # noqa: BLE001 - any error is a field error, as in graphql-core
            self.fail_field(error, plan, field_path)
            return None

    async def later(self, plan: FieldPlan, path: Path, info: GraphQLResolveInfo[Any] | None, value: Any) -> Any:
        try:
            completed = self.complete(plan, plan.return_type, path, info, await value)
            if is_awaitable(completed):
                completed = await completed
        except Exception as error:  # noqa: BLE001 - any error is a field error, as in graphql-core
            self.fail_field(error, plan, path)
            return None
        return completed

    def complete(
        self, plan: FieldPlan, type_: GraphQLOutputType, path: Path, info: GraphQLResolveInfo[Any] | None, value: Any
    ) -> Any:
        """graphql-core's ``complete_value``, over the plan's precomputed subplans."""
        if isinstance(value, Exception):
            raise value
        if isinstance(type_, GraphQLNonNull):
            completed = self.complete(plan, type_.of_type, path, info, value)
            if completed is None:
                raise null_error(plan)
            return completed
        if value is None or value is Undefined:
            return None
        if isinstance(type_, GraphQLList):
            return self.complete_list(plan, type_, path, info, value)
        if isinstance(type_, GraphQLLeafType):
            return self.executor.complete_leaf_value(type_, value)
        if info is None:
            info = self.info(plan, path)
        if isinstance(type_, GraphQLAbstractType):
            return self.complete_abstract(plan, type_, path, info, value)
        return self.complete_object(plan, type_, path, info, value)

    def complete_abstract(
        self, plan: FieldPlan, type_: GraphQLAbstractType, path: Path, info: GraphQLResolveInfo[Any], value: Any
    ) -> Any:
        resolve_type = type_.resolve_type or self.executor.type_resolver
        name = resolve_type(value, info, type_)
        if is_awaitable(name):
            later = cast("Awaitable[Any]", name)

            async def resolved() -> Any:
                runtime = self.executor.ensure_valid_runtime_type(await later, type_, plan.details, info, value)
                completed = self.complete_object(plan, runtime, path, info, value)
                return await completed if is_awaitable(completed) else completed

            return resolved()
        runtime = self.executor.ensure_valid_runtime_type(name, type_, plan.details, info, value)
        return self.complete_object(plan, runtime, path, info, value)

    def complete_object(
        self, plan: FieldPlan, type_: GraphQLObjectType, path: Path, info: GraphQLResolveInfo[Any], value: Any
    ) -> Any:
        # is_type_of is known to be synchronous: an asynchronous one is refused while planning
        if type_.is_type_of is not None and not type_.is_type_of(value, info):
            raise invalid_return_type_error(type_, value, plan.details)
        return self.fields(plan.subplans[type_.name], value, path)

    def complete_list(
        self,
        plan: FieldPlan,
        type_: GraphQLList[Any],
        path: Path,
        info: GraphQLResolveInfo[Any] | None,
        value: Any,
    ) -> Any:
        if not isinstance(value, (list, tuple)):
            return self.other_list(plan, type_, path, value)
        item_type = type_.of_type
        if info is None and not isinstance(get_named_type(item_type), GraphQLLeafType):
            info = self.info(plan, path)
        results: list[Any] = []
        pending: list[int] = []
        try:
            for index, item in enumerate(value):
                item_path = Path(path, index, None)
                if is_awaitable(item):
                    completed = self.item_later(plan, item_type, path, index, item)
                    pending.append(index)
                    results.append(completed)
                    continue
                try:
                    completed = self.complete(plan, item_type, item_path, info, item)
                    if is_awaitable(completed):
                        completed = self.guard(plan, item_type, item_path, completed)
                        pending.append(index)
                except Exception as error:  # noqa: BLE001 - any error is a field error, as in graphql-core
                    self.fail(error, plan, item_type, item_path)
                    completed = None
                results.append(completed)
        except Exception:
            self.settle(results, pending)
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


def prepare(
    executor: Executor[Any], plans: DocumentPlans, operation_name: str | None, generate: bool = True
) -> Callable[[Run, Any, Path | None], Any]:
    """What runs the executor's operation; raises ``Unsupported`` (before anything executes) when no plan can."""
    operation = executor.operation.operation
    if not plans.supported or operation is OperationType.SUBSCRIPTION:
        raise Unsupported("not a query or mutation")
    root_type = executor.schema.query_type if operation is OperationType.QUERY else executor.schema.mutation_type
    if root_type is None or executor.middleware_manager is not None or executor.abort_signal is not None:
        raise Unsupported("no root type, middleware or abort signal")
    root = plans.root(executor, root_type, operation_name)
    if operation is OperationType.MUTATION and sum(not plan.typename for plan in root) > 1:
        # graphql-core runs a mutation's root fields one after another; a plan would run them together.
        raise Unsupported("a mutation of several root fields")
    select = _generated(executor, plans, root_type, operation_name) if generate else None
    if select is not None:
        return select

    def interpreted(run: Run, source: Any, path: Path | None) -> Any:
        stats["interpreted"] += 1
        return run.fields(root, source, path)

    return interpreted


async def run_compiled(
    schema: GraphQLSchema,
    compiled: CompiledDocument,
    context: Any,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    *,
    generate: bool = True,
) -> ExecutionResult | None:
    """The query's result from its plan, errors included; None, before anything ran, when no plan can run it.

    ``generate=False`` interprets the plan instead of running its generated source (``BFF_COMPILED_SOURCE``).
    """
    plans = compiled.execution_plans()
    document = cast("DocumentNode", compiled.document)
    if operation_name not in plans.variables:
        plans.variables[operation_name] = VariablePlan.plan(schema, document, operation_name)
    planned = plans.variables[operation_name]
    executor = None
    if planned is not None:  # (None where graphql-core coerces, and reports, the variables)
        executor = planned.executor(
            StrawberryGraphQLCoreExecutionContext, schema, context, variables or {}, is_awaitable=optimized_is_awaitable
        )
    if executor is None:
        executor = StrawberryGraphQLCoreExecutionContext.build(
            schema,
            document,
            None,
            context,
            variables,
            operation_name,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        )
    if isinstance(executor, list):
        return ExecutionResult(None, executor)  # variable or operation errors, as graphql-core answers them
    try:
        select = prepare(executor, plans, operation_name, generate)
    except Unsupported:
        stats["graphql-core"] += 1
        log.debug("no plan for this request; graphql-core runs it", exc_info=True)
        take_apart(executor)  # built for nothing: a cycle (its own bound methods) the collector would free
        return None
    stats["compiled"] += 1
    try:
        data = select(Run(executor), executor.root_value, None)
        if is_awaitable(data):
            data = await cast("Awaitable[dict[str, Any]]", data)
    except GraphQLError as error:  # a non-null root field failed: no data (graphql-core's execute_operation)
        executor.collected_errors.add(error, None)
        data = None
    result = cast("ExecutionResult", executor.build_response(data))
    take_apart(executor)
    return result
