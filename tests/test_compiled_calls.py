"""Resolvers called by plans without strawberry's wrapper (``compiled_calls``): the same values, the same answers.

Each resolver below answers with what it was given (repr of its arguments and whether it got an ``Info``),
so any difference in conversion shows up in the data; every document runs through the generated plan, the
interpreted plan and graphql-core's ``execute`` (strawberry's wrappers), and all three must agree.
"""

from __future__ import annotations

import asyncio
import enum
from typing import Any

import pytest
import strawberry
from graphql import execute, parse
from strawberry.relay import GlobalID
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bff.graphql.compiled import FieldPlan, plan_root
from bff.graphql.compiled_run import run_compiled
from bff.graphql.documents import DocumentCache


@strawberry.enum(description="A size.")
class Size(enum.Enum):
    SMALL = "s"
    LARGE = "l"


@strawberry.input(description="A resize.")
class Resize:
    width: int = strawberry.field(description="Width.")
    tags: list[str] | None = strawberry.field(description="Tags.", default=None)

    def __repr__(self) -> str:
        return f"Resize({self.width}, {self.tags})"


def shown(**kwargs: Any) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in sorted(kwargs.items()))


@strawberry.type(description="A picture.")
class Picture:
    name: str = strawberry.field(description="Name.")

    @strawberry.field(description="Leaves, with defaults.")
    def leaves(self, size: Size = Size.SMALL, count: int = 1, label: str | None = None, note: str | None = "n") -> str:
        return shown(name=self.name, size=size, count=count, label=label, note=note)

    @strawberry.field(description="An input object, and the info.")
    def url(self, info: strawberry.Info, resize: Resize | None = None) -> str:
        if resize is not None and resize.width < 0:
            raise ValueError("negative width")
        return shown(
            name=self.name,
            resize=resize,
            field=info.field_name,
            path=str(info.path.as_list()),
            variables=info.variable_values,
            selected=[f.name for f in info.selected_fields],
            returns=str(info.return_type),
        )

    @strawberry.field(description="A list of leaves, changed by the resolver.")
    def tagged(self, tags: list[str]) -> str:
        seen = repr(tags)
        tags.append("changed")  # a list handed to every request would carry this into the next
        return seen

    @strawberry.field(description="A Maybe argument.")
    def maybe(self, note: strawberry.Maybe[str | None] = None) -> str:
        return repr(note)

    @strawberry.field(description="Async, leaves only.")
    async def later(self, count: int = 2) -> str:
        await asyncio.sleep(0)
        return shown(name=self.name, count=count)

    @strawberry.field(description="Async, with an input object.")
    async def later_resized(self, resize: Resize | None = None) -> str:
        await asyncio.sleep(0)
        return shown(name=self.name, resize=resize)

    @strawberry.field(description="Async, with an id whose conversion refuses what is not one.")
    async def later_node(self, id: GlobalID) -> str:
        await asyncio.sleep(0)
        return shown(name=self.name, id=id)


@strawberry.type(description="Root.")
class Query:
    @strawberry.field(description="Pictures.")
    def pictures(self) -> list[Picture]:
        return [Picture(name="a"), Picture(name="b")]

    @strawberry.field(description="A root field with arguments, async.")
    async def picture(self, info: strawberry.Info, name: str, size: Size = Size.LARGE) -> Picture:
        await asyncio.sleep(0)
        assert info.context is None
        return Picture(name=f"{name}-{size.value}")


schema = strawberry.Schema(query=Query)
documents = DocumentCache(schema._schema, max_depth=12)

FIELDS = """leaves big: leaves(size: LARGE, count: 3, label: "x") url
  resized: url(resize: {width: 10, tags: ["t"]}) tagged(tags: ["p", "q"]) maybe set: maybe(note: "n")
  unset: maybe(note: null) later more: later(count: 5) laterResized
  laterBig: laterResized(resize: {width: 4})"""


async def three_ways(query: str, variables: dict[str, Any] | None = None) -> list[Any]:
    compiled = documents.get(query)
    answers = []
    for generate in (True, False):
        mine = await run_compiled(schema._schema, compiled, None, variables, None, generate=generate)
        assert mine is not None, "a plan ran the request"
        answers.append(mine)
    reference = execute(schema._schema, compiled.document, variable_values=variables)
    if asyncio.iscoroutine(reference) or isinstance(reference, asyncio.Future):
        reference = await reference
    answers.append(reference)
    return [(a.data, [e.formatted for e in a.errors or ()]) for a in answers]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ pictures { " + FIELDS + " } }", None),
        (
            "query($s: Size!, $c: Int, $r: Resize, $t: [String!]!) { pictures { leaves(size: $s, count: $c) "
            "url(resize: $r) tagged(tags: $t) later(count: $c) laterResized(resize: $r) } }",
            {"s": "LARGE", "c": 7, "r": {"width": 3, "tags": ["v"]}, "t": ["w"]},
        ),
        ("query($r: Resize) { pictures { url(resize: $r) } }", {"r": None}),
        (
            'query($n: String!) { picture(name: $n) { leaves later } b: picture(name: "b", size: SMALL) { name } }',
            {"n": "z"},
        ),
        ("{ pictures { url(resize: {width: -1}) leaves } }", None),  # a resolver's error, at its field
        # An async resolver's argument that does not convert fails once its coroutine runs, as in strawberry's
        # wrapper: its errors come after those of the synchronous field beside it.
        (
            '{ pictures { laterNode(id: "not-an-id") url(resize: {width: -1}) ok: laterNode(id: "UGljdHVyZTox") } }',
            None,
        ),
        (
            "query($r: Resize, $i: ID!) { pictures { laterResized(resize: $r) laterNode(id: $i) } }",
            {"r": {"width": 2}, "i": "bm90IGFuIGlk"},
        ),
    ],
)
async def test_direct_calls_answer_as_strawberry(query: str, variables: dict[str, Any] | None) -> None:
    generated, interpreted, reference = await three_ways(query, variables)
    assert generated == interpreted == reference
    again = await three_ways(query, variables)  # the same plan again: nothing carried over
    assert again[0] == reference


def _plans(query: str, variables: dict[str, Any] | None = None) -> dict[str, FieldPlan]:
    executor = StrawberryGraphQLCoreExecutionContext.build(schema._schema, parse(query), None, None, variables, None)
    assert not isinstance(executor, list) and schema._schema.query_type is not None
    found: dict[str, FieldPlan] = {}

    def walk(plans: list[FieldPlan]) -> None:
        for plan in plans:
            found[plan.key] = plan
            for below in plan.subplans.values():
                walk(below)

    walk(plan_root(executor, schema._schema.query_type))
    return found


def test_which_fields_are_called_without_the_wrapper() -> None:
    plans = _plans("query($r: Resize) { pictures { " + FIELDS + " v: laterResized(resize: $r) } }", {"r": None})
    direct = {key for key, plan in plans.items() if plan.call is not None or plan.direct is not None}
    wrapped = {key for key, plan in plans.items() if plan.resolve is not None and key not in direct}
    # Async resolvers whose arguments strawberry converts (and could refuse) once their coroutine runs are
    # called directly too, their conversion errors raised from a coroutine.
    assert not wrapped
    assert {"pictures", "leaves", "big", "url", "resized", "tagged", "maybe", "set", "later", "laterResized"} <= direct
    assert {"laterBig", "v"} <= direct
    assert not plans["leaves"].call_reads_info and plans["url"].call_reads_info


@pytest.mark.parametrize(
    ("query", "variable_sets"),
    [
        (
            'query($c: Int, $s: Size!, $n: String) { pictures { leaves(count: $c, size: $s, label: "l", note: $n) '
            "later(count: $c) } }",
            [
                {"s": "LARGE"},
                {"c": None, "s": "SMALL", "n": None},
                {"c": 4, "s": "LARGE"},  # a variable not given: its argument's default
                {"c": 5, "n": "m", "s": "LARGE"},
            ],
        ),
        (
            'query($n: String = "d") { picture(name: $n) { name } }',
            [{}, {"n": "e"}, {"n": None}],  # null where the argument refuses it: graphql-core's error
        ),
        ('query($t: String!) { pictures { tagged(tags: [$t, "x"]) } }', [{"t": "a"}, {"t": "b"}]),  # nested
    ],
)
async def test_arguments_set_by_variables_are_read_as_graphql_core_reads_them(
    query: str, variable_sets: list[dict[str, Any]]
) -> None:
    for variables in variable_sets:  # one plan, made by the first request, for every set
        generated, interpreted, reference = await three_ways(query, variables)
        assert generated == interpreted == reference


def test_the_storefront_schemas_plain_resolvers_are_all_called_directly() -> None:
    """Every resolver field strawberry wraps with nothing but the call (no extension, no exception handler) is
    recognised as such: should a strawberry release change what the recognition reads, the plans would fall
    back to its wrapper without a word, and this says so."""
    from graphql import GraphQLObjectType

    from bff.graphql.compiled_calls import _wrapped
    from resolvers.schema import schema as storefront

    plain, recognised = [], []
    for type_ in storefront._schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            definition = (field.extensions or {}).get("strawberry-definition")
            if getattr(field.resolve, "__name__", "") not in ("_resolver", "_async_resolver"):
                continue
            if definition is None or definition.base_resolver is None or definition.extensions:
                continue
            plain.append(f"{type_.name}.{name}")
            if _wrapped(field) is not None:
                recognised.append(f"{type_.name}.{name}")
    assert len(plain) > 50
    assert recognised == plain
