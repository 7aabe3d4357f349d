"""Property-based fuzzing: random valid documents from the schema and a corpus of malformed requests.

Whatever a client sends, the answer is never a 5xx nor an ``INTERNAL_SERVER_ERROR``, and every error
carries a code. A few seconds in ``make test``; set ``BFF_FUZZ_EXAMPLES`` (e.g. 5000) for a longer run.

Hypothesis drives a synchronous test, so the app runs on an event loop of this module's own.
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from graphql import StringValueNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema, nodes

from bff.backends.local.issuer import LocalIssuer
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.catalog_io import generate_catalog
from bff.cursors import CursorCodec
from bff.settings import DEV_CURSOR_SECRET
from resolvers.schema import sdl
from tests.conftest import app_client, make_settings

EXAMPLES = int(os.environ.get("BFF_FUZZ_EXAMPLES", "120"))
SCALARS = {
    "Decimal": st.decimals(allow_nan=False, allow_infinity=False, places=3).map(lambda d: nodes.String(str(d))),
    "DateTime": st.datetimes().map(lambda d: nodes.String(d.isoformat())),
    "JSON": st.just(StringValueNode(value="{}")),
}


class App:
    """The app on a loop of its own, with an anonymous and an admin client."""

    def __init__(self, data_dir: Path) -> None:
        self.loop = asyncio.new_event_loop()

        async def start() -> tuple[app_client, httpx.AsyncClient]:
            client = app_client(make_settings(data_dir))  # (detects its async library: inside the loop)
            return client, await client.__aenter__()

        self.client, self.http = self.loop.run_until_complete(start())
        token = LocalIssuer.load_or_create(data_dir).mint("fuzz@example.com", groups=["admin"])
        self.admin = {"authorization": f"Bearer {token}"}

    def post(self, body: Any, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.http.post("/graphql", json=body, headers=headers, **kwargs))

    def send(self, request: httpx.Request) -> httpx.Response:
        return self.loop.run_until_complete(self.http.send(request))

    def close(self) -> None:
        self.loop.run_until_complete(self.client.__aexit__(None, None, None))
        self.loop.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    data_dir = tmp_path_factory.mktemp("fuzz")

    async def seed() -> None:
        store = await SqliteCatalogStore.open(make_settings(data_dir).catalog_db_path)
        categories, records = generate_catalog(products=30, seed=3)
        await store.upsert_categories(categories)
        await store.upsert_products(records)
        await store.close()

    asyncio.run(seed())
    running = App(data_dir)
    yield running
    running.close()


def assert_well_formed(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text[:2000]
    body = response.json() if response.content else {}
    for error in body.get("errors", []):
        code = (error.get("extensions") or {}).get("code")
        assert code, error
        assert code != "INTERNAL_SERVER_ERROR", error


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    derandomize=os.environ.get("BFF_FUZZ_EXAMPLES") is None,  # CI: the same examples every run
)


@FUZZ
@given(query=from_schema(sdl(), custom_scalars=SCALARS))
def test_random_queries_never_fail_the_server(app: App, query: str) -> None:
    assert_well_formed(app.post({"query": query}))


@FUZZ
@given(mutation=from_schema(sdl(), custom_scalars=SCALARS, fields=None).filter(lambda q: "mutation" in q))
def test_random_mutations_by_anyone_never_fail_the_server(app: App, mutation: str) -> None:
    assert_well_formed(app.post({"query": mutation}))
    assert_well_formed(app.post({"query": mutation}, headers=app.admin))


BIDI = "\u202e"


def forged(payload: Any) -> str:
    """A cursor whose MAC is valid under the development secret but whose payload has the wrong shape."""
    codec = CursorCodec(DEV_CURSOR_SECRET.encode())
    raw = orjson.dumps(payload)
    return base64.urlsafe_b64encode(codec._sign(raw) + raw).decode().rstrip("=")


def nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


FORGED = [forged("x"), forged(["products:ID:asc"]), forged(["products:ID:asc", [1], {"a": 1}]), forged(None)]
MALFORMED_BODIES: list[Any] = [
    {"query": "{ product(id: 1) { id } }"},
    {"query": "{ products(first: -1) { nodes { id } } }"},
    {"query": "{ products(first: 99999999999) { nodes { id } } }"},
    {"query": "{ products(first: 2147483648) { nodes { id } } }"},
    {"query": "query($n: Int) { products(first: $n) { nodes { id } } }", "variables": {"n": "ten"}},
    {"query": "query($n: Int) { products(first: $n) { nodes { id } } }", "variables": {"n": 1e300}},
    {"query": '{ product(handle: "\\u0000") { id } }'},
    {"query": f'{{ search(query: "{BIDI}shirt\\u0000") {{ totalCount }} }}'},
    {"query": "{ search(query: $q) { totalCount } }"},
    {"query": "query($q: String!) { search(query: $q) { totalCount } }", "variables": {"q": "x" * 1_000_000}},
    {"query": '{ node(id: "' + "A" * 5000 + '") { id } }'},
    {"query": '{ nodes(ids: ["bm90LWFuLWlk", "\\u0000", "UHJvZHVjdC8="]) { id } }'},
    {"query": '{ products(first: 2, after: "not-a-cursor") { nodes { id } } }'},
    {"query": '{ products(first: 2, after: "eyJ4Ijox") { nodes { id } } }'},
    {"query": '{ products(last: 2, before: "") { nodes { id } } }'},
    *({"query": f'{{ products(first: 2, after: "{c}") {{ nodes {{ id }} }} }}'} for c in FORGED),
    *({"query": f'{{ search(query: "shirt", first: 2, after: "{c}") {{ nodes {{ id }} }} }}'} for c in FORGED),
    {"query": '{ product(id: "UHJvZHVjdC8=") { id } }'},
    {"query": '{ categories(first: 1, parentId: "Q2F0ZWdvcnkv") { nodes { id } } }'},
    {"query": '{ search(query: "shirt", productFilters: [{price: {min: "NaN"}}]) { totalCount } }'},
    {"query": '{ search(query: "shirt", productFilters: [{price: {min: "1e999"}}]) { totalCount } }'},
    {"query": '{ predictiveSearch(query: "s", limit: 0) { queries { text } } }'},
    {"query": 'mutation { productUpdate(input: {id: "x"}) { userErrors { code } } }'},
    {"query": "{ __typename }", "variables": {"x": nested(40)}},
    {"query": "{ __typename }", "operationName": 5},
    {"query": ["{ __typename }"]},
    {"query": None},
    {"variables": {}},
    [{"query": "{ __typename }"}, {"query": "{ __typename }"}],
    "{ __typename }",
    42,
    None,
]


@pytest.mark.parametrize("body", MALFORMED_BODIES, ids=range(len(MALFORMED_BODIES)))
def test_malformed_requests_get_coded_errors(app: App, body: Any) -> None:
    for headers in (None, app.admin):
        assert_well_formed(app.post(body, headers=headers))


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("application/json", b"{"),
        ("application/json", b"\xff\xfe\x00"),
        ("application/json", b'{"query": "{ __typename }"' + b" " * 10 + b"}"),
        ("text/plain", b'{"query": "{ __typename }"}'),
        ("application/graphql", b"\x00\x01{ __typename }"),
        ("application/x-www-form-urlencoded", b"query=%7B__typename%7D"),
        ("multipart/form-data; boundary=x", b"--x\r\n\r\n--x--"),
        ("application/json; charset=utf-16", '{"query": "{ __typename }"}'.encode("utf-16")),
    ],
)
def test_wrong_media_types_and_broken_bodies_get_coded_errors(app: App, content_type: str, content: bytes) -> None:
    request = app.http.build_request("POST", "/graphql", content=content, headers={"content-type": content_type})
    assert_well_formed(app.send(request))


@pytest.mark.parametrize(
    "params",
    [
        {"query": "{ __typename }", "variables": '{"x":' + "[" * 254 + "]" * 254 + "}"},
        {"query": "{ __typename }", "variables": '{"x":' + "[" * 5000 + "]" * 5000 + "}"},
        {"query": "{ __typename }", "variables": "not json"},
        {"query": "{ __typename }", "extensions": '{"persistedQuery": {"version": 1, "sha256Hash": 5}}'},
        {"query": 'mutation { productUpdate(input: {id: "x"}) { userErrors { code } } }'},
        {"extensions": '{"persistedQuery": {"version": 1, "sha256Hash": "' + "0" * 64 + '"}}'},
        {"query": "{ products(first: 1) { nodes { title } } }", "variables": '{"f": 100, "junk": 1}'},
    ],
)
def test_malformed_get_requests_get_coded_errors(app: App, params: dict[str, str]) -> None:
    request = app.http.build_request("GET", "/graphql", params=params, headers={"accept": "application/json"})
    assert_well_formed(app.send(request))
