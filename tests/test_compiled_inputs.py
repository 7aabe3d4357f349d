"""Argument conversion planned once per type answers what strawberry's ``convert_argument`` answers, value for
value: nested and recursive inputs, lists (copied), optional and unset fields, defaults, ids, enums, ``Maybe``,
an input with its own ``from_input``, and the errors of a bad id."""

from __future__ import annotations

import enum
from typing import Any

import pytest
import strawberry
from hypothesis import given, settings
from hypothesis import strategies as st
from strawberry.relay import GlobalID
from strawberry.types.arguments import convert_argument
from strawberry.types.base import StrawberryList, StrawberryOptional
from strawberry.types.unset import UNSET

from bff.graphql.compiled_inputs import converter


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.input
class Address:
    city: str
    note: str | None  # (nullable, no default: None when not given)
    zip: str | None = None
    lines: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class Node:
    name: str
    children: list[Node] | None = None
    colour: Colour | None = None
    target: GlobalID | None = None
    at: Address | None = strawberry.UNSET
    maybe: strawberry.Maybe[str]


@strawberry.type
class Query:
    @strawberry.field
    def node(self, node: Node, ids: list[GlobalID], addresses: list[Address | None] | None = None) -> str:
        return ""


SCHEMA = strawberry.Schema(query=Query, types=[Node, Address])
SCALARS = SCHEMA.schema_converter.scalar_registry
CONFIG = SCHEMA.config
ARGUMENTS = {a.python_name: a.type for a in SCHEMA.get_type_by_name("Query").fields[0].arguments}  # type: ignore[union-attr]


def both(value: Any, type_: Any) -> tuple[Any, Any]:
    """(strawberry's answer, the planned answer): a value, or the error's type and message."""

    def outcome(convert: Any) -> Any:
        try:
            return convert()
        except Exception as error:  # noqa: BLE001 - whatever either raises, both must raise it
            return type(error), str(error)

    planned = converter(type_, SCALARS, CONFIG)
    theirs = outcome(lambda: convert_argument(value, type_, SCALARS, CONFIG, None, path=("x",)))
    ours = outcome(lambda: value if planned is None else planned(value, None, ("x",)))
    return theirs, ours


def addresses() -> st.SearchStrategy[dict[str, Any]]:
    text = st.text(max_size=5)
    return st.fixed_dictionaries(
        {"city": text},
        optional={"zip": st.none() | text, "lines": st.lists(text, max_size=3), "note": st.none() | text},
    )


def nodes() -> st.SearchStrategy[dict[str, Any]]:
    ids = st.sampled_from([str(GlobalID("Product", "1")), "not-an-id", str(GlobalID("Cart", "x?y"))])
    leaf = st.fixed_dictionaries(
        {"name": st.text(max_size=5)},
        optional={
            "colour": st.none() | st.sampled_from(list(Colour)),
            "target": st.none() | ids,
            "at": st.none() | addresses(),
            "maybe": st.none() | st.text(max_size=3),
        },
    )
    return st.recursive(
        leaf,
        lambda inner: st.builds(lambda d, kids: {**d, "children": kids}, leaf, st.none() | st.lists(inner, max_size=3)),
        max_leaves=8,
    )


@settings(max_examples=300, deadline=None)
@given(nodes())
def test_a_recursive_input_converts_as_strawberry_converts_it(value: dict[str, Any]) -> None:
    theirs, ours = both(value, ARGUMENTS["node"])
    assert ours == theirs


@settings(max_examples=100, deadline=None)
@given(st.none() | st.lists(st.none() | addresses(), max_size=4))
def test_a_list_of_optional_inputs_converts_as_strawberry_converts_it(value: list[Any] | None) -> None:
    theirs, ours = both(value, ARGUMENTS["addresses"])
    assert ours == theirs


@pytest.mark.parametrize("value", [[str(GlobalID("Product", "1")), str(GlobalID("Variant", "2"))], ["bad"], [], None])
def test_a_list_of_ids_converts_as_strawberry_converts_it(value: list[str] | None) -> None:
    theirs, ours = both(value, ARGUMENTS["ids"])
    assert ours == theirs


def test_a_bad_id_raises_strawberrys_error() -> None:
    _, ours = both(["bad"], ARGUMENTS["ids"])
    assert ours[0].__name__ == "InvalidGlobalIDError" and "bad" in ours[1]


def test_a_list_of_leaves_is_copied_and_unset_passed_on() -> None:
    shared = ["a", "b"]
    convert = converter(StrawberryList(str), SCALARS, CONFIG)
    assert convert is not None
    copied = convert(shared, None, ("x",))
    assert copied == shared and copied is not shared  # (graphql-core hands every request the same default)
    assert converter(StrawberryOptional(str), SCALARS, CONFIG) is None  # a leaf: passed on unchanged
    node = converter(ARGUMENTS["node"], SCALARS, CONFIG)
    assert node is not None and node(UNSET, None, ("x",)) is UNSET


def test_an_input_with_its_own_from_input_is_strawberrys_to_convert() -> None:
    @strawberry.input
    class Money:
        amount: str

    calls: list[tuple[str | int, ...]] = []

    def from_input(cls: type, value: Any, context: Any) -> Any:
        calls.append(context.path)
        return cls(amount=value["amount"] + "!")

    Money.__strawberry_definition__.from_input = from_input  # type: ignore[attr-defined]
    convert = converter(StrawberryList(Money), SCALARS, CONFIG)
    assert convert is not None

    assert convert([{"amount": "1"}], None, ("prices",)) == [Money(amount="1!")]
    assert calls == [("prices", 0)]
