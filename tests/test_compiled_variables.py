"""Variables coerced by a coercion planned once per document are what graphql-core's ``get_variable_values``
makes of them, value for value, or the plan declines and graphql-core decides (and reports)."""

from __future__ import annotations

from typing import Any

from graphql import Executor, OperationDefinitionNode, build_schema, parse, print_ast
from graphql.execution.values import get_variable_values
from hypothesis import given, settings
from hypothesis import strategies as st

from bff.graphql.compiled_variables import VariablePlan

SCHEMA = build_schema(
    """
    enum Colour { RED BLUE }
    input Attr { key: String!, value: String }
    input Line { id: ID!, quantity: Int = 1, attrs: [Attr!], colour: Colour = RED }
    input Address { city: String!, zip: String, country: String = "GB", lines: [String!] }
    input Tree { name: String, kids: [Tree!] }
    input Pick @oneOf { a: Int, b: String }
    type Query {
      cart(address: Address, lines: [Line!], colour: Colour, first: Int, tags: [String], ratio: Float): String
      tree(tree: Tree): String
      pick(pick: Pick): String
    }
    """
)
DOCUMENT = parse(
    """
    query Cart($address: Address!, $lines: [Line!]!, $colour: Colour, $first: Int = 5, $tags: [String], $ratio: Float)
    { cart(address: $address, lines: $lines, colour: $colour, first: $first, tags: $tags, ratio: $ratio) }
    fragment Unused on Query { cart }
    """
)
OPERATION = next(d for d in DOCUMENT.definitions if isinstance(d, OperationDefinitionNode))


def sources(values: Any) -> dict[str, tuple[Any, ...]]:
    """Each variable's signature and input value (a signature's wrapping types are made anew each time)."""
    return {
        name: (s.signature.name, str(s.signature.type), print_default(s.signature.default), s.value)
        for name, s in values.sources.items()
    }


def print_default(default: Any) -> str | None:
    return None if default is None else print_ast(default.literal)


PLANNED: list[bool] = []

# Variables that are right, and variables that are often not: graphql-core and the plan must agree on each.
junk = st.none() | st.integers(-(2**33), 2**33) | st.floats(allow_nan=False) | st.text(max_size=4) | st.booleans()
ints = st.integers(-(2**31), 2**31 - 1)


def requests(wrong: bool) -> st.SearchStrategy[dict[str, Any]]:
    def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(valid, valid, valid, junk) if wrong else valid

    colours = maybe(st.sampled_from(["RED", "BLUE"]))
    attrs = st.fixed_dictionaries({"key": maybe(st.text(max_size=3))}, optional={"value": maybe(st.text(max_size=3))})
    extra = {"extra": junk} if wrong else {}
    lines = st.fixed_dictionaries(
        {"id": maybe(st.text(max_size=3) | ints)},
        optional={"quantity": maybe(ints), "attrs": maybe(st.lists(attrs, max_size=2) | attrs), "colour": colours}
        | extra,
    )
    texts = st.lists(st.text(max_size=2), max_size=3)
    addresses = st.fixed_dictionaries(
        {"city": maybe(st.text(max_size=3))},
        optional={
            "zip": maybe(st.none() | st.text(max_size=3)),
            "country": maybe(st.text(max_size=2)),
            "lines": maybe(texts),
        },
    )
    return st.fixed_dictionaries(
        {"address": maybe(addresses), "lines": maybe(st.lists(lines, max_size=3) | lines)},
        optional={
            "colour": st.none() | colours,
            "first": maybe(ints),
            "tags": maybe(st.none() | st.lists(st.none() | st.text(max_size=2), max_size=3) | st.text(max_size=2)),
            "ratio": maybe(st.floats(allow_nan=False, allow_infinity=False) | ints),
            "unknown": junk,
        },
    )


variables = st.one_of(requests(wrong=False), requests(wrong=True))


@settings(max_examples=600, deadline=None)
@given(variables)
def test_the_plan_coerces_what_graphql_core_coerces_or_declines(inputs: dict[str, Any]) -> None:
    plan = VariablePlan.plan(SCHEMA, DOCUMENT, "Cart")
    assert plan is not None
    ours = plan.coerce(inputs)
    theirs = get_variable_values(SCHEMA, OPERATION.variable_definitions or (), inputs)
    PLANNED.append(ours is not None)
    if ours is not None:
        assert not isinstance(theirs, list), theirs  # the plan never accepts what graphql-core refuses
        assert ours.coerced == theirs.coerced
        assert sources(ours) == sources(theirs)


def test_the_values_above_are_coerced_by_the_plan_often_enough_to_mean_something() -> None:
    PLANNED.clear()
    test_the_plan_coerces_what_graphql_core_coerces_or_declines()
    assert len(PLANNED) >= 600 and sum(PLANNED) >= 150


def test_valid_variables_are_coerced_by_the_plan_with_defaults_and_single_values_as_lists() -> None:
    plan = VariablePlan.plan(SCHEMA, DOCUMENT, "Cart")
    assert plan is not None
    inputs = {"address": {"city": "London"}, "lines": {"id": 7, "attrs": {"key": "k"}}, "tags": "sale"}

    ours = plan.coerce(inputs)

    assert ours is not None
    assert ours.coerced == {
        "address": {"city": "London", "country": "GB"},
        "lines": [{"id": "7", "quantity": 1, "attrs": [{"key": "k"}], "colour": "RED"}],
        "first": 5,
        "tags": ["sale"],
    }
    theirs = get_variable_values(SCHEMA, OPERATION.variable_definitions or (), inputs)
    assert not isinstance(theirs, list) and ours.coerced == theirs.coerced


def test_an_invalid_value_is_left_to_graphql_core() -> None:
    plan = VariablePlan.plan(SCHEMA, DOCUMENT, "Cart")
    assert plan is not None
    assert plan.coerce({"address": {"city": "London"}, "lines": [{"id": "1", "quantity": "two"}]}) is None
    assert plan.coerce({"address": {"city": "London", "planet": "Mars"}, "lines": []}) is None
    assert plan.coerce({"lines": []}) is None  # a required variable not given


def test_what_the_plan_does_not_cover_is_left_to_graphql_core() -> None:
    recursive = parse("query ($t: Tree) { tree(tree: $t) }")
    one_of = parse("query ($p: Pick) { pick(pick: $p) }")
    fragment_variables = parse(
        "query { ...F } fragment F($c: Colour) on Query { cart(colour: $c) }", experimental_fragment_arguments=True
    )
    two = parse("query A { cart } query B { cart }")

    assert VariablePlan.plan(SCHEMA, recursive, None) is None
    assert VariablePlan.plan(SCHEMA, one_of, None) is None
    assert VariablePlan.plan(SCHEMA, fragment_variables, None) is None
    assert VariablePlan.plan(SCHEMA, two, None) is None  # (graphql-core: an operation name is needed)
    assert VariablePlan.plan(SCHEMA, two, "C") is None
    assert VariablePlan.plan(SCHEMA, two, "B") is not None


def test_the_executor_is_the_one_graphql_core_builds() -> None:
    plan = VariablePlan.plan(SCHEMA, DOCUMENT, "Cart")
    assert plan is not None
    inputs = {"address": {"city": "Paris", "zip": "75001"}, "lines": [{"id": "1", "quantity": 2}], "ratio": 1}

    ours = plan.executor(Executor, SCHEMA, {"ctx": 1}, inputs)
    theirs = Executor.build(SCHEMA, DOCUMENT, None, {"ctx": 1}, inputs, "Cart")

    assert isinstance(theirs, Executor) and isinstance(ours, Executor)
    for name in ("operation", "fragment_definitions", "fragments", "context_value", "root_value"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.variable_values.coerced == theirs.variable_values.coerced
    assert sources(ours.variable_values) == sources(theirs.variable_values)
    assert ours.error_propagation == theirs.error_propagation
