"""Resolver calls without strawberry's per-call wrapper, for the fields where it would add nothing.

Strawberry resolves a field with a resolver through ``_resolver`` (``_async_resolver`` for an ``async def``):
it builds an ``Info``, converts the arguments to Python values (``get_arguments``: each argument's name
converted again, its type walked again), chains the field extensions, then calls the resolver with
``self``/``parent``/``root``/``info`` and the converted arguments; the asynchronous wrapper awaits the
result in a coroutine of its own. For a field with no extension and no exception handler, the outcome
depends only on the source, the ``GraphQLResolveInfo`` and the raw arguments, so a plan decides once which
arguments need converting and calls the resolver itself with the same values, converted by conversions
planned once per type (``bff.graphql.compiled_inputs``):

- ``source_call(definition)``: a resolver that takes nothing but its parent, ``f(source)``;
- ``direct_call(definition, schema, fixed, varying)``: any other, ``f(source, run, plan, path, raw_args)``
  (``raw_args`` graphql-core's argument values, or None when they are the plan's constants, converted once).

The ``Info`` such a call hands a resolver is strawberry's, with the ``GraphQLResolveInfo`` under it built only
when something reads more than its context (``PlanInfo``): resolvers here read ``info.context``.

Argument conversion happens at call time, as strawberry's synchronous wrapper does it; strawberry's
asynchronous wrapper converts when its coroutine first runs, so where an ``async`` resolver's conversion can
raise (an input object, an id) the call hands back a coroutine that raises the error when awaited: it is
reported where and when strawberry's wrapper would have reported it.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable
from typing import Any, cast

from graphql import FieldNode, GraphQLField, GraphQLNonNull, GraphQLResolveInfo, GraphQLSchema, Undefined, VariableNode
from strawberry.relay.types import GlobalID
from strawberry.types import Info
from strawberry.types.arguments import StrawberryArgument, _is_leaf_type
from strawberry.types.base import StrawberryList, StrawberryMaybe, StrawberryOptional
from strawberry.types.unset import UNSET

from bff.graphql.compiled_inputs import Convert, converter

DirectCall = Callable[[Any, Any, Any, Any, dict[str, Any] | None], Any]
# Converted argument values that a plan may hand to every request: nothing a resolver could change.
_IMMUTABLE = (type(None), str, int, float, bool, enum.Enum)


def _wrapped(definition: GraphQLField) -> tuple[Any, Any] | None:
    """(strawberry field, its resolver) when strawberry's wrapper around it adds nothing but the call."""
    resolve = definition.resolve
    strawberry_field = (definition.extensions or {}).get("strawberry-definition")
    if resolve is None or strawberry_field is None:
        return None
    if getattr(resolve, "__name__", "") not in ("_resolver", "_async_resolver"):
        return None
    cells = _cells(resolve)
    resolver = strawberry_field.base_resolver
    if cells.get("field_exception_handlers") != () or resolver is None or strawberry_field.extensions:
        return None
    # the field its Info names (and whose resolver it calls) is the schema's own
    if _cells(cells.get("_strawberry_info_from_graphql")).get("field") is not strawberry_field:
        return None
    if resolver.is_async != (resolve.__name__ == "_async_resolver"):
        return None
    return strawberry_field, resolver


class PlanInfo(Info[Any, Any]):
    """strawberry's ``Info`` for a plan's direct call: the context at hand, the rest built when first read.

    ``run.info(plan, path)`` is the ``GraphQLResolveInfo`` strawberry's wrapper would have been given.
    """

    def __init__(self, context: Any, run: Any, plan: Any, path: Any, field: Any) -> None:  # no dataclass init
        self._context = context
        self._run = run
        self._plan = plan
        self._path = path
        self._field = field
        self._raw: GraphQLResolveInfo[Any] | None = None

    @property
    def _raw_info(self) -> GraphQLResolveInfo[Any]:  # type: ignore[override]  # Info's field, read-only here
        raw = self._raw
        if raw is None:
            raw = self._raw = self._run.info(self._plan, self._path)
        return raw

    @property
    def context(self) -> Any:
        return self._context


def _cells(function: Any) -> dict[str, Any]:
    """The values a closure holds, by name."""
    code, closure = getattr(function, "__code__", None), getattr(function, "__closure__", None)
    if code is None or closure is None:
        return {}
    return dict(zip(code.co_freevars, (cell.cell_contents for cell in closure), strict=True))


def _takes_source_first(function: Callable[..., Any], takes_self: bool, names: set[str]) -> bool:
    """Whether ``function(source)`` passes the source exactly as strawberry's call would (self or root)."""
    parameters = list(inspect.signature(function).parameters.values())
    if not parameters or len(parameters) > 1:
        return False
    first = parameters[0]
    if first.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD:
        return False
    return (takes_self and not names) or (not takes_self and names == {first.name})


def _function(resolver: Any) -> Callable[..., Any]:
    """What ``StrawberryResolver.__call__`` calls (or the resolver itself when that is not a plain callable)."""
    function = resolver.wrapped_func
    return cast("Callable[..., Any]", function if callable(function) else resolver)


def source_call(definition: GraphQLField) -> Callable[[Any], Any] | None:
    """For a resolver that takes nothing but its parent (no arguments, no info): ``f(source)``."""
    wrapped = _wrapped(definition)
    if wrapped is None:
        return None
    strawberry_field, resolver = wrapped
    if strawberry_field.arguments or resolver.info_parameter is not None:
        return None
    takes_self = resolver.self_parameter is not None
    names = [p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p is not None]
    function = _function(resolver)
    if _takes_source_first(function, takes_self, set(names)):
        return function

    def call(source: Any) -> Any:
        return function(*((source,) if takes_self else ()), **dict.fromkeys(names, source))

    return call


def _leaf(type_: Any, scalars: Any) -> bool:
    """A type whose argument value strawberry passes on unchanged (``convert_argument``'s leaf case)."""
    if isinstance(type_, StrawberryOptional) and not isinstance(type_, StrawberryMaybe):
        type_ = type_.of_type
    return type_ is not GlobalID and not isinstance(type_, StrawberryMaybe) and _is_leaf_type(type_, scalars)


def _safe(type_: Any, scalars: Any) -> bool:
    """A type whose conversion cannot raise: a leaf or a list of leaves (which strawberry copies)."""
    if isinstance(type_, StrawberryOptional) and not isinstance(type_, StrawberryMaybe):
        type_ = type_.of_type
    if isinstance(type_, StrawberryList):
        return _leaf(type_.of_type, scalars)
    return _leaf(type_, scalars)


def direct_call(
    definition: GraphQLField, schema: GraphQLSchema, fixed: dict[str, Any], varying: set[str]
) -> tuple[DirectCall, bool] | None:
    """``(f, reads_info)`` calling the resolver as strawberry's wrapper would, or None where it cannot.

    ``fixed`` are graphql-core's argument values while planning, of which those named in ``varying`` (set by
    a variable) may differ from request to request. ``f(source, run, plan, path, raw_args)``: ``run`` (with
    its ``executor``), ``plan`` and ``path`` make the ``Info`` when ``reads_info``; ``raw_args`` is None when
    nothing varies (the arguments are then converted here, once, when every converted value is immutable).
    """
    wrapped = _wrapped(definition)
    strawberry_schema = getattr(schema, "_strawberry_schema", None)
    if wrapped is None or strawberry_schema is None:
        return None
    strawberry_field, resolver = wrapped
    config = strawberry_schema.config
    scalars = strawberry_schema.schema_converter.scalar_registry
    # (GraphQL name, argument, passed on unchanged, a null passed on unchanged, its conversion planned once)
    arguments: list[tuple[str, StrawberryArgument, bool, bool, Convert | None]] = [
        (
            config.name_converter.from_argument(a),
            a,
            _leaf(a.type, scalars),
            not isinstance(a.type, StrawberryMaybe),
            converter(a.type, scalars, config),
        )
        for a in strawberry_field.arguments
    ]

    def fixed_null(name: str, null: bool) -> bool:
        return null and name not in varying and fixed.get(name) is None

    # strawberry converts an async resolver's arguments once its coroutine runs: a conversion that can raise
    # (an input object, an id) raises here from a coroutine too, so the error comes where it would have.
    errors_awaited = resolver.is_async and not all(
        _safe(argument.type, scalars) or fixed_null(name, null) for name, argument, _, null, _ in arguments
    )
    info_class = config.info_class
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None
    takes_self = resolver.self_parameter is not None
    sources = [p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p is not None]
    function = _function(resolver)

    def convert(raw: dict[str, Any], info: Any) -> dict[str, Any]:
        """strawberry's ``convert_arguments``, with the values it passes on unchanged passed on here."""
        kwargs: dict[str, Any] = {}
        for name, argument, leaf, null, planned in arguments:
            if name in raw:
                value = raw[name]
                if not (leaf or (null and (value is None or value is UNSET))):
                    value = value if planned is None else planned(value, info, (name,))
                kwargs[argument.python_name] = value
        return kwargs

    constant: dict[str, Any] | None = None
    # Nothing varies and nothing needs an Info to convert (leaves, nulls): converted once, here.
    if not varying and all(leaf or fixed_null(name, null) for name, _, leaf, null, _ in arguments):
        converted = convert(fixed, None)
        if all(isinstance(v, _IMMUTABLE) or v is UNSET for v in converted.values()):
            constant = converted
    reads_info = info_name is not None or (constant is None and not all(a[2] for a in arguments))
    lazy = info_class is Info
    # The call as straight-line source: the constants and the resolver's parameters spelled out.
    namespace: dict[str, Any] = {"function": function, "PlanInfo": PlanInfo, "info_class": info_class}
    namespace |= {"field": strawberry_field, "convert": convert, "fixed": fixed, "raised": _raised}
    lines = ["def call(source, run, plan, path, raw_args):"]
    if not reads_info:
        lines.append("    info = None")
    elif lazy:
        lines.append("    info = PlanInfo(run.executor.context_value, run, plan, path, field)")
    else:
        lines.append("    info = info_class(_raw_info=run.info(plan, path), _field=field)")
    parts = ["source"] if takes_self else []
    if constant is not None:
        for index, (name, value) in enumerate(constant.items()):
            namespace[f"constant{index}"] = value
            parts.append(f"{name}=constant{index}")
    else:
        converting = "kwargs = convert(fixed if raw_args is None else raw_args, info)"
        if errors_awaited:
            lines += [
                "    try:",
                f"        {converting}",
                "    except Exception as error:",
                "        return raised(error)",
            ]
        else:
            lines.append(f"    {converting}")
        parts.append("**kwargs")
    parts += [f"{name}=source" for name in dict.fromkeys(sources)]
    parts += [f"{info_name}=info"] if info_name is not None else []
    lines.append(f"    return function({', '.join(parts)})")
    exec(compile("\n".join(lines), f"<call {strawberry_field.python_name}>", "exec"), namespace)  # noqa: S102 - names from the schema
    call: DirectCall = namespace["call"]
    return call, reads_info


async def _raised(error: Exception) -> Any:
    """A coroutine that raises ``error`` when awaited (an async resolver's argument that did not convert)."""
    raise error


# (output name, the variable it is set by or None, its value when set by none, whether null is refused)
ArgumentSpec = tuple[tuple[str, str | None, Any, bool], ...]


def argument_spec(
    definition: GraphQLField, node: FieldNode, fixed: dict[str, Any], varying: set[str]
) -> ArgumentSpec | None:
    """How to read a field's arguments from a request's coerced variables without graphql-core's general walk.

    ``fixed`` are the arguments' values while planning; those in ``varying`` must each be a variable itself
    (``$first``), the others' values (literals, defaults) are the same in every request and must be
    immutable. None where that is not so: ``get_argument_values`` then reads them, as before.
    """
    given = {argument.name.value: argument.value for argument in node.arguments or ()}
    spec: list[tuple[str, str | None, Any, bool]] = []
    for name, argument in definition.args.items():
        out = argument.out_name or name
        value_node = given.get(name)
        if name in varying:
            if not isinstance(value_node, VariableNode):
                return None
            spec.append((out, value_node.name.value, None, isinstance(argument.type, GraphQLNonNull)))
        elif out in fixed:
            if not isinstance(fixed[out], _IMMUTABLE):
                return None
            spec.append((out, None, fixed[out], False))
    return tuple(spec)


def read_arguments(spec: ArgumentSpec, coerced: dict[str, Any]) -> dict[str, Any] | None:
    """The arguments as graphql-core's ``get_argument_values`` gives them, or None where it must decide
    (a variable not given, whose default then applies, or a null where null is refused: its error)."""
    values: dict[str, Any] = {}
    for out, variable, value, refuses_null in spec:
        if variable is not None:
            value = coerced.get(variable, Undefined)
            if value is Undefined or (value is None and refuses_null):
                return None
        values[out] = value
    return values
