"""A document's calculated cost, the way Shopify publishes it, computed before anything runs.

Per field: a scalar or enum costs 0, an object (interface, union) 1, a connection 2 plus its page size
(``first`` or ``last``, else the default page size) times what one of its items costs; a list of objects costs
its bound times one item; a mutation's root field 10 more. Page sizes and list bounds come from literal
arguments or from the request's variables, so the cost is evaluated per request (``QueryCosts`` remembers it
per document and per value of the variables that size something).

A field declares its own rule with ``bff.field_cost.cost`` in its strawberry metadata (``docs/security.md``).

Introspection counts too: ``__schema`` and ``__type`` cost the objects their answer holds, which the schema
determines; that is counted exactly (by the schema, not by assumed list sizes).

Each fragment is evaluated once per evaluation (and per page size it is spread under), so the work is linear
in the document's size however its fragments fan out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    Visitor,
    get_named_type,
    is_leaf_type,
    visit,
)

from bff.field_cost import SIZE_ARGUMENTS, Cost
from bff.graphql.introspection_cost import IntrospectionCost

MUTATION_COST = 10
CONNECTION_COST = 2
# A list of objects that declares no bound counts as this many items.
DEFAULT_LIST_SIZE = 5
# The most one item of a connection loaded with its parent may cost to be counted once (a variant with its
# prices, options and image costs ~10): what such a page adds to a response stays within the catalog's own
# data (at most 250 variants a product) times this.
FLAT_ITEM_COST = 30


@dataclass(frozen=True, slots=True)
class QueryCost:
    """What ``extensions.cost`` reports: the cost asked for, what was spent, and the most allowed."""

    requested: int
    actual: int
    maximum: int

    @property
    def exceeded(self) -> bool:
        return self.requested > self.maximum

    def report(self) -> dict[str, int]:
        return {"requestedQueryCost": self.requested, "actualQueryCost": self.actual, "maxCost": self.maximum}

    def refusal(self) -> dict[str, Any]:
        """The response body of a document refused for its cost (nothing ran, so nothing was spent)."""
        message = f"the query costs {self.requested}, more than the {self.maximum} allowed; ask for fewer items"
        return {
            "errors": [{"message": message, "extensions": {"code": "MAX_COST_EXCEEDED", "cost": self.requested}}],
            "extensions": {"cost": {**self.report(), "actualQueryCost": 0}},
        }


class CostModel:
    """The cost rule of each field of one schema, worked out once."""

    def __init__(self, schema: GraphQLSchema, *, default_page_size: int) -> None:
        self.schema = schema
        self.default_page_size = default_page_size
        self.introspection = IntrospectionCost(schema)
        self._rules: dict[tuple[str, str], Cost] = {}
        # Arguments that size something anywhere in the schema: only variables given to these change a cost.
        self.size_argument_names = frozenset(SIZE_ARGUMENTS) | {"name"}
        for type_ in schema.type_map.values():
            if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType) and not type_.name.startswith("__"):
                for name, field in type_.fields.items():
                    rule = self._rules[type_.name, name] = self._rule(field)
                    self.size_argument_names |= set(rule.size_arguments)

    def rule(self, parent: GraphQLNamedType, name: str) -> Cost:
        return self._rules.get((parent.name, name)) or Cost(weight=0)

    def _rule(self, field: GraphQLField) -> Cost:
        definition = (field.extensions or {}).get("strawberry-definition")
        declared = (getattr(definition, "metadata", None) or {}).get("cost")
        if isinstance(declared, Cost):
            if declared.loaded_with_parent:  # a connection, with the connection's defaults
                return replace(declared, weight=CONNECTION_COST, assumed_size=self.default_page_size)
            return declared
        named = get_named_type(field.type)
        if is_leaf_type(named):
            return Cost(weight=0)
        if named.name.endswith("Connection"):
            return Cost(weight=CONNECTION_COST, sized_fields=("edges", "nodes"), assumed_size=self.default_page_size)
        if named.name.endswith("Edge"):  # an edge only pairs a node with its cursor
            return Cost(weight=0)
        return Cost(weight=1)


def _is_list(type_: GraphQLOutputType) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


class Evaluation:
    """The cost of one operation of one document under one set of variables."""

    def __init__(self, model: CostModel, document: DocumentNode, variables: Mapping[str, Any]) -> None:
        self.model = model
        self.variables = variables
        self.defaults = {
            d.variable.name.value: d.default_value
            for op in document.definitions
            if isinstance(op, OperationDefinitionNode)
            for d in op.variable_definitions or ()
        }
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self._memo: dict[tuple[str, int | None], tuple[int, int]] = {}
        self._open: set[str] = set()
        self.visits = 0
        # Sized lists (connections, lists with a size argument) evaluated so far: tells whether the items of
        # a connection loaded with its parent reach any further list.
        self.sized_lists = 0

    def operation(self, operation: OperationDefinitionNode) -> int:
        root = self.model.schema.get_root_type(operation.operation)
        if root is None:
            return 0
        total = self._selection_set(operation.selection_set, root, None)
        if operation.operation is OperationType.MUTATION:
            total += MUTATION_COST * sum(1 for s in operation.selection_set.selections if isinstance(s, FieldNode))
        return total

    def _selection_set(self, selection_set: SelectionSetNode, parent: GraphQLNamedType, sized: _Sized | None) -> int:
        total = 0
        for selection in selection_set.selections:
            self.visits += 1
            if isinstance(selection, FieldNode):
                total += self._field(selection, parent, sized)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.model.schema.get_type(condition.name.value) if condition else parent
                # Fragments on different types of an abstract parent are summed: an upper bound.
                total += self._selection_set(selection.selection_set, inner or parent, sized)
            elif isinstance(selection, FragmentSpreadNode):
                total += self._fragment(selection.name.value, sized)
        return total

    def _fragment(self, name: str, sized: _Sized | None) -> int:
        key = (name, sized.size if sized else None)
        known = self._memo.get(key)
        if known is not None:
            self.sized_lists += known[1]
            return known[0]
        fragment = self.fragments.get(name)
        if fragment is None or name in self._open:
            return 0
        parent = self.model.schema.get_type(fragment.type_condition.name.value)
        if parent is None:
            return 0
        self._open.add(name)
        before = self.sized_lists
        value = self._selection_set(fragment.selection_set, parent, sized)
        self._memo[key] = (value, self.sized_lists - before)
        self._open.discard(name)
        return value

    def _field(self, node: FieldNode, parent: GraphQLNamedType, sized: _Sized | None) -> int:
        name = node.name.value
        if name.startswith("__"):
            return self._introspection(node)
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) or name not in parent.fields:
            return 0
        field = parent.fields[name]
        rule = self.model.rule(parent, name)
        named = get_named_type(field.type)
        weight = rule.weight if rule.weight is not None else (0 if is_leaf_type(named) else 1)
        given = {a.name.value for a in node.arguments or ()}
        if rule.sized_fields or (_is_list(field.type) and not given.isdisjoint(rule.size_arguments)):
            self.sized_lists += 1
        if node.selection_set is None or is_leaf_type(named):
            inner = 0
        elif rule.loaded_with_parent and (flat := self._one_item(node.selection_set, named, rule)) is not None:
            inner = flat
        else:
            inner_sized = None
            if rule.sized_fields:
                inner_sized = _Sized(rule.sized_fields, self._size(node, field, rule))
            inner = self._selection_set(node.selection_set, named, inner_sized)
        if sized is not None and name in sized.fields:
            return sized.size * (weight + inner)
        if rule.sized_fields or not _is_list(field.type):
            return weight + inner
        return self._size(node, field, rule) * (weight + inner)

    def _one_item(self, selection_set: SelectionSetNode, named: GraphQLNamedType, rule: Cost) -> int | None:
        """A connection loaded with its parent, costed as one item: None when its items reach another sized
        list (``variants { product { images(first: 20) } }``) or cost more than ``FLAT_ITEM_COST`` (lists
        of lists: ``variants { product { options { optionValues { ... } } } }``); it then counts its full
        page size."""
        before = self.sized_lists
        one = self._selection_set(selection_set, named, _Sized(rule.sized_fields, 1))
        return one if self.sized_lists == before and one <= FLAT_ITEM_COST else None

    def _size(self, node: FieldNode, field: GraphQLField, rule: Cost) -> int:
        given = {a.name.value: a.value for a in node.arguments or ()}
        for argument in rule.size_arguments:
            value = self._value(given[argument]) if argument in given else None
            if value is None and argument in field.args:  # not given: the argument's default in the schema
                value = field.args[argument].default_value
            if isinstance(value, bool):
                continue
            if isinstance(value, int):
                return max(value, 0)
            if isinstance(value, list):
                return len(value)
        if rule.assumed_size is not None:
            return rule.assumed_size
        return DEFAULT_LIST_SIZE

    def _value(self, node: ValueNode | None) -> Any:
        if isinstance(node, VariableNode):
            name = node.name.value
            if name in self.variables:
                return self.variables[name]
            return self._value(self.defaults.get(name))
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, ListValueNode):
            return list(node.values)
        if isinstance(node, StringValueNode):
            return node.value
        return None

    def _introspection(self, node: FieldNode) -> int:
        name = node.name.value
        if name == "__schema" and node.selection_set is not None:
            return self.model.introspection.schema(node.selection_set, self.fragments)
        if name == "__type" and node.selection_set is not None:
            argument = next((a.value for a in node.arguments or () if a.name.value == "name"), None)
            type_name = self._value(argument)
            type_ = self.model.schema.get_type(type_name) if isinstance(type_name, str) else None
            return self.model.introspection.type(node.selection_set, type_, self.fragments)
        return 0


@dataclass(frozen=True, slots=True)
class _Sized:
    fields: tuple[str, ...]
    size: int


class _SizeVariables(Visitor):
    def __init__(self, names: frozenset[str]) -> None:
        super().__init__()
        self.names = names
        self.found: dict[str, None] = {}

    def enter_argument(self, node: ArgumentNode, *_: object) -> None:
        if node.name.value in self.names:
            values = node.value.values if isinstance(node.value, ListValueNode) else (node.value,)
            for value in values:
                if isinstance(value, VariableNode):
                    self.found[value.name.value] = None


def size_variables(document: DocumentNode, argument_names: frozenset[str]) -> tuple[str, ...]:
    """The variables a document passes to sizing arguments: the only ones its cost depends on."""
    visitor = _SizeVariables(argument_names)
    visit(document, visitor)
    return tuple(visitor.found)
