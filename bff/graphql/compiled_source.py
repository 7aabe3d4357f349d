"""Python source for a query plan: one function per selection set and concrete object type.

``compiled.py`` decides, once per document, what each field is and how it resolves; this turns that into
straight-line Python (``results["title"] = source.title`` for a plain string field) so a response costs a
few bytecodes per field instead of a trip through a general executor. What the source cannot settle by
itself (an unexpected class, a value to coerce, an abstract type, an awaitable) goes to ``Run``'s general
methods, and anything unusual raises, so that graphql-core's ``execute`` answers instead.

Paths are built only where something reads them (a resolver's ``info``, an abstract type's resolution);
a general method that would need one it was not given refuses the run rather than guess.
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

from bff.graphql.compiled import FieldPlan, Unsupported

# A leaf value of exactly this Python type is its own serialization (graphql-core returns it unchanged).
SAME: dict[GraphQLOutputType, str] = {GraphQLString: "str", GraphQLID: "str", GraphQLBoolean: "bool"}
INT_RANGE = "-2147483648 <= {v} <= 2147483647"

PATH = "__path__"  # stands for the name of the path variable in lines used in two places
SelectionFn = Callable[[Any, Any, Path | None], Any]


@dataclass(slots=True)
class Unit:
    """A generated function and what its callers must know about it."""

    name: str
    needs_path: bool  # callers pass a real Path (something inside reads it)
    may_pend: bool  # it may return an awaitable instead of its value


def known_classes(type_: GraphQLObjectType) -> tuple[type, ...] | None:
    """The classes whose instances this type's ``is_type_of`` accepts by class alone; None: no check at all.

    A strawberry type's own class always qualifies; ``is_type_of`` written with ``accepts_instances``
    (resolvers.common) names the domain classes it accepts. A value of another class takes the general path,
    which needs its path: where the plan carries none (nothing else reads it), graphql-core answers.
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
        self.namespace: dict[str, Any] = {
            "Path": Path,
            "SYNC": SYNC,
            "Undefined": Undefined,
            "Unsupported": Unsupported,
            "awaitable": awaitable,
        }
        self.count = 0

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
        body: list[str] = []
        needs_path = may_pend = False
        for plan in plans:
            lines, field_needs, field_pends = self.field(plan, type_)
            body += lines
            needs_path |= field_needs
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
                "    except BaseException:",
                "        run.settle(results, pending)",
                "        raise",
                "    return results if pending is None else run.await_dict(results, pending)",
                "",
            ]
        return Unit(name, needs_path, may_pend)

    def field(self, plan: FieldPlan, parent: GraphQLObjectType) -> tuple[list[str], bool, bool]:
        """Statements (indented for a function body) that put one field's value into ``results``."""
        key = repr(plan.key)
        if plan.typename:
            return [f"    results[{key}] = {parent.name!r}"], False, False
        path = f"Path(path, {key}, {parent.name!r})"
        if plan.attribute is not None:
            attribute = plan.attribute
            if attribute.isidentifier() and not keyword.iskeyword(attribute):
                read = f"source.{attribute}"
            else:
                read = f"getattr(source, {attribute!r})"
            lines, needs_path, may_pend = self.complete(plan, plan.return_type, "value", "out", "fpath", "    ")
            head = [f"    value = {read}"] + ([f"    fpath = {path}"] if needs_path else [])
            return [*head, *lines, *self.store(key, "out", may_pend, "    ")], needs_path, may_pend
        # A resolver: its result may be awaitable; then a function of its own completes it once awaited.
        plan_name = self.constant(plan, "plan")
        completion, complete = self.completer(plan)
        if plan.direct is not None:
            call = f"{self.constant(plan.direct, 'direct')}(source)"
            needs_path = complete.needs_path
        else:
            args = (
                self.constant(plan.constant_args, "args")
                if plan.constant_args is not None
                else f"{plan_name}.arguments(run.executor)"
            )
            call = f"{self.constant(plan.resolve, 'resolve')}(source, run.info({plan_name}, fpath), **{args})"
            needs_path = True
        lines = [f"    fpath = {path}"] if needs_path else ["    fpath = None"]
        lines += [
            f"    value = {call}",
            "    if value.__class__ not in SYNC and awaitable(value):",
            f"        results[{key}] = run.deferred({complete.name}, fpath, value)",
            f"        pending = run.pend(pending, {key})",
            "    else:",
            *("    " + line.replace(PATH, "fpath") for line in completion),
            *self.store(key, "out", complete.may_pend, "        "),
        ]
        return lines, needs_path, True

    @staticmethod
    def store(key: str, out: str, may_pend: bool, indent: str) -> list[str]:
        lines = [f"{indent}results[{key}] = {out}"]
        if may_pend:
            lines += [f"{indent}if {out}.__class__ not in SYNC and awaitable({out}):"]
            lines += [f"{indent}    pending = run.pend(pending, {key})"]
        return lines

    def completer(self, plan: FieldPlan) -> tuple[list[str], Unit]:
        """The completion of the field's value (lines, with ``PATH`` for the path), and a function of it."""
        lines, needs_path, may_pend = self.complete(plan, plan.return_type, "value", "out", PATH, "    ")
        name = self.constant(None, "complete_")
        self.lines += [f"def {name}(run, value, path):", *(line.replace(PATH, "path") for line in lines)]
        self.lines += ["    return out", ""]
        return lines, Unit(name, needs_path, may_pend)

    # -- values -----------------------------------------------------------------------------------------

    def complete(
        self, plan: FieldPlan, type_: GraphQLOutputType, value: str, out: str, path: str, indent: str
    ) -> tuple[list[str], bool, bool]:
        """Statements that complete ``value`` of ``type_`` into ``out``: (lines, reads ``path``, may pend)."""
        if isinstance(type_, GraphQLNonNull) and isinstance(type_.of_type, GraphQLLeafType):
            return self.leaf_lines(type_.of_type, value, out, indent), False, False  # run.leaf refuses None
        if isinstance(type_, GraphQLNonNull):
            inner, needs_path, may_pend = self.complete_present(plan, type_.of_type, value, out, path, indent)
            check = [f"{indent}if {value} is None:", f"{indent}    raise Unsupported('null in a non-null position')"]
            return check + inner, needs_path, may_pend
        inner, needs_path, may_pend = self.complete_present(plan, type_, value, out, path, indent + "    ")
        lines = [f"{indent}if {value} is None:", f"{indent}    {out} = None", f"{indent}else:", *inner]
        return lines, needs_path, may_pend

    def complete_present(
        self, plan: FieldPlan, type_: GraphQLOutputType, value: str, out: str, path: str, indent: str
    ) -> tuple[list[str], bool, bool]:
        """As ``complete``, for a value known not to be None."""
        if isinstance(type_, GraphQLLeafType):
            return self.leaf_lines(type_, value, out, indent), False, False
        if isinstance(type_, GraphQLList):
            unit = self.list_function(plan, type_.of_type)
            argument = path if unit.needs_path else "None"
            return [f"{indent}{out} = {unit.name}(run, {value}, {argument})"], unit.needs_path, unit.may_pend
        if isinstance(type_, GraphQLAbstractType):
            plan_name, type_name = self.constant(plan, "plan"), self.constant(type_, "type")
            return [f"{indent}{out} = run.complete({plan_name}, {type_name}, {path}, None, {value})"], True, True
        if not isinstance(type_, GraphQLObjectType):
            raise Unsupported(f"unexpected output type {type_}")
        unit = self.selection(plan.subplan(self.executor, type_), type_)
        inner_path = path if unit.needs_path else "None"
        classes = known_classes(type_)
        if classes is None:
            return [f"{indent}{out} = {unit.name}(run, {value}, {inner_path})"], unit.needs_path, unit.may_pend
        if not classes:  # no class is known to pass: every value goes through is_type_of, which takes an info
            plan_name, type_name = self.constant(plan, "plan"), self.constant(type_, "type")
            line = f"{indent}{out} = run.checked({unit.name}, {plan_name}, {type_name}, {value}, {path})"
            return [line], True, unit.may_pend
        known = self.constant(frozenset(classes), "known")
        plan_name, type_name = self.constant(plan, "plan"), self.constant(type_, "type")
        lines = [
            f"{indent}if {value}.__class__ in {known}:",
            f"{indent}    {out} = {unit.name}(run, {value}, {inner_path})",
            f"{indent}else:",
            f"{indent}    {out} = run.checked({unit.name}, {plan_name}, {type_name}, {value}, {inner_path})",
        ]
        return lines, unit.needs_path, unit.may_pend

    def leaf_lines(self, type_: GraphQLLeafType, value: str, out: str, indent: str) -> list[str]:
        lines = [f"{indent}{out} = {self.leaf(type_, value)}"]
        if isinstance(type_, GraphQLScalarType) and type_ not in SAME and type_ is not GraphQLInt:
            # a coercer may still answer null for some values: graphql-core reports that as an error
            lines += [f"{indent}if {out} is None or {out} is Undefined:", f"{indent}    raise Unsupported('null')"]
        return lines

    def leaf(self, type_: GraphQLLeafType, value: str) -> str:
        type_name = self.constant(type_, "type")
        general = f"run.leaf({type_name}, {value})"
        same = SAME.get(type_)
        if same is not None:
            return f"{value} if {value}.__class__ is {same} else {general}"
        if type_ is GraphQLInt:
            return f"{value} if {value}.__class__ is int and {INT_RANGE.format(v=value)} else {general}"
        if isinstance(type_, GraphQLEnumType):
            names = self.constant({}, "names")  # value -> name, filled by run.enum as values are first seen
            return f"{names}.get({value}) or run.enum({type_name}, {names}, {value})"
        if isinstance(type_, GraphQLScalarType):
            # classes seen to be neither awaitable nor coerced to null, filled by run.scalar
            plain, coerce = self.constant(set(), "plain"), self.constant(type_.coerce_output_value, "coerce")
            return f"{coerce}({value}) if {value}.__class__ in {plain} else run.scalar({type_name}, {plain}, {value})"
        return general

    def list_function(self, plan: FieldPlan, item_type: GraphQLOutputType) -> Unit:
        lines, needs_path, may_pend = self.complete(plan, item_type, "item", "out", "ipath", "        ")
        name = self.constant(None, "list_")
        loop = "for index, item in enumerate(value):" if needs_path else "for item in value:"
        body = [
            f"    {loop}",
            *(["        ipath = Path(path, index, None)"] if needs_path else []),
            *lines,
            "        results.append(out)",
        ]
        if may_pend:
            body += ["        if out.__class__ not in SYNC and awaitable(out):"]
            body += ["            pending = run.pend(pending, len(results) - 1)"]
        self.lines += [
            f"def {name}(run, value, path):",
            "    if value.__class__ is not list and value.__class__ is not tuple:",
            "        raise Unsupported('a list field returned something other than a list or tuple')",
            "    results = []",
        ]
        if not may_pend:
            self.lines += [*body, "    return results", ""]
        else:
            self.lines += [
                "    pending = None",
                "    try:",
                *("    " + line for line in body),
                "    except BaseException:",
                "        run.settle(results, pending)",
                "        raise",
                "    return results if pending is None else run.await_list(results, pending)",
                "",
            ]
        return Unit(name, needs_path, may_pend)
