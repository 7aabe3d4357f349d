"""Limits on a document's shape, checked in one pass before any validation rule runs.

graphql-core's specified rules and the executor do work that grows with the document *as its fragments
expand*: a fragment spread twice per level doubles per level (21 levels of ``...F ...F`` are a million
fields), and ``OverlappingFieldsCanBeMergedRule`` compares same-named fields of a selection set pairwise.
This pass measures the expanded shape without expanding it: each fragment is measured once and its measure
reused at every spread, so the work is one visit per selection node of the document. It refuses:

- a nesting deeper than ``max_depth`` (fields with a selection set along a path; introspection fields do not
  count, as in strawberry's depth limiter this replaces);
- a selection set that selects more than ``max_selections`` fields, aliases and fragment spreads expanded;
- an empty selection set (``{}``);
- more than one ``__schema`` in the expanded document, and any introspection when it is turned off.

Cycles and unknown fragments are left to the specified rules (``NoFragmentCyclesRule``,
``KnownFragmentNamesRule``), which report them; here they measure as empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

if TYPE_CHECKING:
    from bff.settings import Settings

# Expanded counts saturate here: their exact size past any limit does not matter, and a doubling fan-out
# would otherwise make integers of a million bits.
SATURATED = 1 << 40
# Work bounds of the specified rules. OverlappingFieldsCanBeMergedRule compares, at each response path, every
# pair of fields that answer to it: about the sum over paths of (fields there)^2, ~7 µs a pair. A document
# may expand to MAX_EXPANDED_FIELDS fields and that sum may reach MAX_MERGE_PAIRS (tens of ms at worst);
# a storefront document is far below both (sum ~ its field count, a few hundred).
MAX_EXPANDED_FIELDS = 10_000
MAX_MERGE_PAIRS = 10_000
# Introspection is left out of ``max_depth`` (a type reference nests nine `ofType` deep in GraphiQL's query)
# but still bounded: its cost is counted per nesting level.
MAX_INTROSPECTION_DEPTH = 20
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    """What a document may ask for; built from settings (``DocumentLimits.of``)."""

    max_depth: int = 12
    max_selections: int = 100
    introspection: bool = True
    hide_suggestions: bool = False  # "Did you mean ...?" left out of validation errors (production)

    @classmethod
    def of(cls, settings: Settings) -> DocumentLimits:
        return cls(
            max_depth=settings.max_depth,
            max_selections=settings.max_selections,
            introspection=settings.allows_introspection,
            hide_suggestions=settings.is_production,
        )


@dataclass(frozen=True, slots=True)
class Shape:
    """A selection set's measure, its fragments expanded."""

    depth: int = 0  # fields with a selection set along the longest path, introspection left out
    full_depth: int = 0  # the same, introspection included
    selections: int = 0  # fields this selection set selects at its own level
    expanded: int = 0  # fields in the whole tree below, fragments expanded
    schemas: int = 0  # `__schema` fields anywhere below
    introspection: bool = False  # any `__schema`/`__type` below


EMPTY = Shape()


class ShapeCheck:
    """One pass over a document; ``visits`` counts the selection nodes looked at (tests bound it)."""

    def __init__(self, document: DocumentNode, limits: DocumentLimits) -> None:
        self.limits = limits
        self.visits = 0
        self.errors: list[GraphQLError] = []
        self._fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self._measured: dict[str, Shape | None] = {}  # None: being measured (a cycle measures as empty)
        self._document = document

    def run(self) -> list[GraphQLError]:
        try:
            for definition in self._document.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    self._check_operation(definition)
        except RecursionError:
            self.errors = [GraphQLError("the document nests too deeply")]
        return self.errors

    def _check_operation(self, operation: OperationDefinitionNode) -> None:
        shape = self._selection_set(operation.selection_set)
        limits = self.limits
        name = operation.name.value if operation.name else "anonymous"
        if shape.depth > limits.max_depth:
            # The message strawberry's depth limiter gave, so clients see the same error.
            self.errors.append(
                GraphQLError(f"'{name}' exceeds maximum operation depth of {limits.max_depth}", operation)
            )
        elif shape.full_depth > max(limits.max_depth, MAX_INTROSPECTION_DEPTH):
            self.errors.append(
                GraphQLError(f"'{name}' nests introspection deeper than {MAX_INTROSPECTION_DEPTH} levels", operation)
            )
        if not self.errors:  # a selection set too wide already says why; its expansion would repeat it
            self._check_expansion(operation, name, shape)
        if shape.introspection and not limits.introspection:
            self.errors.append(GraphQLError("introspection is turned off on this server", operation))
        elif shape.schemas > 1:
            self.errors.append(GraphQLError(f"'{name}' selects `__schema` more than once", operation))

    def _check_expansion(self, operation: OperationDefinitionNode, name: str, shape: Shape) -> None:
        if shape.expanded > MAX_EXPANDED_FIELDS:
            message = (
                f"'{name}' expands to {_count(shape.expanded)} fields (fragments expanded); "
                f"at most {MAX_EXPANDED_FIELDS} are allowed"
            )
        elif (pairs := self._merge_pairs(operation.selection_set)) > MAX_MERGE_PAIRS:
            message = (
                f"'{name}' selects the same fields in the same place too often "
                f"({pairs} pairs to compare; at most {MAX_MERGE_PAIRS})"
            )
        else:
            return
        self.errors.append(GraphQLError(message, operation))

    def _selection_set(self, selection_set: SelectionSetNode) -> Shape:
        depth = full_depth = selections = schemas = expanded = 0
        introspection = False
        for selection in selection_set.selections:
            self.visits += 1
            if isinstance(selection, FieldNode):
                name = selection.name.value
                selections += 1
                expanded += 1
                if name in INTROSPECTION_FIELDS:
                    introspection = True
                    schemas += name == "__schema"
                if selection.selection_set is None:
                    continue
                inner = self._selection_set(selection.selection_set)
                if not name.startswith("__"):
                    depth = max(depth, 1 + inner.depth)
                full_depth = max(full_depth, 1 + inner.full_depth)
                schemas += inner.schemas
                expanded += inner.expanded
                introspection = introspection or inner.introspection
                continue
            if isinstance(selection, InlineFragmentNode):
                inner = self._selection_set(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                inner = self._fragment(selection.name.value)
            else:  # pragma: no cover - the parser makes no other selection
                continue
            depth = max(depth, inner.depth)
            full_depth = max(full_depth, inner.full_depth)
            selections += inner.selections
            expanded += inner.expanded
            schemas += inner.schemas
            introspection = introspection or inner.introspection
        selections, schemas, expanded = min(selections, SATURATED), min(schemas, SATURATED), min(expanded, SATURATED)
        if not selection_set.selections:  # the parser accepts `{}`; nothing could answer it
            self.errors.append(GraphQLError("a selection set selects no field", selection_set))
        if selections > self.limits.max_selections and not self.errors:  # the first (innermost) one says it
            self.errors.append(
                GraphQLError(
                    f"a selection set selects {_count(selections)} fields (fragments expanded); "
                    f"at most {self.limits.max_selections} are allowed",
                    selection_set,
                )
            )
        return Shape(depth, full_depth, selections, expanded, schemas, introspection)

    def _merge_pairs(self, selection_set: SelectionSetNode) -> int:
        """Sum over response paths of (fields answering to it)^2; walks the expanded tree (bounded above)."""
        root: dict[str, list[Any]] = {}
        pending: list[tuple[SelectionSetNode, dict[str, list[Any]]]] = [(selection_set, root)]
        while pending:
            current, node = pending.pop()
            for selection in current.selections:
                self.visits += 1
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    slot = node.setdefault(key, [0, {}])
                    slot[0] += 1
                    if selection.selection_set is not None:
                        pending.append((selection.selection_set, slot[1]))
                elif isinstance(selection, InlineFragmentNode):
                    pending.append((selection.selection_set, node))
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = self._fragments.get(selection.name.value)
                    if fragment is not None and self._measured.get(selection.name.value) is not None:
                        pending.append((fragment.selection_set, node))
        pairs, tries = 0, [root]
        while tries:
            for count, children in tries.pop().values():
                pairs += count * count
                tries.append(children)
        return pairs

    def _fragment(self, name: str) -> Shape:
        if name in self._measured:
            return self._measured[name] or EMPTY
        fragment = self._fragments.get(name)
        if fragment is None:
            return EMPTY
        self._measured[name] = None
        shape = self._measured[name] = self._selection_set(fragment.selection_set)
        return shape


def _count(number: int) -> str:
    return "more than a trillion" if number >= SATURATED else str(number)


def check_shape(document: DocumentNode, limits: DocumentLimits) -> list[GraphQLError]:
    """The errors of a document whose shape exceeds ``limits``; empty when it is within them."""
    return ShapeCheck(document, limits).run()
