"""The executor of a planned request, built with its variables coerced by a coercion planned once per document.

graphql-core's ``Executor.build`` finds the operation and the fragments again on every request and coerces the
variables by walking each variable's type (``coerce_input_value``, after ``input_is_nested_too_deeply`` walks
the value once more): for ``checkoutComplete``'s input, about 40 calls per request. ``VariablePlan`` does the
document's part once (the operation, the fragments, each variable's signature and a coercion of its type) and
coerces a request's variables with straight-line code.

It only ever answers what graphql-core would: a value it would not accept, or anything it does not plan (a
``@oneOf`` input, an input type that contains itself, a fragment with variables of its own, a default that does
not coerce) makes ``executor`` answer None, and graphql-core builds the executor instead, with its own errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    OperationDefinitionNode,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FragmentDetails
from graphql.execution.execute import default_field_resolver, default_type_resolver
from graphql.execution.get_variable_signature import GraphQLVariableSignature, get_variable_signature
from graphql.execution.values import VariableValues, VariableValueSource, maybe_use_default_value
from graphql.pyutils import is_iterable
from graphql.type import is_required_input_field
from graphql.utilities.coerce_input_value import coerce_default_value

Coerce = Callable[[Any], Any]  # a value to its coerced value; raises _Declined where graphql-core must decide


class _Declined(Exception):
    """graphql-core decides: the value is invalid, or it is a case not planned."""


class VariablePlan:
    """One document's operation, fragments and variable coercions (``plan``: None where graphql-core builds)."""

    def __init__(
        self,
        operation: OperationDefinitionNode,
        fragment_definitions: dict[str, FragmentDefinitionNode],
        variables: list[tuple[GraphQLVariableSignature, Coerce]],
    ) -> None:
        self.operation = operation
        self.fragment_definitions = fragment_definitions
        self.fragments = {name: FragmentDetails(node, None) for name, node in fragment_definitions.items()}
        self.variables = variables

    @classmethod
    def plan(cls, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> VariablePlan | None:
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
        if operation_name is None:
            chosen = operations if len(operations) == 1 else []
        else:
            chosen = [o for o in operations if o.name and o.name.value == operation_name][-1:]
        if not chosen or any(f.variable_definitions for f in fragments):
            return None  # (graphql-core's errors, or fragment variables)
        variables: list[tuple[GraphQLVariableSignature, Coerce]] = []
        try:
            for node in chosen[0].variable_definitions or ():
                signature = get_variable_signature(schema, node)
                if isinstance(signature, GraphQLError):
                    return None
                variables.append((signature, _Planner().plan(signature.type)))
        except _Declined:
            return None
        return cls(chosen[0], {f.name.value: f for f in fragments}, variables)

    def coerce(self, inputs: Mapping[str, Any]) -> VariableValues | None:
        """The request's variables as graphql-core coerces them; None where graphql-core must (errors included)."""
        sources: dict[str, VariableValueSource] = {}
        coerced: dict[str, Any] = {}
        try:
            for signature, coerce in self.variables:
                name = signature.name
                value = inputs.get(name, Undefined)
                if value is Undefined:
                    sources[name] = VariableValueSource(signature)
                    if signature.default is not None:
                        maybe_use_default_value(coerced, name, signature, _decline)
                        continue
                    if isinstance(signature.type, GraphQLNonNull):
                        return None
                    continue
                sources[name] = VariableValueSource(signature, value)
                coerced[name] = coerce(value)
        except _Declined:
            return None
        return VariableValues(sources, coerced)

    def executor(self, cls: Any, schema: GraphQLSchema, context: Any, inputs: Mapping[str, Any], **kwargs: Any) -> Any:
        """``cls`` (graphql-core's ``Executor`` or a subclass) as its ``build`` would make it, or None."""
        values = self.coerce(inputs)
        if values is None:
            return None
        return cls(
            schema,
            dict(self.fragment_definitions),
            dict(self.fragments),
            None,
            context,
            self.operation,
            values,
            default_field_resolver,
            default_type_resolver,
            default_field_resolver,
            **kwargs,
        )


def _decline(*_: Any) -> None:
    raise _Declined


class _Planner:
    def __init__(self) -> None:
        self.open: set[str] = set()  # input types being planned: one met again contains itself

    def plan(self, type_: GraphQLInputType) -> Coerce:
        if isinstance(type_, GraphQLNonNull):
            inner = self.plan(type_.of_type)

            def non_null(value: Any) -> Any:
                if value is None or value is Undefined:
                    raise _Declined
                return inner(value)

            return non_null
        if isinstance(type_, GraphQLList):
            return self.list(type_)
        if isinstance(type_, GraphQLInputObjectType):
            return self.input_object(type_)
        if is_leaf_type(type_):
            return _leaf(type_)
        raise _Declined

    def list(self, type_: GraphQLList[Any]) -> Coerce:
        item = self.plan(type_.of_type)

        def coerce(value: Any) -> Any:
            if value is None or value is Undefined:
                return None
            if not is_iterable(value):
                return [item(value)]  # (a single value is a list of one)
            return [item(v) for v in value]

        return coerce

    def input_object(self, type_: GraphQLInputObjectType) -> Coerce:
        if type_.is_one_of or type_.name in self.open:
            raise _Declined
        self.open.add(type_.name)
        fields = type_.fields
        # (name, key of the coerced dict, coercion, required, the field: its default)
        planned = [
            (name, field.out_name or name, self.plan(field.type), is_required_input_field(field), field)
            for name, field in fields.items()
        ]
        self.open.discard(type_.name)
        out_type = type_.out_type

        def coerce(value: Any) -> Any:
            if value is None or value is Undefined:
                return None
            if not isinstance(value, dict) or any(k not in fields for k, v in value.items() if v is not Undefined):
                raise _Declined
            coerced: dict[str, Any] = {}
            for name, key, coerce_field, required, field in planned:
                given = value.get(name, Undefined)
                if given is Undefined:
                    if required:
                        raise _Declined
                    try:
                        fallback = coerce_default_value(field)  # (memoized on the field by graphql-core)
                    except TypeError as error:  # (an invalid default: graphql-core raises it)
                        raise _Declined from error
                    if fallback is not Undefined:
                        coerced[key] = fallback
                    continue
                coerced[key] = coerce_field(given)
            return out_type(coerced)

        return coerce


def _leaf(type_: Any) -> Coerce:
    parse = type_.coerce_input_value

    def coerce(value: Any) -> Any:
        if value is None or value is Undefined:
            return None
        try:
            parsed = parse(value)
        except Exception as error:
            raise _Declined from error
        if parsed is Undefined:
            raise _Declined
        return parsed

    return coerce
