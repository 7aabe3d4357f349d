"""Python source for a query plan: one function per selection set and concrete object type.

``compiled.py`` decides, once per document, what each field is and how it resolves; this turns that into
straight-line Python (``results["title"] = source.title`` for a plain string field) so a response costs a
few bytecodes per field instead of a trip through a general executor. What the source cannot settle by
itself (an unexpected class, a value to coerce, an abstract type, an awaitable) goes to ``Run``'s general
methods.

Errors are handled where graphql-core handles them: each field and each list item is a ``try`` whose
``except`` hands the error to ``Run.fail`` (graphql-core's ``handle_field_error``: recorded with a null, or
raised to the nearest nullable parent). A ``try`` costs nothing until something raises. Every selection set
gets its real path; a leaf's own path is built only when it fails.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from dataclasses import dataclass
from types import CoroutineType, GeneratorType
from typing import Any

from graphql import (
    GraphQLAbstractType,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLString,
)
from graphql.execution import Executor
from graphql.pyutils import Path, Undefined
from strawberry.execution import optimized_is_awaitable as is_awaitable

from bff.graphql.compiled import FieldPlan, Unsupported, null_error

# A leaf value of exactly this Python type is its own serialization (graphql-core returns it unchanged).
SAME: dict[GraphQLOutputType, str] = {GraphQLString: "str", GraphQLID: "str", GraphQLBoolean: "bool"}
INT_RANGE = "-2147483648 <= {v} <= 2147483647"

SelectionFn = Callable[[Any, Any, Path | None], Any]


@dataclass(slots=True)
class Unit:
    """A generated function and what its callers must know about it."""

    name: str
    may_pend: bool  # it may return an awaitable instead of its value


def known_classes(type_: GraphQLObjectType) -> tuple[type, ...] | None:
    """The classes whose instances this type's ``is_type_of`` accepts by class alone; None: no check at all.

    A strawberry type's own class always qualifies; ``is_type_of`` written with ``accepts_instances``
    (resolvers.common) names the domain classes it accepts. A value of another class takes the general path.
    """
    if type_.is_type_of is None:
        return None
    definition = (type_.extensions or {}).get("strawberry-definition")
    origin: tuple[type, ...] = (definition.origin,) if definition is not None else ()
    function = getattr(type_.is_type_of, "__func__", type_.is_type_of)
    accepts = getattr(function, "accepts", None)
    if accepts is not None:
        return (*origin, *accepts)
    if getattr(function, "__module__", "").startswith("strawberry."):
        return origin  # strawberry's own check: an instance of the type (or of an interface's class)
    return ()


# Classes whose instances are never awaitable: the common ones, then each class ``awaitable`` clears.
SYNC: set[type] = {type(None), bool, int, float, str, bytes, list, tuple, dict, set, frozenset}


def awaitable(value: Any) -> bool:
    """graphql-core's check (strawberry's fast version); a class that cannot make awaitables joins SYNC."""
    if is_awaitable(value):
        return True
    cls = type(value)
    plain_lookup = getattr(cls, "__getattribute__", None) is object.__getattribute__ and not hasattr(cls, "__getattr__")
    if plain_lookup and not hasattr(cls, "__await__") and not issubclass(cls, (CoroutineType, GeneratorType)):
        SYNC.add(cls)
    return False


class SourceBuilder:
    """Generates the functions of one root plan into one namespace."""

    def __init__(self, executor: Executor[Any]) -> None:
        self.executor = executor
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {"Path": Path, "SYNC": SYNC, "Undefined": Undefined, "awaitable": awaitable}
        self.namespace["new_path"] = tuple.__new__  # Path(...) without its Python-level __new__
        self.count = 0
        # One function per selection set and concrete type, however many places complete it (a resolver's
        # value is completed inline and in its awaited completer): generating it again at each would double
        # the source at every nested resolver field, 2^depth for introspection's `ofType` chains.
        self.units: dict[tuple[int, str], Unit] = {}

    def constant(self, value: Any, prefix: str) -> str:
        self.count += 1
        name = f"{prefix}{self.count}"
        self.namespace[name] = value
        return name

    def build(self, plans: list[FieldPlan], root_type: GraphQLObjectType) -> SelectionFn:
        unit = self.selection(plans, root_type)
        code = compile("\n".join(self.lines), f"<plan {root_type.name}>", "exec")
        exec(code, self.namespace)  # noqa: S102 - source generated above from the schema and the document only
        function: SelectionFn = self.namespace[unit.name]
        return function

    # -- selection sets ---------------------------------------------------------------------------------

    def selection(self, plans: list[FieldPlan], type_: GraphQLObjectType) -> Unit:
        known = self.units.get((id(plans), type_.name))
        if known is not None:
            return known
        body: list[str] = []
        may_pend = False
        for plan in plans:
            lines, field_pends = self.field(plan, type_)
            body += lines
            may_pend |= field_pends
        name = self.constant(None, f"select_{type_.name}_")
        head = [f"def {name}(run, source, path):", "    results = {}"]
        if not may_pend:
            self.lines += [*head, *body, "    return results", ""]
        else:
            self.lines += [
                *head,
                "    pending = None",
                "    try:",
                *("    " + line for line in body),
                "    except Exception:",
                "        run.settle(results, pending)",
                "        raise",
                "    return results if pending is None else run.await_dict(results, pending)",
                "",
            ]
        unit = self.units[(id(plans), type_.name)] = Unit(name, may_pend)
        return unit

    def field(self, plan: FieldPlan, parent: GraphQLObjectType) -> tuple[list[str], bool]:
        """Statements (indented for a function body) that put one field's value into ``results``."""
        key = repr(plan.key)
        if plan.typename:
            return [f"    results[{key}] = {parent.name!r}"], False
        path = f"new_path(Path, (path, {key}, {parent.name!r}))"
        plan_name = self.constant(plan, "plan")
        if plan.attribute is not None:
            attribute = plan.attribute
            if attribute.isidentifier() and not keyword.iskeyword(attribute):
                read = f"source.{attribute}"
            else:
                read = f"getattr(source, {attribute!r})"
            lines, needs_path, may_pend = self.complete(plan, plan.return_type, "value", "out", "fpath", " " * 8)
            where = "fpath" if needs_path else path  # a leaf's path is built only when it fails
            return [
                *([f"    fpath = {path}"] if needs_path else []),
                "    try:",
                f"        value = {read}",
                *lines,
                *self.guarded(plan_name, "fpath", may_pend, " " * 8),
                "    except Exception as error:",
                f"        out = run.fail_field(error, {plan_name}, {where})",
                *self.store(key, may_pend),
            ], may_pend
        # A resolver: its result may be awaitable; then a function of its own completes it once awaited.
        complete = self.completer(plan)
        lines, needs_path, may_pend = self.complete(plan, plan.return_type, "value", "out", "fpath", " " * 12)
        if plan.direct is not None and not needs_path and not may_pend:
            # a leaf from its parent alone: its path is built only when it fails or is awaited
            call = f"{self.constant(plan.direct, 'direct')}(source)"
            return [
                "    try:",
                f"        value = {call}",
                "        if value.__class__ not in SYNC and awaitable(value):",
                f"            out = run.deferred({plan_name}, {complete}, {path}, value)",
                "        else:",
                *lines,
                "    except Exception as error:",
                f"        out = run.fail_field(error, {plan_name}, {path})",
                *self.store(key, True),
            ], True
        if plan.direct is not None:
            call = f"{self.constant(plan.direct, 'direct')}(source)"
        elif plan.call is not None:
            raw = "None" if plan.constant_args is not None else f"{plan_name}.arguments(run.executor)"
            call = f"{self.constant(plan.call, 'call')}(source, run, {plan_name}, fpath, {raw})"
        else:
            args = (
                self.constant(plan.constant_args, "args")
                if plan.constant_args is not None
                else f"{plan_name}.arguments(run.executor)"
            )
            call = f"{self.constant(plan.resolve, 'resolve')}(source, run.info({plan_name}, fpath), **{args})"
        return [
            f"    fpath = {path}",
            "    try:",
            f"        value = {call}",
            "        if value.__class__ not in SYNC and awaitable(value):",
            f"            out = run.deferred({plan_name}, {complete}, fpath, value)",
            "        else:",
            *lines,
            *self.guarded(plan_name, "fpath", may_pend, " " * 12),
            "    except Exception as error:",
            f"        out = run.fail_field(error, {plan_name}, fpath)",
            *self.store(key, True),
        ], True

    @staticmethod
    def guarded(plan_name: str, path: str, may_pend: bool, indent: str) -> list[str]:
        """An awaitable completion gets its errors handled at its field (graphql-core's ``await_completed``)."""
        if not may_pend:
            return []
        return [
            f"{indent}if out.__class__ not in SYNC and awaitable(out):",
            f"{indent}    out = run.guard_field({plan_name}, {path}, out)",
        ]

    @staticmethod
    def store(key: str, may_pend: bool) -> list[str]:
        lines = [f"    results[{key}] = out"]
        if may_pend:
            lines += ["    if out.__class__ not in SYNC and awaitable(out):"]
            lines += [f"        pending = run.pend(pending, {key})"]
        return lines

    def completer(self, plan: FieldPlan) -> str:
        """A function completing the field's value once awaited; ``Run.deferred`` handles its errors."""
        lines, _, _ = self.complete(plan, plan.return_type, "value", "out", "path", "    ")
        name = self.constant(None, "complete_")
        self.lines += [f"def {name}(run, value, path):", *lines, "    return out", ""]
        return name

    # -- values -----------------------------------------------------------------------------------------

    def complete(
        self, plan: FieldPlan, type_: GraphQLOutputType, value: str, out: str, path: str, indent: str
    ) -> tuple[list[str], bool, bool]:
        """Statements that complete ``value`` of ``type_`` into ``out``: (lines, reads ``path``, may pend)."""
        if isinstance(type_, GraphQLNonNull) and isinstance(type_.of_type, GraphQLLeafType):
            return self.leaf_lines(plan, type_.of_type, value, out, indent), False, False  # run.leaf refuses None
        if isinstance(type_, GraphQLNonNull):
            inner, needs_path, may_pend = self.complete_present(plan, type_.of_type, value, out, path, indent)
            message = self.constant(null_error(plan).args[0], "null")
            check = [f"{indent}if {value} is None:", f"{indent}    raise TypeError({message})"]
            return check + inner, needs_path, may_pend
        inner, needs_path, may_pend = self.complete_present(plan, type_, value, out, path, indent + "    ")
        lines = [f"{indent}if {value} is None:", f"{indent}    {out} = None", f"{indent}else:", *inner]
        return lines, needs_path, may_pend

    def complete_present(
        self, plan: FieldPlan, type_: GraphQLOutputType, value: str, out: str, path: str, indent: str
    ) -> tuple[list[str], bool, bool]:
        """As ``complete``, for a value known not to be None."""
        if isinstance(type_, GraphQLLeafType):
            return self.leaf_lines(plan, type_, value, out, indent), False, False
        if isinstance(type_, GraphQLList):
            unit = self.list_function(plan, type_)
            return [f"{indent}{out} = {unit.name}(run, {value}, {path})"], True, unit.may_pend
        plan_name, type_name = self.constant(plan, "plan"), self.constant(type_, "type")
        if isinstance(type_, GraphQLAbstractType):
            return [f"{indent}{out} = run.complete({plan_name}, {type_name}, {path}, None, {value})"], True, True
        if not isinstance(type_, GraphQLObjectType):
            raise Unsupported(f"unexpected output type {type_}")
        unit = self.selection(plan.subplans[type_.name], type_)
        classes = known_classes(type_)
        if classes is None:
            return [f"{indent}{out} = {unit.name}(run, {value}, {path})"], True, unit.may_pend
        checked = f"run.checked({unit.name}, {plan_name}, {type_name}, {value}, {path})"
        if not classes:  # no class is known to pass: every value goes through is_type_of
            return [f"{indent}{out} = {checked}"], True, unit.may_pend
        known = self.constant(frozenset(classes), "known")
        lines = [
            f"{indent}if {value}.__class__ in {known}:",
            f"{indent}    {out} = {unit.name}(run, {value}, {path})",
            f"{indent}else:",
            f"{indent}    {out} = {checked}",
        ]
        return lines, True, unit.may_pend

    def leaf_lines(self, plan: FieldPlan, type_: GraphQLLeafType, value: str, out: str, indent: str) -> list[str]:
        plan_name, type_name = self.constant(plan, "plan"), self.constant(type_, "type")
        lines = [f"{indent}{out} = {self.leaf(plan_name, type_name, type_, value)}"]
        if isinstance(type_, GraphQLScalarType) and type_ not in SAME and type_ is not GraphQLInt:
            # a coercer may still answer null for some values: graphql-core's error for it
            lines += [
                f"{indent}if {out} is None or {out} is Undefined:",
                f"{indent}    {out} = run.leaf({plan_name}, {type_name}, {value})",
            ]
        return lines

    def leaf(self, plan_name: str, type_name: str, type_: GraphQLLeafType, value: str) -> str:
        general = f"run.leaf({plan_name}, {type_name}, {value})"
        same = SAME.get(type_)
        if same is not None:
            return f"{value} if {value}.__class__ is {same} else {general}"
        if type_ is GraphQLInt:
            return f"{value} if {value}.__class__ is int and {INT_RANGE.format(v=value)} else {general}"
        if isinstance(type_, GraphQLEnumType):
            names = self.constant({}, "names")  # value -> name, filled by run.enum as values are first seen
            return f"{names}.get({value}) or run.enum({plan_name}, {type_name}, {names}, {value})"
        if isinstance(type_, GraphQLScalarType):
            # classes seen to be neither awaitable nor coerced to null, filled by run.scalar
            plain, coerce = self.constant(set(), "plain"), self.constant(type_.coerce_output_value, "coerce")
            scalar = f"run.scalar({plan_name}, {type_name}, {plain}, {value})"
            return f"{coerce}({value}) if {value}.__class__ in {plain} else {scalar}"
        return general

    def list_function(self, plan: FieldPlan, type_: GraphQLList[Any]) -> Unit:
        """A list's items, each a boundary for errors like a field (graphql-core's ``complete_list_item_value``)."""
        item_type = type_.of_type
        indent = " " * 16
        lines, needs_path, may_pend = self.complete(plan, item_type, "item", "out", "ipath", indent)
        name = self.constant(None, "list_")
        plan_name, list_name, item_name = (
            self.constant(plan, "plan"),
            self.constant(type_, "type"),
            self.constant(item_type, "type"),
        )
        item_path = "new_path(Path, (path, index, None))"
        guarded = [
            f"{indent}if out.__class__ not in SYNC and awaitable(out):",
            f"{indent}    out = run.guard({plan_name}, {item_name}, ipath, out)",
            f"{indent}    pending = run.pend(pending, index)",
        ]
        self.lines += [
            f"def {name}(run, value, path):",
            "    if value.__class__ is not list and value.__class__ is not tuple:",
            f"        return run.other_list({plan_name}, {list_name}, path, value)",
            "    results = []",
            "    pending = None",
            "    try:",
            "        for index, item in enumerate(value):",
            "            if item.__class__ not in SYNC and awaitable(item):",
            f"                out = run.item_later({plan_name}, {item_name}, path, index, item)",
            "                pending = run.pend(pending, index)",
            "            else:",
            *([f"                ipath = {item_path}"] if needs_path or may_pend else []),
            "                try:",
            *("    " + line for line in lines),
            *("    " + line for line in (guarded if may_pend else [])),
            "                except Exception as error:",
            f"                    out = run.fail(error, {plan_name}, {item_name}, {item_path})",
            "            results.append(out)",
            "    except Exception:",
            "        run.settle(results, pending)",
            "        raise",
            "    return results if pending is None else run.await_list(results, pending)",
            "",
        ]
        return Unit(name, True)
