"""What an uncached GraphQL request costs before and around its data, in process:
``.venv/bin/python -m bench.request_ladder [--catalog retail] [--data-dir DIR]``.

Seeds the catalog as ``make bench`` does (``--data-dir`` keeps it for the next run), starts the BFF and the
floor over raw ASGI (no HTTP server: uvicorn's parsing and the socket are left out, the same for every
target), and sends, one at a time, a ladder of POSTs for the product page's product: no field at all
(``__typename``), the product's id (one read), its scalar fields, the page without its recommendations,
and the whole page; then the floor's product page and a bare Starlette route answering the page's bytes.
Each target gets ``--rounds`` rounds of ``--seconds`` in turn; the figure is the best round's CPU per
request (``time.process_time``: every thread), so a busy moment of a shared machine does not count.

The steps between rungs are what each part of the page costs the BFF; the first rung is what any
uncached request costs before it reads anything.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from itertools import cycle
from pathlib import Path
from typing import Any

import orjson
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.profile_page import per_request, post, seeded_environment
from bench.scenarios.product_page import DOCUMENT, PICK

PRODUCT_FIELDS = "id handle title description vendor productType tags availableForSale"


def rungs(handle: str) -> list[tuple[str, bytes]]:
    """The BFF's ladder: each rung's name and its request body."""
    without_recommendations = DOCUMENT.split("    recommendations")[0] + "  }\n}"
    documents = [
        ("no field (__typename)", "query T { __typename }"),
        ("the product's id", "query P($handle: String!) { product(handle: $handle) { id } }"),
        ("its scalar fields", f"query P($handle: String!) {{ product(handle: $handle) {{ {PRODUCT_FIELDS} }} }}"),
        ("the page without recommendations", without_recommendations),
        ("the whole product page", DOCUMENT),
    ]
    bodies = []
    for name, document in documents:
        variables = {"handle": handle} if "$handle" in document else {}
        bodies.append((name, orjson.dumps({"query": document, "variables": variables})))
    return bodies


async def main(catalog: str, products: int, seconds: float, rounds: int, kept: str | None) -> None:
    from bench.floor import create_floor
    from bff.app import create_app

    with tempfile.TemporaryDirectory() as temporary:
        await seeded_environment(Path(kept or temporary), catalog, products)
        async with (
            LifespanManager(create_app(), startup_timeout=120) as served,
            LifespanManager(create_floor(), startup_timeout=120) as floored,
        ):
            rows = await ladder(served.app, floored.app, seconds, rounds)
    print(f"product page, {catalog} catalog: CPU µs per request, one in flight (best of {rounds} x {seconds} s)")
    width = max(len(name) for name, _ in rows)
    for name, micros in rows:
        print(f"{name:<{width}}  {micros:7.0f}")


async def ladder(bff: Any, floor: Any, seconds: float, rounds: int) -> list[tuple[str, float]]:
    picked = orjson.loads(await post(bff, "/graphql", orjson.dumps({"query": PICK})))
    handle = picked["data"]["products"]["nodes"][0]["handle"]
    page_body = orjson.dumps({"query": DOCUMENT, "variables": {"handle": handle}, "operationName": "ProductPage"})
    page = orjson.loads(await post(bff, "/graphql", page_body))
    floored = orjson.loads(await post(floor, "/floor/product_page", page_body))
    assert page["data"] == floored["data"], "the BFF and the floor answer differently"
    page_bytes = orjson.dumps(page)

    async def bare_page(_: Request) -> Response:
        return Response(page_bytes, media_type="application/json")

    bare = Starlette(routes=[Route("/page", bare_page, methods=["POST"])])
    targets = [(name, bff, "/graphql", body) for name, body in rungs(handle)]
    targets.append(("the floor's whole page", floor, "/floor/product_page", page_body))
    targets.append(("a bare Starlette route (the page's bytes)", bare, "/page", b"{}"))
    for name, app, path, body in targets:
        answer = orjson.loads(await post(app, path, body))
        assert not answer.get("errors"), (name, answer["errors"])
    best = {name: float("inf") for name, *_ in targets}
    for _ in range(rounds):
        for name, app, path, body in targets:
            await per_request(app, path, cycle([body]), min(0.3, seconds))  # warm, then measure
            _, cpu, _ = await per_request(app, path, cycle([body]), seconds)
            best[name] = min(best[name], cpu)
    return list(best.items())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--catalog", choices=["generated", "retail"], default="retail")
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=1.5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data-dir", help="seed here once and reuse it (default: a new temporary dir)")
    args = parser.parse_args()
    asyncio.run(main(args.catalog, args.products, args.seconds, args.rounds, args.data_dir))
