"""Argument conversion planned once per type: strawberry's ``convert_argument`` without its per-value walk.

strawberry converts an argument's value by walking its type on every call: for each field of an input object
it resolves the field's type and converts its GraphQL name again (for ``checkoutComplete``'s input, about 25
type resolutions per request). ``converter(type_, scalars, config)`` does that walk once and answers a
function ``f(value, info, path)`` with the same outcome, or None when strawberry passes the value on unchanged
(a leaf). The cases it does not plan (``Maybe``, an input type with its own ``from_input``, anything
unknown) stay strawberry's: ``convert_argument`` is called for them, with the same path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Any

from strawberry.relay.types import GlobalID, GlobalIDValueError, InvalidGlobalIDError
from strawberry.types.arguments import _is_leaf_type, convert_argument
from strawberry.types.base import StrawberryList, StrawberryMaybe, StrawberryOptional, has_object_definition
from strawberry.types.enum import has_enum_definition
from strawberry.types.lazy_type import LazyType
from strawberry.types.unset import UNSET

Convert = Callable[[Any, Any, tuple[str | int, ...]], Any]


def converter(type_: Any, scalars: Mapping[object, Any], config: Any) -> Convert | None:
    """``f(value, info, path)`` converting a value of ``type_`` as strawberry does; None: passed on unchanged."""
    return _Planner(scalars, config).plan(type_)


class _Planner:
    def __init__(self, scalars: Mapping[object, Any], config: Any) -> None:
        self.scalars = scalars
        self.config = config
        self.objects: dict[type, Convert] = {}  # (input types already planned: recursive inputs end here)

    def plan(self, type_: Any) -> Convert | None:
        if isinstance(type_, StrawberryMaybe):
            return self.strawberry(type_)
        if isinstance(type_, StrawberryOptional):
            return self.plan(type_.of_type)  # (None and UNSET are passed on by every converter below)
        if isinstance(type_, StrawberryList):
            return self.list(type_)
        if _is_leaf_type(type_, self.scalars):
            return _global_id if type_ is GlobalID else None
        if isinstance(type_, LazyType):
            return self.plan(type_.resolve_type())
        if has_enum_definition(type_):
            return self.plan(type_.__strawberry_definition__)
        if has_object_definition(type_) and type_.__strawberry_definition__.from_input is None:
            return self.object(type_)
        return self.strawberry(type_)

    def strawberry(self, type_: Any) -> Convert:
        scalars, config = self.scalars, self.config

        def convert(value: Any, info: Any, path: tuple[str | int, ...]) -> Any:
            return convert_argument(value, type_, scalars, config, info, path=path)

        return convert

    def list(self, type_: StrawberryList) -> Convert:
        convert_item = self.plan(type_.of_type)
        if convert_item is None:
            # the items need nothing, but the list is copied (graphql-core shares a default between requests)
            return _copy

        def convert(value: Any, info: Any, path: tuple[str | int, ...]) -> Any:
            if value is None or value is UNSET:
                return value
            return [convert_item(x, info, (*path, index)) for index, x in enumerate(value)]

        return convert

    def object(self, type_: Any) -> Convert:
        if type_ in self.objects:
            return self.objects[type_]
        definition = type_.__strawberry_definition__
        # An input's fields without a default are None until given (graphql-core has refused a missing one).
        defaults: dict[str, Any] = {}
        if definition.is_input:
            defaults = {
                f.python_name: None
                for f in definition.fields
                if f.default_value is MISSING and f.default_factory is MISSING
            }
        fields: list[tuple[str, str, Convert | None]] = []

        def convert(value: Any, info: Any, path: tuple[str | int, ...]) -> Any:
            if value is None or value is UNSET:
                return value
            kwargs = defaults.copy()
            for graphql_name, python_name, convert_field in fields:
                if graphql_name in value:
                    given = value[graphql_name]
                    if convert_field is not None:
                        given = convert_field(given, info, (*path, graphql_name))
                    kwargs[python_name] = given
            return type_(**kwargs)

        self.objects[type_] = convert
        for f in definition.fields:
            field_type = f.resolve_type(type_definition=definition)
            fields.append((self.config.name_converter.from_field(f), f.python_name, self.plan(field_type)))
        return convert


def _copy(value: Any, info: Any, path: tuple[str | int, ...]) -> Any:
    return value if value is None or value is UNSET else list(value)


def _global_id(value: Any, info: Any, path: tuple[str | int, ...]) -> Any:
    if value is None or value is UNSET:
        return value
    try:
        return GlobalID.from_id(value)
    except GlobalIDValueError as error:
        raise InvalidGlobalIDError(f'Value cannot represent a GlobalID: "{value}".') from error
