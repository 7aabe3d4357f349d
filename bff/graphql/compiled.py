"""Compiled execution plans for queries, and for mutations of one root field.

graphql-core re-derives, for every field of every object in a response, what the field is, how it resolves
and what its subfields are. For the few documents a storefront sends, that is the same answer every time:
a plan keeps it per document (on its ``CompiledDocument``), per operation and per value of the variables
that ``@skip``/``@include`` read. Fields are collected with graphql-core's own ``collect_fields``, lazily,
once per (field, concrete object type). ``compiled_run`` executes a plan.

A plan is made whole before anything executes: every selection set of every object type a field can return,
abstract types included. What a plan cannot cover (``@defer``/``@stream``, fragment variables, an asynchronous
``is_type_of``, a mutation of several root fields, which graphql-core runs one after another) raises
``Unsupported`` then, and graphql-core's ``execute`` runs the request instead, once.
Once a plan runs it answers the request itself, errors included (see ``compiled_run``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLAbstractType,
    GraphQLBoolean,
    GraphQLError,
    GraphQLField,
    GraphQLID,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    ListValueNode,
    ObjectValueNode,
    ValueNode,
    VariableNode,
    get_named_type,
)
from graphql.execution import Executor
from graphql.execution.collect_fields import FieldDetails, collect_fields, collect_subfields
from graphql.execution.values import get_argument_values
from graphql.language import Visitor, visit

from bff.graphql.compiled_calls import (
    ArgumentSpec,
    DirectCall,
    argument_spec,
    direct_call,
    read_arguments,
    source_call,
)


class Unsupported(Exception):
    """Raised while planning, before execution: graphql-core's executor runs the request instead."""


NO_ARGS: dict[str, Any] = {}
# graphql-core's serialize_string/serialize_id/serialize_boolean return a value of exactly these types as is.
IDENTITY: dict[GraphQLOutputType, type] = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool}


def _has_variable(value: ValueNode) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(_has_variable(v) for v in value.values)
    if isinstance(value, ObjectValueNode):
        return any(_has_variable(f.value) for f in value.fields)
    return False


def _basic_attribute(definition: GraphQLField) -> str | None:
    """The attribute a plain strawberry field reads, when its resolver is exactly ``getattr(source, name)``.

    Strawberry gives a field with no resolver, no extensions and no exception handler ``_get_basic_result``,
    which returns ``field.get_result(source, None, [], {})`` = ``field.default_resolver(source, python_name)``.
    """
    resolve = definition.resolve
    strawberry_field = (definition.extensions or {}).get("strawberry-definition")
    if resolve is None or strawberry_field is None or getattr(resolve, "__name__", "") != "_get_basic_result":
        return None
    if strawberry_field.base_resolver is not None or strawberry_field.extensions:
        return None
    if strawberry_field.default_resolver is not getattr:
        return None
    name = strawberry_field.python_name
    return name if isinstance(name, str) else None


@dataclass(slots=True)
class FieldPlan:
    """One response key of a selection set on one concrete object type."""

    key: str
    parent: GraphQLObjectType
    details: list[FieldDetails]
    nodes: list[FieldNode]
    definition: GraphQLField
    return_type: GraphQLOutputType
    typename: bool
    attribute: str | None
    resolve: Callable[..., Any] | None
    constant_args: dict[str, Any] | None
    argument_spec: ArgumentSpec | None  # how to read arguments set by variables (compiled_calls.read_arguments)
    direct: Callable[[Any], Any] | None  # a resolver of its parent alone, without strawberry's wrapper
    call: DirectCall | None  # any other resolver without strawberry's wrapper (compiled_calls.direct_call)
    call_reads_info: bool  # ``call`` needs the GraphQLResolveInfo
    same_type: type | None  # a value of exactly this type is its own serialization (str for String/ID)
    subplans: dict[str, list[FieldPlan]] = field(default_factory=dict)

    def arguments(self, executor: Executor[Any]) -> dict[str, Any]:
        if self.constant_args is not None:
            return self.constant_args
        if self.argument_spec is not None:
            values = read_arguments(self.argument_spec, executor.variable_values.coerced)
            if values is not None:
                return values
        first = self.details[0]
        return get_argument_values(
            self.definition, first.node, executor.variable_values, None, executor.hide_suggestions
        )

    def subplan(self, executor: Executor[Any], runtime_type: GraphQLObjectType) -> list[FieldPlan]:
        plans = self.subplans.get(runtime_type.name)
        if plans is None:
            collected = collect_subfields(
                executor.schema,
                executor.fragments,
                executor.variable_values,
                executor.operation,
                runtime_type,
                self.details,
                executor.hide_suggestions,
            )
            plans = plan_fields(executor, runtime_type, collected.grouped_field_set)
            self.subplans[runtime_type.name] = plans
        return plans


def null_error(plan: FieldPlan) -> TypeError:
    """graphql-core's error for a null in a non-null position of ``plan``'s field."""
    return TypeError(f"Cannot return null for non-nullable field {plan.parent.name}.{plan.nodes[0].name.value}.")


def plan_field(executor: Executor[Any], parent: GraphQLObjectType, key: str, details: list[FieldDetails]) -> FieldPlan:
    node = details[0].node
    if any(d.defer_usage is not None or d.fragment_variable_values is not None for d in details):
        raise Unsupported("@defer or fragment variables")
    definition = executor.schema.get_field(parent, node.name.value)
    if definition is None:
        raise Unsupported(f"no field {parent.name}.{node.name.value}")
    typename = node.name.value == "__typename"
    attribute = None if typename else _basic_attribute(definition)
    constant: dict[str, Any] | None = None
    varying = {a.name.value for a in node.arguments or () if _has_variable(a.value)}
    if not definition.args and not node.arguments:
        constant = NO_ARGS
    elif not varying:
        constant = get_argument_values(definition, node, executor.variable_values, None, executor.hide_suggestions)
    fixed = constant
    if fixed is None:
        try:  # the values of the arguments without a variable, and this request's of the others
            fixed = get_argument_values(definition, node, executor.variable_values, None, executor.hide_suggestions)
        except GraphQLError:
            fixed = None  # this request's variables fail here: graphql-core reads them, strawberry calls
    direct = None if typename or attribute else source_call(definition)
    call = None
    if not (typename or attribute or direct or fixed is None):
        call = direct_call(definition, executor.schema, fixed, varying)
    spec = None if constant is not None or fixed is None else argument_spec(definition, node, fixed, varying)
    return FieldPlan(
        key=key,
        parent=parent,
        details=details,
        nodes=[d.node for d in details],
        definition=definition,
        return_type=definition.type,
        typename=typename,
        attribute=attribute,
        resolve=definition.resolve or executor.field_resolver,
        constant_args=constant,
        argument_spec=spec,
        direct=direct,
        call=None if call is None else call[0],
        call_reads_info=call is not None and call[1],
        same_type=IDENTITY.get(
            definition.type.of_type if isinstance(definition.type, GraphQLNonNull) else definition.type
        ),
    )


def plan_fields(
    executor: Executor[Any], parent: GraphQLObjectType, grouped: dict[str, list[FieldDetails]]
) -> list[FieldPlan]:
    return [plan_field(executor, parent, key, details) for key, details in grouped.items()]


def plan_root(executor: Executor[Any], root_type: GraphQLObjectType) -> list[FieldPlan]:
    collected = collect_fields(
        executor.schema,
        executor.fragments,
        executor.variable_values,
        root_type,
        executor.operation,
        executor.hide_suggestions,
    )
    plans = plan_fields(executor, root_type, collected.grouped_field_set)
    plan_below(executor, plans)
    return plans


def runtime_types(executor: Executor[Any], type_: GraphQLOutputType) -> list[GraphQLObjectType]:
    """The object types a value of ``type_`` (lists and non-null unwrapped) can have at run time."""
    named = get_named_type(type_)
    if isinstance(named, GraphQLObjectType):
        return [named]
    if isinstance(named, GraphQLAbstractType):
        return list(executor.schema.get_possible_types(named))
    return []


def plan_below(executor: Executor[Any], plans: list[FieldPlan]) -> None:
    """Plan every selection set under ``plans`` now, so that nothing is left to refuse during execution."""
    for plan in plans:
        for type_ in runtime_types(executor, plan.return_type):
            if type_.name in plan.subplans:
                continue
            if type_.is_type_of is not None and inspect.iscoroutinefunction(
                getattr(type_.is_type_of, "__func__", type_.is_type_of)
            ):
                raise Unsupported(f"asynchronous is_type_of on {type_.name}")
            plan_below(executor, plan.subplan(executor, type_))


class _DirectiveVariables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.fragment_variables = False
        self.incremental = False

    def enter_directive(self, node: Any, *_: Any) -> None:
        if node.name.value in ("defer", "stream"):
            self.incremental = True  # graphql-core's incremental executor runs it, never a plan
        if node.name.value == "inContext":
            return  # an operation's context changes no answer: its variables do not split plans
        for argument in node.arguments or ():
            if isinstance(argument.value, VariableNode):
                self.names.add(argument.value.name.value)
            elif _has_variable(argument.value):
                self.fragment_variables = True  # nested variables in a directive: not planned

    def enter_fragment_definition(self, node: Any, *_: Any) -> None:
        if node.variable_definitions:
            self.fragment_variables = True

    def enter_fragment_spread(self, node: Any, *_: Any) -> None:
        if getattr(node, "arguments", None):
            self.fragment_variables = True


@dataclass(slots=True)
class DocumentPlans:
    """The plans of one document: one root plan per (operation name, values of directive variables)."""

    directive_variables: tuple[str, ...]
    supported: bool
    roots: dict[tuple[Any, ...], list[FieldPlan]] = field(default_factory=dict)
    refused: dict[tuple[Any, ...], str] = field(default_factory=dict)  # why a root could not be planned
    # The generated functions of each root plan (compiled_source), or None where generation was refused.
    functions: dict[tuple[Any, ...], Callable[..., Any] | None] = field(default_factory=dict)
    # Per operation name: its variables' coercion planned once (compiled_variables), or None.
    variables: dict[str | None, Any] = field(default_factory=dict)

    def key(self, executor: Executor[Any], operation_name: str | None) -> tuple[Any, ...]:
        coerced = executor.variable_values.coerced
        return (operation_name, *(coerced.get(name) for name in self.directive_variables))

    @classmethod
    def of(cls, document: DocumentNode) -> DocumentPlans:
        visitor = _DirectiveVariables()
        visit(document, visitor)
        return cls(tuple(sorted(visitor.names)), not (visitor.fragment_variables or visitor.incremental))

    def root(
        self, executor: Executor[Any], root_type: GraphQLObjectType, operation_name: str | None
    ) -> list[FieldPlan]:
        """The root plan (made whole on first use); raises ``Unsupported``, every time, when it cannot be made."""
        key = self.key(executor, operation_name)
        plans = self.roots.get(key)
        if plans is None:
            refusal = self.refused.get(key)
            if refusal is not None:
                raise Unsupported(refusal)
            try:
                plans = plan_root(executor, root_type)
            except Unsupported as error:
                self.refused[key] = str(error)
                raise
            self.roots[key] = plans
        return plans
