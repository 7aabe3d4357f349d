"""The exact cost of an introspection selection: the objects its answer holds, counted from the schema.

Introspection answers come from the schema in memory, so their size is known before they run. Assumed list
sizes would overstate a whole-schema query many times over; counting exactly keeps GraphiQL's introspection
affordable while ``__type { fields { type { fields { ... } } } }`` still costs what it would return. Each
(selection set, schema element) pair is counted once and remembered, so the work stays proportional to the
selection's size times the schema's, never to the answer's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    InlineFragmentNode,
    SelectionSetNode,
    is_abstract_type,
)

# (kind, element): kind is the introspection type the element is shown as.
Element = tuple[str, Any]


class IntrospectionCost:
    def __init__(self, schema: GraphQLSchema) -> None:
        self._schema = schema

    def schema(self, selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]) -> int:
        return _Count(self._schema, fragments).object(selection_set, ("__Schema", self._schema))

    def type(
        self,
        selection_set: SelectionSetNode,
        type_: GraphQLType | None,
        fragments: Mapping[str, FragmentDefinitionNode],
    ) -> int:
        if type_ is None:
            return 0
        return _Count(self._schema, fragments).object(selection_set, ("__Type", type_))


class _Count:
    def __init__(self, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self.schema = schema
        self.fragments = fragments
        self.memo: dict[tuple[int, int], int] = {}

    def object(self, selection_set: SelectionSetNode, element: Element) -> int:
        return 1 + self.selections(selection_set, element)

    def selections(self, selection_set: SelectionSetNode, element: Element) -> int:
        key = (id(selection_set), id(element[1]))
        known = self.memo.get(key)
        if known is not None:
            return known
        self.memo[key] = 0  # a selection that reaches itself again (fragment cycle) counts once
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.selection_set is not None:
                    for child in self.children(element, selection.name.value):
                        total += self.object(selection.selection_set, child)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selections(selection.selection_set, element)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    total += self.selections(fragment.selection_set, element)
        self.memo[key] = total
        return total

    def children(self, element: Element, name: str) -> Iterable[Element]:
        """The elements an introspection field of ``element`` returns, each shown as an object."""
        kind, value = element
        if kind == "__Schema":
            schema: GraphQLSchema = value
            if name == "types":
                return [("__Type", t) for t in schema.type_map.values()]
            if name == "directives":
                return [("__Directive", d) for d in schema.directives]
            root = {"queryType": schema.query_type, "mutationType": schema.mutation_type}.get(name)
            root = root if name != "subscriptionType" else schema.subscription_type
            return [("__Type", root)] if root is not None else []
        if kind == "__Type":
            return self._type_children(value, name)
        if kind in ("__Field", "__Directive") and name == "args":
            return [("__InputValue", a) for a in value.args.values()]
        if kind in ("__Field", "__InputValue") and name == "type":
            return [("__Type", value.type)]
        return []

    def _type_children(self, type_: GraphQLType, name: str) -> list[Element]:
        if name == "ofType":
            return [("__Type", type_.of_type)] if isinstance(type_, GraphQLList | GraphQLNonNull) else []
        if name == "fields" and isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            return [("__Field", f) for f in type_.fields.values()]
        if name == "interfaces" and isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            return [("__Type", i) for i in type_.interfaces]
        if name == "possibleTypes" and is_abstract_type(type_):
            return [("__Type", t) for t in self.schema.get_possible_types(type_)]
        if name == "enumValues" and isinstance(type_, GraphQLEnumType):
            return [("__EnumValue", v) for v in type_.values.values()]
        if name == "inputFields" and isinstance(type_, GraphQLInputObjectType):
            return [("__InputValue", f) for f in type_.fields.values()]
        return []
