"""Where a page's CPU goes, in process: ``.venv/bin/python -m bench.profile_page home --catalog retail``.

Seeds the catalog in a temporary data dir as ``make bench`` does, starts the BFF and the floor (over ASGI, no
HTTP server), prepares the scenario's variables, checks both answer the same, then sends the scenario's
request to each in turn for ``--seconds`` and prints microseconds per request. Attach a sampling
profiler once it says it is measuring (start-up left out), e.g.
``py-spy record --pid PID --duration 20 -o home.svg`` for ``... home --catalog retail --only bff --seconds 30``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from itertools import cycle, islice
from pathlib import Path
from typing import Any

import httpx
import orjson
from asgi_lifespan import LifespanManager

from bench import runner
from bench.scenarios import Scenario, load


async def post(app: Any, path: str, body: bytes) -> bytes:
    """One POST over raw ASGI (httpx's transport costs more than the app does)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"accept", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return b"".join(m.get("body", b"") for m in sent[1:])


async def per_request(
    app: Any, path: str, bodies: Iterator[bytes], seconds: float, concurrency: int = 1
) -> tuple[float, float, float]:
    """Wall-clock, CPU (every thread of the process) and the event loop's thread's CPU, in microseconds per
    request, ``concurrency`` in flight;
    each request sends the next of ``bodies`` (until the time is up or they run out)."""
    count, started, cpu, loop_cpu = 0, time.perf_counter(), time.process_time(), time.thread_time()

    async def client() -> None:
        nonlocal count
        for body in bodies:
            await post(app, path, body)
            count += 1
            if time.perf_counter() - started >= seconds:
                return

    await asyncio.gather(*(client() for _ in range(concurrency)))
    spent = [time.perf_counter() - started, time.process_time() - cpu, time.thread_time() - loop_cpu]
    return (spent[0] / count * 1e6, spent[1] / count * 1e6, spent[2] / count * 1e6)


async def seeded_environment(data_dir: Path, catalog: str, products: int) -> None:
    """This process's environment set as the bench serves the BFF (``data_dir`` its data dir), and the catalog
    seeded there unless it already was (a kept data dir is seeded once: a profile then samples only the
    requests)."""
    env = {"BFF_ENV": "development", "BFF_DATA_DIR": str(data_dir), "BFF_EXPOSE_METRICS": "true"}
    env.update({"BFF_LOG_LEVEL": "WARNING", "BFF_GRAPHIQL": "false", "BFF_RATE_LIMIT": "false"})
    env["BFF_ORDER_WORKER_IN_APP"] = "false"
    os.environ.update(env)
    seeded = data_dir / "seeded"
    if not seeded.exists():
        print(await runner.seed(catalog, products, env), file=sys.stderr)
        seeded.touch()


async def main(
    scenario: Scenario,
    catalog: str,
    products: int,
    seconds: float,
    only: str | None,
    kept: str | None,
    concurrency: int = 1,
    pool: int = 4000,
    cprofile: str | None = None,
) -> None:
    from bench.floor import create_floor
    from bff.app import create_app

    with tempfile.TemporaryDirectory() as temporary:
        await seeded_environment(Path(kept or temporary), catalog, products)
        bff, floor = create_app(), create_floor()
        async with (
            LifespanManager(bff, startup_timeout=120) as served,
            LifespanManager(floor, startup_timeout=120) as floored,
        ):
            transport = httpx.ASGITransport(app=served.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bff") as http:

                async def probe(document: str, variables: dict[str, Any]) -> dict[str, Any]:
                    response = await http.post("/graphql", json={"query": document, "variables": variables})
                    decoded: dict[str, Any] = response.json()
                    return decoded

                variables = dict(scenario.variables)
                if scenario.prepare is not None:
                    variables.update(await scenario.prepare(probe))
                if scenario.variables_pool is not None:  # (each set sent once: a second time is a retry)
                    sets = await scenario.variables_pool(probe, pool)
                    bodies = [runner.graphql_body(scenario, {**variables, **v}) for v in sets]
                else:
                    bodies = [runner.graphql_body(scenario, variables)]
            pooled = scenario.variables_pool is not None
            halves = {"bff": bodies[0::2], "floor": bodies[1::2]} if pooled else {"bff": bodies, "floor": bodies}
            feeds = {name: iter(share) if pooled else cycle(share) for name, share in halves.items()}
            floor_path = f"/floor/{scenario.reference or scenario.name}"
            answered = orjson.loads(await post(served.app, "/graphql", next(feeds["bff"])))
            assert not answered.get("errors"), answered["errors"]
            targets = [("bff", served.app, "/graphql")]
            if only != "bff":  # (a mutation such as add_to_cart has no floor)
                floored_answer = orjson.loads(await post(floored.app, floor_path, next(feeds["floor"])))
                assert answered["data"] == floored_answer["data"], "the BFF and the floor answer differently"
                targets.append(("floor", floored.app, floor_path))
            for name, app, path in targets:
                if only in (None, name):
                    warm = islice(feeds[name], 200) if pooled else feeds[name]
                    await per_request(app, path, warm, min(1.0, seconds), concurrency)
                    print(f"{name}: measuring for {seconds} s (pid {os.getpid()})", flush=True)
                    profiler = cProfile.Profile() if cprofile else None  # (the event loop's thread only)
                    if profiler is not None:
                        profiler.enable()
                    wall, cpu, loop = await per_request(app, path, feeds[name], seconds, concurrency)
                    if profiler is not None:
                        profiler.disable()
                        profiler.dump_stats(f"{cprofile}.{name}")
                    print(
                        f"{name}: {wall:.0f} µs per request, {cpu:.0f} µs of CPU, {loop:.0f} of them on the event"
                        f" loop's thread, {cpu - loop:.0f} on others ({concurrency} in flight)"
                    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario")
    parser.add_argument("--catalog", choices=["generated", "retail"], default="retail")
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--only", choices=["bff", "floor"])
    parser.add_argument("--data-dir", help="seed here once and reuse it (default: a new temporary dir)")
    parser.add_argument("--concurrency", type=int, default=1, help="requests in flight at once")
    parser.add_argument("--pool", type=int, default=4000, help="variable sets a pooled scenario prepares")
    parser.add_argument("--cprofile", help="write cProfile stats of the event loop's thread to PATH.bff/.floor")
    args = parser.parse_args()
    (chosen,) = load([args.scenario])
    options = (args.only, args.data_dir, args.concurrency, args.pool, args.cprofile)
    asyncio.run(main(chosen, args.catalog, args.products, args.seconds, *options))
