"""Error codes live in the domain; each GraphQL error-code enum is derived from its domain enum."""

from __future__ import annotations

from graphql import GraphQLEnumType

from bff.domain.error_codes import ErrorCode, ProductErrorCode
from resolvers.schema import schema


def _graphql_enum(name: str) -> GraphQLEnumType:
    found = schema._schema.get_type(name)
    assert isinstance(found, GraphQLEnumType)
    return found


def test_the_graphql_enum_has_every_domain_code_with_its_description() -> None:
    graphql = _graphql_enum("ProductUserErrorCode")
    assert {name: value.description for name, value in graphql.values.items()} == {
        code.name: code.description for code in ProductErrorCode
    }


def test_a_domain_code_serializes_as_its_name() -> None:
    graphql = _graphql_enum("ProductUserErrorCode")
    assert graphql.serialize(ProductErrorCode.INVALID_PRICE) == "INVALID_PRICE"


def test_every_code_has_a_description() -> None:
    for codes in ErrorCode.__subclasses__():
        assert all(code.description.strip() for code in codes), codes
