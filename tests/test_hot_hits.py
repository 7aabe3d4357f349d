"""The fast path of cache hits (``bff.graphql.hot_hits``): the whole way's answer, header by header, with less work.

Each comparison runs the same requests against two apps over the same catalog, the fast path on and off, and
counts the requests that entered Starlette's middleware: a hit answered by the fast path never does.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import itertools
import logging
import shutil
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp, Receive, Scope, Send

from bff.app import StorefrontApp, create_app
from bff.domain.catalog import ProductRecord
from bff.graphql.hit_memo import MAX_BYTES, MAX_PLANS, MAX_QUERY_STRING_BYTES, HitMemo, HitPlan
from bff.graphql.hot_hits import deflated, gzip_member
from bff.settings import Settings
from bff.state import AppState
from tests.conftest import make_settings

HOME = "query Home($first: Int!) { products(first: $first, sortKey: ID) { nodes { id title handle } } }"
SMALL = "{ products(first: 1, sortKey: ID) { nodes { id } } }"
ALLOWED_ORIGIN = "http://localhost:3000"


class Counted:
    """Counts the requests that reach the app's middleware stack (the whole way)."""

    def __init__(self) -> None:
        self.whole_way = 0


@dataclasses.dataclass
class Running:
    http: httpx.AsyncClient
    app: StorefrontApp
    counted: Counted

    @property
    def state(self) -> AppState:
        state: AppState = self.app.state.bff
        return state


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Running]:
    app = create_app(settings)
    counted = Counted()
    async with LifespanManager(app, startup_timeout=60) as manager:  # (a first start-up on a busy machine)
        app.middleware_stack = _counting(app.build_middleware_stack(), counted)
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff") as http:
            yield Running(http, app, counted)


def _counting(inner: ASGIApp, counted: Counted) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            counted.whole_way += 1
        await inner(scope, receive, send)

    return app


def persisted(query: str, variables: dict[str, Any] | None, operation: str | None = None) -> dict[str, str]:
    """Apollo's APQ link over GET: the hash only."""
    digest = hashlib.sha256(query.encode()).hexdigest()
    params = {"extensions": orjson.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}}).decode()}
    if variables is not None:
        params["variables"] = orjson.dumps(variables).decode()
    if operation:
        params["operationName"] = operation
    return params


def comparable(response: httpx.Response) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers in order and decoded body; aside: the request id's value (each request has its own)
    and a gzipped body's length (the same JSON, compressed in two steps: checked on its own below)."""
    gzipped = response.headers.get("content-encoding") == "gzip"
    aside = {b"x-request-id", b"content-length"} if gzipped else {b"x-request-id"}
    headers = [(k, b"<aside>" if k.lower() in aside else v) for k, v in response.headers.raw]
    return response.status_code, headers, response.content


VARIANTS: dict[str, dict[str, str]] = {
    "plain": {"accept": "application/json", "accept-encoding": "identity"},
    "gzip": {"accept": "application/json", "accept-encoding": "gzip, deflate"},
    "graphql-response": {"accept": "application/graphql-response+json", "accept-encoding": "identity"},
    "allowed origin": {"accept": "application/json", "origin": ALLOWED_ORIGIN, "accept-encoding": "gzip"},
    "other origin": {"accept": "application/json", "origin": "https://elsewhere.example"},
    "request id": {"x-request-id": "checkout-7f3a"},
}


@pytest.fixture
def data_dir(seeded_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(seeded_dir, tmp_path / "data"))


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("document", ["large", "small"])
async def test_a_hit_is_answered_as_the_whole_way_answers_it(seeded_dir: Path, variant: str, document: str) -> None:
    headers = VARIANTS[variant]
    query, variables = (HOME, {"first": 24}) if document == "large" else (SMALL, None)
    answers: dict[bool, list[tuple[int, list[tuple[bytes, bytes]], bytes]]] = {}
    whole_way: dict[bool, int] = {}
    for fast in (False, True):
        async with running(make_settings(seeded_dir, response_cache_fast_path=fast)) as bff:
            register = {**persisted(query, variables), "query": query}
            assert (await bff.http.get("/graphql", params=register, headers=headers)).status_code == 200
            # The first hash-only GET is a hit the whole way answers (its query string is new to the server).
            assert (await bff.http.get("/graphql", params=persisted(query, variables), headers=headers)).is_success
            before = bff.counted.whole_way
            hits = [await bff.http.get("/graphql", params=persisted(query, variables), headers=headers)]
            tag = hits[0].headers["etag"]
            hits.append(await bff.http.get("/graphql", params=persisted(query, variables), headers=headers))
            revalidated = {**headers, "if-none-match": tag}
            hits.append(await bff.http.get("/graphql", params=persisted(query, variables), headers=revalidated))
            answers[fast] = [comparable(r) for r in hits]
            whole_way[fast] = bff.counted.whole_way - before

    assert answers[True] == answers[False]
    assert [status for status, _, _ in answers[True]] == [200, 200, 304]
    assert whole_way == {False: 3, True: 0}


async def test_the_gzip_body_is_one_member_that_any_decoder_reads(seeded_dir: Path) -> None:
    async with running(make_settings(seeded_dir)) as bff:
        params = {"query": HOME, "variables": orjson.dumps({"first": 24}).decode()}
        await bff.http.get("/graphql", params=params)
        raw = []
        for _ in range(2):  # the compressor's state is made once and copied: twice must give the same
            async with bff.http.stream("GET", "/graphql", params=params, headers={"accept-encoding": "gzip"}) as r:
                assert r.headers["content-encoding"] == "gzip"
                raw.append(b"".join([chunk async for chunk in r.aiter_raw()]))
                assert r.headers["content-length"] == str(len(raw[-1]))
        assert bff.counted.whole_way == 1

    body = orjson.loads(gzip.decompress(raw[0]))
    assert len(body["data"]["products"]["nodes"]) == 24
    assert body["extensions"]["backendCalls"] == {"total": 1, "cache.get_many": 1}
    assert gzip.decompress(raw[1]) == gzip.decompress(raw[0])
    assert raw[0][:3] == b"\x1f\x8b\x08"


async def test_a_miss_goes_the_whole_way_reading_the_cache_once(data_dir: Path) -> None:
    async with running(make_settings(data_dir)) as bff:
        params = {"query": SMALL}
        first = await bff.http.get("/graphql", params=params)
        catalog = bff.state.backends.catalog
        product_id = first.json()["data"]["products"]["nodes"][0]["id"]
        product = (await catalog.get_products(["demo-00001"]))[0]
        variants = (await catalog.get_variants_by_product([product.id]))[0]
        renamed = dataclasses.replace(product, title="Renamed while cached")
        await catalog.upsert_products([ProductRecord(product=renamed, variants=tuple(variants))])
        before = bff.counted.whole_way
        after = await bff.http.get("/graphql", params=params)
        again = await bff.http.get("/graphql", params=params)

    assert product_id  # the cached answer named a product
    calls = after.json()["extensions"]["backendCalls"]
    assert calls["cache.get_many"] == 1  # the fast path's read, handed on: not read again
    assert calls.get("catalog.list_products") == 1  # executed: the write retired the entry
    assert bff.counted.whole_way - before == 1  # the miss; the next request is a hit again
    assert again.json()["extensions"]["backendCalls"] == {"total": 1, "cache.get_many": 1}


async def test_signed_in_requests_and_bodies_go_the_whole_way(seeded_dir: Path) -> None:
    async with running(make_settings(seeded_dir)) as bff:
        params = {"query": SMALL}
        await bff.http.get("/graphql", params=params)
        before = bff.counted.whole_way
        signed = await bff.http.get("/graphql", params=params, headers={"authorization": "Bearer not-a-token"})
        with_body = await bff.http.request("GET", "/graphql", params=params, content=b"{}")
        unseen = await bff.http.get("/graphql", params={"query": SMALL + " "})

    assert signed.status_code == 401
    assert signed.headers["cache-control"] == "no-store"
    assert with_body.status_code == 200
    assert unseen.status_code == 200
    assert bff.counted.whole_way - before == 3


async def test_a_hit_spends_from_the_rate_limit_and_the_whole_way_refuses_past_it(seeded_dir: Path) -> None:
    settings = make_settings(seeded_dir, rate_limit=True, rate_limit_capacity=10, rate_limit_restore_rate=1)
    async with running(settings) as bff:
        params = {"query": SMALL}
        answers = [await bff.http.get("/graphql", params=params) for _ in range(12)]

    statuses = [r.status_code for r in answers]
    spent = [r.json()["extensions"]["cost"]["throttleStatus"] for r in answers if r.is_success]
    available = [status["currentlyAvailable"] for status in spent]
    cost = answers[0].json()["extensions"]["cost"]["requestedQueryCost"]
    assert cost >= 1
    assert 429 in statuses
    # Every answer, hits included, paid: the bucket went down each time, and no more were served than it held.
    assert len(available) <= 10 // cost
    assert all(later < earlier for earlier, later in itertools.pairwise(available))
    assert answers[statuses.index(429)].headers["retry-after"]


async def test_the_access_log_and_request_id_of_a_hit(seeded_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with running(make_settings(seeded_dir)) as bff:
        await bff.http.get("/graphql", params={"query": SMALL})
        with caplog.at_level(logging.INFO, logger="bff.access"):
            hit = await bff.http.get("/graphql", params={"query": SMALL}, headers={"x-request-id": "abc-123"})
            made = await bff.http.get("/graphql", params={"query": SMALL}, headers={"x-request-id": "bad id!"})
        assert bff.counted.whole_way == 1

    assert hit.headers["x-request-id"] == "abc-123"
    assert made.headers["x-request-id"] not in ("bad id!", "abc-123")
    lines = [r.getMessage() for r in caplog.records if r.name == "bff.access"]
    assert any(line.startswith("GET /graphql 200 ") and "request_id=abc-123" in line for line in lines)


@pytest.mark.parametrize("suffix_bytes", [0, 1, 300, 65_535, 65_536, 140_000])
def test_a_gzip_member_from_a_deflated_start_and_stored_blocks_decodes_whole(suffix_bytes: int) -> None:
    start = b'{"data":{"products":[' + b'{"title":"shirt"},' * 500
    suffix = bytes(range(256)) * (suffix_bytes // 256) + bytes(range(suffix_bytes % 256))
    member = gzip_member(deflated(start, 9), suffix)
    assert gzip.decompress(member) == start + suffix
    streaming = zlib.decompressobj(zlib.MAX_WBITS | 16)  # as httpx and browsers read it: one member
    assert streaming.decompress(member) == start + suffix
    assert streaming.eof and streaming.unused_data == b""


def test_the_memo_is_bounded() -> None:
    memo = HitMemo(["X-Currency"])
    plan = HitPlan("resp:v1:k", "application/json", None)
    for n in range(MAX_PLANS + 10):
        memo.learn((str(n).encode(), b"", (b"",)), plan)
    assert 0 < len(memo) <= MAX_PLANS
    memo = HitMemo()
    longest = b"q" * MAX_QUERY_STRING_BYTES
    for n in range(3 * MAX_BYTES // MAX_QUERY_STRING_BYTES):
        memo.learn((longest[: -len(str(n))] + str(n).encode(), b"", ()), plan)
    assert 0 < memo.size_bytes <= MAX_BYTES
    memo.learn((longest + b"more", b"", ()), plan)
    assert memo.find((longest + b"more", b"", ())) is None  # too long to remember: it goes the whole way
    key = HitMemo(["X-Currency"]).key_of_headers(b"q", [(b"accept", b"a"), (b"x-currency", b"EUR"), (b"accept", b"b")])
    assert key == (b"q", b"a", (b"EUR",))
