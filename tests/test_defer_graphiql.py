"""GraphiQL shows a deferred part arriving: the grid in the result pane first, the recommendations after.

Needs Chromium (``.ci/run`` installs it); driven over the DevTools protocol like ``test_graphiql_browser``.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
import websockets

from bff.app import create_app
from bff.graphiql import EXAMPLES
from tests.conftest import make_settings
from tests.defer_client import Watched, watching_the_recommender
from tests.stand_ins import free_port
from tests.test_graphiql_browser import DevTools, headless_chromium

DEFERRED = next(query for title, query, _ in EXAMPLES if "@defer" in title)


@pytest.fixture
def served(seeded_dir: Path) -> Iterator[tuple[str, Watched]]:
    with watching_the_recommender() as watched:
        settings = make_settings(seeded_dir, recommender_delay_seconds=3.0)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}", watched
        finally:
            server.should_exit = True
            thread.join(timeout=10)


async def watch_the_result(page: str, devtools: str, watched: Watched) -> list[tuple[str, int]]:
    """Run the deferred example; each distinct text of the result pane with the recommender's pending calls."""
    seen: list[tuple[str, int]] = []
    async with websockets.connect(devtools, max_size=None) as socket:
        tools = DevTools(socket)
        await tools.call("Page.navigate", url=page)
        await tools.settle(4)
        editor = "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"
        await tools.evaluate(f"{editor}.setValue({json.dumps(DEFERRED)})")
        await tools.settle(1)  # GraphiQL reads the operation name from the editor after a pause
        await tools.evaluate("document.querySelector('.graphiql-execute-button').click()")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            # The whole result (the pane's DOM holds only the lines in view).
            text = await tools.evaluate("document.querySelector('.result-window .CodeMirror').CodeMirror.getValue()")
            text = text or ""
            if not seen or seen[-1][0] != text:
                seen.append((text, watched.pending))
            if '"forYou"' in text:
                break
            await asyncio.sleep(0.05)
    return seen


async def test_graphiql_shows_the_grid_before_the_deferred_recommendations(served: tuple[str, Watched]) -> None:
    url, watched = served
    with headless_chromium() as devtools:
        seen = await watch_the_result(f"{url}/graphql", devtools, watched)

    grid_only = [(text, pending) for text, pending in seen if '"products"' in text and '"forYou"' not in text]
    assert grid_only, seen
    assert grid_only[0][1] == 1  # shown while the recommender had not answered
    last = json.loads(seen[-1][0])
    assert len(last["data"]["forYou"]["items"]) == 8 and len(last["data"]["products"]["nodes"]) == 12
