"""Generated plans on a small schema: the shapes the storefront schema rarely or never produces.

Each document runs through ``run_compiled`` (the generated plan) and through graphql-core's ``execute``;
the data and the errors (messages, paths, locations) must be equal.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass
from typing import Any

import pytest
import strawberry
from graphql import execute

from bff.graphql.compiled_run import run_compiled, stats
from bff.graphql.compiled_source import SYNC, awaitable
from bff.graphql.documents import DocumentCache


@strawberry.enum(description="A colour.")
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclass
class Box:
    """A plain value the Crate type accepts only through its is_type_of."""

    label: str
    size: int


@strawberry.type(description="A crate.")
class Crate:
    label: str = strawberry.field(description="Label.")
    size: int = strawberry.field(description="Size.")

    @classmethod
    def is_type_of(cls, obj: object, _info: object) -> bool:
        return isinstance(obj, (cls, Box)) and getattr(obj, "label", "") != "refused"


@strawberry.interface(description="Something with a name.")
class Named:
    name: str = strawberry.field(description="Name.")


@strawberry.type(description="A dog.")
class Dog(Named):
    barks: bool = strawberry.field(description="Whether it barks.")

    @strawberry.field(description="Fails.")
    def fails(self) -> int | None:
        raise ValueError("dog fails")


@strawberry.type(description="A cat.")
class Cat(Named):
    lives: int = strawberry.field(description="Lives left.")


@strawberry.type(description="A box whose fields fail.")
class Failing:
    label: str = strawberry.field(description="Label.")

    @strawberry.field(description="Fails, nullable.")
    def fails(self) -> str | None:
        raise ValueError(f"fails {self.label}")

    @strawberry.field(description="Fails, non-null.")
    def strict(self) -> str:
        raise ValueError(f"strict {self.label}")

    @strawberry.field(description="Size, after the failures.")
    async def size(self) -> int:
        await asyncio.sleep(0)
        return len(self.label)


@strawberry.type(description="Root.")
class Query:
    @strawberry.field(description="Colours, as enum members.")
    def colours(self) -> list[Colour]:
        return [Colour.RED, Colour.BLUE, Colour.RED]

    @strawberry.field(description="Numbers, one past the Int range when asked.")
    def numbers(self, big: bool = False) -> list[int | None]:
        return [1, None, 2**31 if big else 3]

    @strawberry.field(description="Crates: one of the type's own class, one plain value.")
    def crates(self, refuse: bool = False) -> list[Crate]:
        return [Crate(label="a", size=1), Box("refused" if refuse else "b", 2)]  # type: ignore[list-item]

    @strawberry.field(description="Pets behind an interface.")
    async def pets(self) -> list[Named]:
        await asyncio.sleep(0)
        return [Dog(name="rex", barks=True), Cat(name="tom", lives=9)]

    @strawberry.field(description="A nested list, with a null inside.")
    def grid(self) -> list[list[str | None]]:
        return [["a", None], ["b"]]

    @strawberry.field(description="Null where the schema says non-null.")
    def broken(self) -> str:
        return None  # type: ignore[return-value]

    @strawberry.field(description="An awaited scalar.")
    async def later(self) -> str:
        await asyncio.sleep(0)
        return "done"

    @strawberry.field(description="An awaited scalar that fails.")
    async def late_failure(self) -> str | None:
        await asyncio.sleep(0)
        raise ValueError("late")

    @strawberry.field(description="An awaited non-null scalar that fails.")
    async def strict_later(self) -> str:
        await asyncio.sleep(0)
        raise ValueError("strict later")

    @strawberry.field(description="Boxes whose fields fail.")
    def boxes(self) -> list[Failing | None]:
        return [Failing(label="x"), Failing(label="y")]

    @strawberry.field(description="Non-null boxes whose fields fail.")
    def strict_boxes(self) -> list[Failing] | None:
        return [Failing(label="x"), Failing(label="y")]

    @strawberry.field(description="An awaited box.")
    async def slow(self) -> Failing | None:
        await asyncio.sleep(0)
        return Failing(label="slow")


schema = strawberry.Schema(query=Query, types=[Dog, Cat])
documents = DocumentCache(schema._schema, max_depth=12)


async def both(query: str, variables: dict[str, Any] | None = None, *, generate: bool = True) -> tuple[Any, Any]:
    compiled = documents.get(query)
    mine = await run_compiled(schema._schema, compiled, None, variables, None, generate=generate)
    reference = execute(schema._schema, compiled.document, variable_values=variables)
    if asyncio.iscoroutine(reference) or isinstance(reference, asyncio.Future):
        reference = await reference
    return mine, reference


@pytest.mark.parametrize(
    "query",
    [
        "{ colours numbers later grid }",
        "{ crates { label size __typename } }",
        "{ pets { __typename name ... on Dog { barks } ... on Cat { lives } } }",
        "{ a: colours b: colours later }",
    ],
)
async def test_generated_plan_answers_as_graphql_core(query: str) -> None:
    before = stats.copy()
    mine, reference = await both(query)
    assert reference.errors is None
    assert mine is not None and mine.data == reference.data
    assert stats["compiled"] == before["compiled"] + 1
    assert stats["interpreted"] == before["interpreted"]  # the generated function ran, not the interpreter


@pytest.mark.parametrize(
    "query",
    [
        "{ numbers(big: true) }",  # outside Int
        "{ crates(refuse: true) { label } }",  # is_type_of refuses a value of an unlisted class
        "{ broken later }",  # null in a non-null position: the whole response is null
        "{ colours boxes { label fails size } }",  # an error in each item of a list
        "{ boxes { label strict } later }",  # a non-null field's error nulls its (nullable) list item
        "{ strictBoxes { label strict } colours }",  # ... bubbles through non-null items to the list field
        "{ pets { name ... on Dog { barks fails } } later }",  # an abstract type's object, async resolver
        "{ slow { label fails strict } numbers }",  # an awaited object whose non-null field fails
        "{ lateFailure numbers }",  # an async resolver that raises
        "{ a: lateFailure b: strictLater c: later }",  # an async non-null failure among awaited siblings
    ],
)
@pytest.mark.parametrize("generate", [True, False], ids=["generated", "interpreted"])
async def test_errors_are_answered_by_the_plan_as_graphql_core_answers_them(query: str, generate: bool) -> None:
    before = stats.copy()
    mine, reference = await both(query, generate=generate)
    assert reference.errors, "the reference answer has errors"
    assert mine is not None, "the plan ran the request"
    assert mine.data == reference.data
    assert [e.formatted for e in mine.errors or ()] == [e.formatted for e in reference.errors]
    assert stats["compiled"] == before["compiled"] + 1
    assert stats["interpreted"] == before["interpreted"] + (0 if generate else 1)


async def test_enum_names_are_remembered_by_value() -> None:
    mine, _ = await both("{ colours }")
    again, _ = await both("{ colours }")
    assert mine is not None and again is not None
    assert mine.data == again.data == {"colours": ["RED", "BLUE", "RED"]}


def test_only_classes_that_cannot_make_awaitables_are_remembered_as_synchronous() -> None:
    class Plain:
        pass

    class Lazy:
        def __getattr__(self, name: str) -> Any:
            if name.startswith("__"):  # today it has no __await__, another instance might
                raise AttributeError(name)
            return None

    async def coroutine() -> None:
        return None

    pending = coroutine()
    try:
        assert not awaitable(Plain()) and Plain in SYNC
        assert not awaitable(Lazy()) and Lazy not in SYNC  # __getattr__ could answer __await__
        assert awaitable(pending) and type(pending) not in SYNC
        assert awaitable(asyncio.Future()) and asyncio.Future not in SYNC
    finally:
        pending.close()


def _generated_lines(query: str) -> int:
    from graphql import parse
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

    from bff.graphql.compiled import plan_root
    from bff.graphql.compiled_source import SourceBuilder
    from resolvers.schema import schema as storefront

    graphql_schema = storefront._schema
    executor = StrawberryGraphQLCoreExecutionContext.build(graphql_schema, parse(query), None, None, None, None)
    assert not isinstance(executor, list)
    builder = SourceBuilder(executor)
    assert graphql_schema.query_type is not None
    builder.build(plan_root(executor, graphql_schema.query_type), graphql_schema.query_type)
    return len(builder.lines)


def test_generated_source_grows_linearly_with_nested_resolver_fields() -> None:
    # `__Type.ofType` is a resolver: each level is completed inline and in an awaited completer. Generating
    # the nested selection at each of those places doubled the source per level (introspection ran the
    # server out of memory); one function per selection set keeps it linear.
    def chain(levels: int) -> str:
        return '{ __type(name: "Product") { name ' + "ofType { name " * levels + "}" * levels + " } }"

    four, eight, sixteen = (_generated_lines(chain(n)) for n in (4, 8, 16))
    assert sixteen - eight == 2 * (eight - four)
