"""The committed SDL is the code's schema, and every part of it says what it is."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

from resolvers.schema import schema, sdl

ROOT = Path(__file__).resolve().parents[1]


def test_committed_schema_matches_the_code() -> None:
    assert (ROOT / "schema.graphql").read_text() == sdl(), "schema.graphql is stale: run `make schema`"


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    missing: list[str] = []
    for name, gtype in schema._schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not getattr(gtype, "description", None):
            missing.append(name)
        if isinstance(gtype, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)):
            for field_name, field in gtype.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(gtype, GraphQLEnumType) and name != "CurrencyCode":
            missing += [f"{name}.{v}" for v, value in gtype.values.items() if not value.description]
    assert missing == []
