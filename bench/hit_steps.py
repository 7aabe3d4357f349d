"""What a cache hit costs, step by step, in process: ``.venv/bin/python -m bench.hit_steps [--products N]``.

Seeds a generated catalog in a temporary data dir, starts the app as the bench serves it
(``BFF_EXPOSE_METRICS``, no rate limits, log level WARNING; the rate limit's spend is timed on its own),
registers ``cached_home``'s persisted query, and then times, over many repetitions each: the whole request
over ASGI (the fast path of ``bff.graphql.hot_hits``, and the whole way with it off), each step the whole
way walks through on a hit, and a bare Starlette JSON route for scale. No HTTP server: the figures leave
out uvicorn's parsing and the socket (the same for every target).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asgi_lifespan import LifespanManager
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message

if TYPE_CHECKING:
    from bff.graphql.endpoint import GraphQLEndpoint

from bench.runner import persisted_path
from bench.scenarios.cached_home import scenario

Step = Callable[[], Awaitable[Any]]


def scope_for(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    raw_path, _, query = path.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def request(app: ASGIApp, path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope_for(path, list(headers)), receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def timed(step: Step, repeat: int) -> float:
    """Microseconds per call (the best of three rounds: the machine is shared)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(repeat):
            await step()
        best = min(best, (time.perf_counter() - started) / repeat * 1e6)
    return best


async def seed(data_dir: Path, products: int) -> None:
    from bff.backends.registry import build_backends
    from bff.catalog_io import seed_catalog
    from bff.catalog_io.interaction_history import seed_interactions
    from bff.settings import Settings

    async with build_backends(Settings()) as backends:
        await seed_catalog(backends.catalog, products=products, seed=7, progress=False)
        await seed_interactions(backends.catalog, backends.embedded_model, seed=7)


async def main(products: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        env = {"BFF_ENV": "development", "BFF_DATA_DIR": data_dir, "BFF_EXPOSE_METRICS": "true"}
        env.update({"BFF_LOG_LEVEL": "WARNING", "BFF_GRAPHIQL": "false", "BFF_RATE_LIMIT": "false"})
        os.environ.update(env)
        await seed(Path(data_dir), products)
        rows = await measure(repeat)
    width = max(len(name) for name, _ in rows)
    print(f"cached_home, {products} products, µs per call (best of 3 x {repeat})")
    for name, micros in rows:
        print(f"{name:<{width}}  {micros:8.1f}")


async def measure(repeat: int) -> list[tuple[str, float]]:
    from bff.app import create_app
    from bff.settings import Settings

    variables = dict(scenario.variables or {})
    path = persisted_path(scenario, variables)
    headers = [(b"host", b"127.0.0.1:8000"), (b"accept", b"application/json")]
    rows: list[tuple[str, float]] = []

    async def ok(_: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    bare = Starlette(routes=[Route("/json", ok)])
    rows.append(("bare Starlette JSON route", await timed(lambda: request(bare, "/json", headers), repeat)))

    for fast in (True, False):
        app = create_app(Settings(response_cache_fast_path=fast))
        async with LifespanManager(app, startup_timeout=120) as manager:
            await request(manager.app, persisted_path(scenario, variables, with_query=True), headers)
            status, body = await request(manager.app, path, headers)
            assert status == 200 and b'"cache.get_many":1' in body, body[:200]
            name = "whole request, fast path" if fast else "whole request, the whole way"
            served = manager.app
            rows.append((name, await timed(lambda: request(served, path, headers), repeat)))  # noqa: B023
            if not fast:
                rows += await steps(app.state.graphql, path, headers, repeat)
    return rows


async def steps(
    endpoint: GraphQLEndpoint, path: str, headers: list[tuple[bytes, bytes]], repeat: int
) -> list[tuple[str, float]]:
    """Each step of the whole way on a hit, timed alone."""
    from bff.graphql.endpoint import Exchange, _response_type
    from bff.graphql.http import parse_get
    from bff.graphql.throttle import Bucket, Throttle, client_key
    from bff.graphql.variables import undeclared_variables
    from bff.metrics import start_request

    assert endpoint.responses is not None
    responses = endpoint.responses
    http_request = Request(scope_for(path, headers))
    exchange = Exchange(http_request, _response_type(http_request), start_request())
    gql = parse_get(http_request, endpoint.input_limits)
    resolved = await endpoint.persisted.resolve(gql)
    assert resolved.query is not None
    compiled = endpoint.documents.get(resolved.query, resolved.digest)
    assert compiled.document is not None
    operation = await endpoint.document(exchange, gql)
    key = responses.key(http_request, compiled.hash, gql.operation_name, gql.variables, exchange.media_type)
    hit, _ = await responses.get(key)
    assert hit is not None and exchange.cost is not None
    # The bench runs without rate limits (one load generator is one client): timed here on its own.
    throttle = Throttle.from_url(None, Bucket(10**9, 10**9), Bucket(10**9, 10**9))

    requested, report = exchange.cost.requested, exchange.cost.report()

    def fresh() -> Request:
        return Request(scope_for(path, headers))

    async def read() -> Any:
        return parse_get(fresh(), endpoint.input_limits)

    async def steps_document() -> Any:
        return await endpoint.document(exchange, gql)

    async def whole_endpoint() -> Any:
        return await endpoint(fresh())

    async def resolve() -> Any:
        return await endpoint.persisted.resolve(gql)

    async def document_get() -> Any:
        return endpoint.documents.get(resolved.query or "", resolved.digest)

    async def undeclared() -> Any:
        return undeclared_variables(compiled.document, gql.operation_name, gql.variables)  # type: ignore[arg-type]

    async def cost() -> Any:
        return endpoint.documents.cost(compiled, gql.operation_name, gql.variables)

    async def applies() -> Any:
        return responses.applies(http_request, compiled.hash, operation.document, gql.operation_name)

    async def make_key() -> Any:
        return responses.key(fresh(), compiled.hash, gql.operation_name, gql.variables, exchange.media_type)

    async def cache_read() -> Any:
        return await responses.get(key)

    async def spend() -> Any:
        return await throttle.spend(client_key(http_request, []), requested, False)

    async def watch() -> Any:
        return await endpoint.state.backends.catalog_watch.check()

    async def respond() -> Any:
        return responses.respond(fresh(), hit, exchange.media_type, {"cost": report})

    return [
        ("  endpoint alone (no middleware, no routing)", await timed(whole_endpoint, repeat)),
        ("  read: query parameters, variables, extensions", await timed(read, repeat)),
        ("  document: all of the step below", await timed(steps_document, repeat)),
        ("    persisted-query lookup", await timed(resolve, repeat)),
        ("    document cache lookup", await timed(document_get, repeat)),
        ("    undeclared variables", await timed(undeclared, repeat)),
        ("    cost (remembered)", await timed(cost, repeat)),
        ("  spend: rate limit (in-memory)", await timed(spend, repeat)),
        ("  catalog watch check", await timed(watch, repeat)),
        ("  public? (remembered)", await timed(applies, repeat)),
        ("  key: JSON + SHA-256", await timed(make_key, repeat)),
        ("  cache read (port, instrumented)", await timed(cache_read, repeat)),
        ("  respond: ETag, extensions, Response", await timed(respond, repeat)),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(main(args.products, args.repeat))
