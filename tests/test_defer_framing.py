"""The bytes of incremental responses, against the formats: multipart/mixed as Apollo and Shopify read it
(boundary ``-``, JSON parts, the closing ``-----``) and GraphQL over SSE (``next`` events, then ``complete``).
Also: which documents the compiled plans decline, and what an SSE client is told when its document is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest
from graphql import parse, print_ast

from bff.graphql.compiled import DocumentPlans
from bff.graphql.compiled_run import run_compiled, stats
from bff.graphql.documents import DocumentCache
from bff.graphql.framing import multipart_part, sse_event
from bff.graphql.incremental import delivery, has_incremental, inline_document
from bff.settings import Settings
from resolvers.schema import schema
from tests.defer_client import MULTIPART_ACCEPT, patient_app

DEFERRED = """{ products(first: 2) { nodes { id } }
  ... @defer(label: "categories") { categories(first: 2) { nodes { id } } } }"""
HEAD = b"Content-Type: application/json; charset=utf-8\r\n\r\n"


@pytest.fixture(scope="module")
async def http(seeded_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    # Without the backend calls in the last part: the bytes are the format's alone.
    async with patient_app(Settings(env="test", data_dir=seeded_dir, rate_limit=False)) as client:
        yield client


def test_a_part_is_followed_by_its_delimiter() -> None:
    assert multipart_part({"data": {"a": 1}, "hasNext": True}) == HEAD + b'{"data":{"a":1},"hasNext":true}\r\n---\r\n'
    assert multipart_part({"hasNext": False}) == HEAD + b'{"hasNext":false}\r\n-----\r\n'
    # A payload's newlines are escaped: an event is one data line.
    assert sse_event({"data": {"t": "a\nb"}}) == b'event: next\ndata: {"data":{"t":"a\\nb"}}\n\n'


def test_the_accept_header_chooses_the_framing() -> None:
    assert delivery("multipart/mixed;deferSpec=20220824,application/json") == "multipart"
    assert delivery("text/event-stream") == "sse"
    assert delivery("application/graphql-response+json, application/json") is None
    assert delivery("*/*") is None


async def test_multipart_body_byte_for_byte(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": DEFERRED}, headers={"accept": MULTIPART_ACCEPT})
    assert response.headers["content-type"] == 'multipart/mixed; boundary="-"; deferSpec=20220824'
    assert response.headers["cache-control"] == "no-store"
    body = response.content
    first_end = body.index(b"\r\n---\r\n", len(b"\r\n---\r\n"))
    first = orjson.loads(body[len(b"\r\n---\r\n" + HEAD) : first_end])
    second = orjson.loads(body[first_end + len(b"\r\n---\r\n" + HEAD) : -len(b"\r\n-----\r\n")])
    expected = (
        b"\r\n---\r\n" + HEAD + orjson.dumps(first) + b"\r\n---\r\n" + HEAD + orjson.dumps(second) + b"\r\n-----\r\n"
    )
    assert body == expected
    assert first["hasNext"] is True and set(first["data"]) == {"products"}
    assert second == {
        "hasNext": False,
        "incremental": [{"data": second["incremental"][0]["data"], "path": [], "label": "categories"}],
    }
    assert len(second["incremental"][0]["data"]["categories"]["nodes"]) == 2


async def test_sse_body_byte_for_byte(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": DEFERRED}, headers={"accept": "text/event-stream"})
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    events = response.content.split(b"\n\n")
    assert events[-1] == b"" and events[-2] == b"event: complete\ndata:"
    payloads = [orjson.loads(e.removeprefix(b"event: next\ndata: ")) for e in events[:-2]]
    expected = b"".join(b"event: next\ndata: " + orjson.dumps(p) + b"\n\n" for p in payloads)
    assert response.content == expected + b"event: complete\ndata:\n\n"
    assert [p["hasNext"] for p in payloads] == [True, False]


async def test_sse_refusals_are_events_of_an_accepted_stream(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ nope }"}, headers={"accept": "text/event-stream"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    head, complete = response.content.split(b"\n\n", 1)
    assert complete == b"event: complete\ndata:\n\n"
    assert orjson.loads(head.removeprefix(b"event: next\ndata: "))["errors"][0]["extensions"]["code"] == (
        "GRAPHQL_VALIDATION_FAILED"
    )


async def test_a_plain_query_over_sse_is_one_event(http: httpx.AsyncClient) -> None:
    query = "{ products(first: 1) { nodes { id } } }"
    response = await http.post("/graphql", json={"query": query}, headers={"accept": "text/event-stream"})
    head, complete = response.content.split(b"\n\n", 1)
    assert complete == b"event: complete\ndata:\n\n"
    payload = orjson.loads(head.removeprefix(b"event: next\ndata: "))
    assert payload["hasNext"] is False and len(payload["data"]["products"]["nodes"]) == 1


def test_the_directives_are_found_and_removed() -> None:
    document = parse(DEFERRED.replace("products(first: 2)", "products(first: 2) @include(if: true)"))
    assert has_incremental(document)
    inline = inline_document(document)
    assert not has_incremental(inline)
    assert "@include(if: true)" in print_ast(inline) and "@defer" not in print_ast(inline)
    assert not has_incremental(parse("{ products { nodes { id } } }"))


@pytest.mark.parametrize(
    "query",
    [DEFERRED, '{ search(query: "shirt") { nodes @stream(initialCount: 1) { id } } }'],
)
async def test_compiled_plans_decline_incremental_documents_before_running(query: str) -> None:
    documents = DocumentCache(schema._schema)
    compiled = documents.get(query)
    assert compiled.incremental and not compiled.errors
    assert DocumentPlans.of(parse(query)).supported is False
    before = stats["graphql-core"]
    # Declined before anything ran: no context is needed, no resolver was called.
    assert await run_compiled(schema._schema, compiled, None, None, None) is None
    assert stats["graphql-core"] == before + 1
    assert DocumentPlans.of(compiled.without_incremental().document or parse("{a}")).supported is True
