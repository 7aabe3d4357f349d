"""Apollo Client (Node, ``tests/clients``) renders a deferred home page from a served BFF: the grid first,
while the delayed recommender is still pending, then the page with its recommendations."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
import orjson
import pytest
import uvicorn

from bff.app import create_app
from tests.conftest import make_settings
from tests.defer_client import watching_the_recommender
from tests.stand_ins import free_port
from tests.tools import require_tool

CLIENTS = Path(__file__).parent / "clients"
QUERY = """query Home {
  products(first: 6, sortKey: BEST_SELLING) { nodes { id title } }
  ...ForYou @defer(label: "forYou")
}
fragment ForYou on Query { forYou: recommendations(intent: FOR_YOU, first: 4) { source items { id title } } }"""


def client_packages() -> None:
    if not (CLIENTS / "node_modules" / "@apollo" / "client").is_dir():
        message = "the client packages are not installed (cd tests/clients && npm ci)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: CI must run this test")
        pytest.skip(message)


async def test_apollo_client_renders_the_grid_then_the_recommendations(history_dir: Path) -> None:
    node = require_tool("node", "nodejs", install="apt-get install nodejs npm")
    client_packages()
    port = free_port()
    with watching_the_recommender() as watched:
        settings = make_settings(history_dir, recommender_delay_seconds=2.0, recommender_rebuild_interval_seconds=0)
        server = uvicorn.Server(uvicorn.Config(create_app(settings), port=port, log_level="warning", lifespan="on"))
        serving = asyncio.create_task(server.serve())
        try:
            while not server.started:  # noqa: ASYNC110 - uvicorn.Server offers a flag, not an event
                await asyncio.sleep(0.05)
            url = f"http://127.0.0.1:{port}/graphql"
            script = await asyncio.create_subprocess_exec(
                node, "apollo_defer.mjs", url, QUERY, cwd=CLIENTS, stdout=asyncio.subprocess.PIPE
            )
            assert script.stdout is not None
            first = orjson.loads(await asyncio.wait_for(script.stdout.readline(), 120))
            pending_at_first_render = watched.pending
            rest = [orjson.loads(line) for line in (await asyncio.wait_for(script.stdout.read(), 120)).splitlines()]
            assert await script.wait() == 0
            async with httpx.AsyncClient() as http:
                plain = (await http.post(url, json={"query": QUERY.replace(' @defer(label: "forYou")', "")})).json()
        finally:
            server.should_exit = True
            await serving

    # The first render: the grid, no recommendations yet, and the recommender had not answered.
    assert first["dataState"] == "streaming"
    assert len(first["data"]["products"]["nodes"]) == 6
    assert "forYou" not in first["data"]
    assert pending_at_first_render == 1
    # The last render: the whole page, as the same query without @defer answers it.
    last = rest[-1]
    assert last["dataState"] == "complete"
    assert _without_typenames(last["data"]) == plain["data"]
    assert len(last["data"]["forYou"]["items"]) == 4


def _without_typenames(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_typenames(v) for k, v in value.items() if k != "__typename"}
    if isinstance(value, list):
        return [_without_typenames(v) for v in value]
    return value
