"""Limits on a document's shape: checked in one pass, linear in the document, before the specified rules."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from graphql import get_introspection_query, parse

from bff.graphql.documents import DocumentCache
from bff.graphql.limits import MAX_MERGE_PAIRS, DocumentLimits, ShapeCheck
from bff.settings import Settings
from resolvers.schema import schema
from tests.conftest import app_client, error_codes, make_settings

FULL_TYPE = "name fields { name args { name type { name } } type { kind name ofType { kind name } } }"


def fan_out(levels: int) -> str:
    """Each fragment spreads the next twice: 2^levels `__typename` once expanded, in a few hundred bytes."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    return " ".join(["query { ...F0 }", *fragments, f"fragment F{levels} on Query {{ __typename }}"])


def selection_nodes(document: str) -> int:
    """Fields, spreads and inline fragments the document holds, as written."""
    return document.count("...") + document.count("__typename")


@pytest.mark.parametrize("levels", [20, 30])
def test_fragment_fan_out_is_measured_once_per_fragment_and_refused(levels: int) -> None:
    document = fan_out(levels)
    check = ShapeCheck(parse(document), DocumentLimits())
    errors = check.run()
    assert check.visits == selection_nodes(document)  # one visit per node as written, not per expansion
    assert errors and "fields (fragments expanded)" in errors[0].message


def test_shape_check_work_grows_linearly_with_the_document() -> None:
    visits = {}
    for levels in (10, 20, 30, 40):
        check = ShapeCheck(parse(fan_out(levels)), DocumentLimits())
        check.run()
        visits[levels] = check.visits
    steps = {visits[b] - visits[a] for a, b in [(10, 20), (20, 30), (30, 40)]}
    assert len(steps) == 1  # the same work per 10 more levels: linear, where the expansion doubles per level


async def test_fan_out_document_is_refused_over_http(client: httpx.AsyncClient) -> None:
    body = (await client.post("/graphql", json={"query": fan_out(20)})).json()
    assert "data" not in body
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


def test_nested_fan_out_through_fields_costs_linear_work_and_is_refused_for_its_cost() -> None:
    # parent/children at each level: within the depth limit and 2 fields per selection set, 2^10 paths.
    fragments = " ".join(
        f"fragment C{i} on Category {{ parent {{ ...C{i + 1} }} children {{ ...C{i + 1} }} }}" for i in range(10)
    )
    document = f'query {{ category(handle: "x") {{ ...C0 }} }} {fragments} fragment C10 on Category {{ id }}'
    documents = DocumentCache(schema._schema)
    compiled = documents.get(document)
    assert compiled.errors == []
    from bff.graphql.cost import Evaluation

    evaluation = Evaluation(documents.cost_model, parse(document), {})
    operation = compiled.operation(None)
    assert operation is not None
    requested = evaluation.operation(operation)
    written = sum(document.count(word) for word in ("...", "category(", "parent {", "children {", " id "))
    assert evaluation.visits == written  # each selection as written once, not once per path (2^10)
    assert requested > documents.max_cost


async def test_too_many_fields_in_one_selection_set_is_refused_before_the_overlap_rule(
    client: httpx.AsyncClient,
) -> None:
    # 300 same-name fields with different arguments (under the token limit): the overlap rule would compare
    # 45,000 pairs.
    document = "{" + " ".join(f'node(id: "{i}") {{ id }}' for i in range(300)) + "}"
    body = (await client.post("/graphql", json={"query": document})).json()
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "300 fields" in body["errors"][0]["message"]  # this pass's error, not the overlap rule's conflicts


def test_repeated_fields_at_one_path_are_refused_by_their_pair_count() -> None:
    def tree(depth: int) -> str:
        return "id" if depth == 0 else f"children {{ {tree(depth - 1)} }} children {{ {tree(depth - 1)} }}"

    small = ShapeCheck(parse("{ categories { nodes { " + tree(4) + " } } }"), DocumentLimits())
    big = ShapeCheck(parse("{ categories { nodes { " + tree(8) + " } } }"), DocumentLimits())
    assert small.run() == []
    errors = big.run()
    assert errors and f"at most {MAX_MERGE_PAIRS}" in errors[0].message


def test_depth_counts_fields_with_selections_through_fragments() -> None:
    nested = "{ categories { nodes { ...A } } } fragment A on Category { children { children { ...B } } }"
    nested += " fragment B on Category { children { id } }"
    assert ShapeCheck(parse(nested), DocumentLimits(max_depth=5)).run() == []  # categories nodes children x3
    errors = ShapeCheck(parse(nested), DocumentLimits(max_depth=4)).run()
    assert [e.message for e in errors] == ["'anonymous' exceeds maximum operation depth of 4"]


async def test_one_schema_introspection_per_document(client: httpx.AsyncClient) -> None:
    once = await client.post("/graphql", json={"query": get_introspection_query()})
    assert once.json()["data"]["__schema"]["queryType"]["name"] == "Query"
    twice = "{ a: __schema { types { name } } ...S } fragment S on Query { b: __schema { types { name } } }"
    body = (await client.post("/graphql", json={"query": twice})).json()
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "`__schema` more than once" in body["errors"][0]["message"]


async def test_type_introspection_counts_toward_the_cost(client: httpx.AsyncClient) -> None:
    aliases = " ".join(f'a{i}: __type(name: "Product") {{ {FULL_TYPE} }}' for i in range(90))
    body = (await client.post("/graphql", json={"query": "{" + aliases + "}"})).json()
    assert error_codes(body) == ["MAX_COST_EXCEEDED"]
    one = (await client.post("/graphql", json={"query": f'{{ __type(name: "Product") {{ {FULL_TYPE} }} }}'})).json()
    assert one["extensions"]["cost"]["requestedQueryCost"] > len(one["data"]["__type"]["fields"])


async def test_introspection_can_be_turned_off(seeded_dir: Path) -> None:
    async with app_client(make_settings(seeded_dir, introspection=False)) as http:
        body = (await http.post("/graphql", json={"query": '{ __type(name: "Product") { name } }'})).json()
        plain = (await http.post("/graphql", json={"query": "{ __typename }"})).json()
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "introspection is turned off" in body["errors"][0]["message"]
    assert plain["data"] == {"__typename": "Query"}


def production(**overrides: object) -> Settings:
    return Settings(
        env="production",
        cursor_secret="x" * 40,
        graphiql=False,
        cors_origins=["https://shop.example"],
        allow_embedded_backends=True,
        allow_sandbox_payments=True,
        **overrides,  # type: ignore[arg-type]
    )


def test_production_turns_introspection_and_suggestions_off_unless_allowed() -> None:
    assert DocumentLimits.of(production()) == DocumentLimits(introspection=False, hide_suggestions=True)
    assert DocumentLimits.of(production(introspection=True)).introspection is True
    assert DocumentLimits.of(make_settings(Path("data"))).introspection is True


def test_suggestions_are_left_out_of_errors_when_hidden() -> None:
    typo = "{ prodcts(first: 1) { nodes { id } } }"
    shown = DocumentCache(schema._schema, limits=DocumentLimits()).get(typo).errors
    hidden = DocumentCache(schema._schema, limits=DocumentLimits.of(production())).get(typo).errors
    assert "Did you mean" in shown[0].message
    assert "Did you mean" not in hidden[0].message
    assert hidden[0].message.startswith("Cannot query field 'prodcts'")


async def test_a_document_over_the_token_limit_is_refused_while_it_is_parsed(client: httpx.AsyncClient) -> None:
    # 900 same-name fields: 8,100 tokens. Parsing stops at the limit, before the rest costs anything.
    document = "{" + " ".join(f'node(id: "{i}") {{ id }}' for i in range(900)) + "}"
    body = (await client.post("/graphql", json={"query": document})).json()
    assert error_codes(body) == ["GRAPHQL_PARSE_FAILED"]
    assert "more than 3000 tokens" in body["errors"][0]["message"]
