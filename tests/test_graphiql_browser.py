"""GraphiQL renders in a real browser with every request outside loopback refused, and runs under the CSP.

Needs Chromium (``apt-get install chromium``; ``.ci/run`` installs it, so CI always runs this test); skipped
on a machine without it. ``tests/test_http.py`` checks on every machine that the page names only local assets.
The page is loaded more than once: the first load working says nothing about a reload. The second test
drives the page over the DevTools protocol (opens GraphiQL's dialogs, runs the first example) and reads the
browser's log: the Content-Security-Policy must block nothing the page does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import websockets

from bff.app import create_app
from tests.conftest import make_settings
from tests.stand_ins import free_port
from tests.tools import require_tool


@pytest.fixture
def served(seeded_dir: Path) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(create_app(make_settings(seeded_dir)), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def render(chromium: str, url: str) -> str:
    """The DOM of ``url`` after scripts ran, in a fresh headless browser profile."""
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:  # Chromium helpers may still write
        return subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                # Everything but loopback goes to a closed port: a CDN link would fail to load.
                "--proxy-server=http://127.0.0.1:9",
                f"--user-data-dir={profile}",
                "--virtual-time-budget=30000",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        ).stdout


def test_graphiql_renders_again_and_again_with_the_outside_network_refused(served: str) -> None:
    chromium = require_tool("chromium", "chromium-browser", install="apt-get install chromium")
    with urllib.request.urlopen(f"{served}/healthz", timeout=5) as response:
        assert response.status == 200

    doms = [render(chromium, f"{served}/graphql") for _ in range(2)]

    for load, dom in enumerate(doms, 1):
        assert "graphiql-container" in dom, f"load {load}: {dom[:2000]}"
        assert "Loading GraphiQL" not in dom, f"load {load}"


class DevTools:
    """The least of the Chrome DevTools protocol: call a method, keep the log entries that arrive meanwhile."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.calls = 0
        self.log: list[str] = []

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.calls += 1
        await self.socket.send(json.dumps({"id": self.calls, "method": method, "params": params}))
        while True:
            message = json.loads(await self.socket.recv())
            if message.get("id") == self.calls:
                result: dict[str, Any] = message.get("result", {})
                return result
            self._keep(message)

    async def evaluate(self, expression: str) -> Any:
        return (await self.call("Runtime.evaluate", expression=expression, returnByValue=True))["result"].get("value")

    async def settle(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                self._keep(json.loads(await asyncio.wait_for(self.socket.recv(), 0.2)))

    def _keep(self, message: dict[str, Any]) -> None:
        if message.get("method") == "Log.entryAdded":
            self.log.append(message["params"]["entry"]["text"])


async def run_the_first_example(page: str, devtools: str) -> tuple[str, list[str]]:
    """Open GraphiQL's dialogs (each adds a scroll lock), run the first example: its result and the log."""
    async with websockets.connect(devtools, max_size=None) as socket:
        tools = DevTools(socket)
        await tools.call("Log.enable")
        await tools.call("Page.navigate", url=page)
        await tools.settle(4)
        for label in ("Open settings dialog", "Open short keys dialog"):
            await tools.evaluate(f"document.querySelector('[aria-label=\"{label}\"]').click()")
            await tools.settle(0.5)
            await tools.evaluate("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'}))")
        await tools.evaluate("document.querySelector('.graphiql-execute-button').click()")
        await tools.settle(3)
        result = await tools.evaluate("document.querySelector('.result-window').innerText")
    return str(result), tools.log


def page_target(port: int) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as listing:
                pages = [t for t in json.load(listing) if t["type"] == "page"]
            if pages:
                return str(pages[0]["webSocketDebuggerUrl"])
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("Chromium's DevTools did not answer")


@contextlib.contextmanager
def headless_chromium() -> Iterator[str]:
    """A headless Chromium with the outside network refused (a dead proxy); yields its DevTools page socket."""
    chromium = require_tool("chromium", "chromium-browser", install="apt-get install chromium")
    port = free_port()
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:  # Chromium helpers may still write
        browser = subprocess.Popen(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--proxy-server=http://127.0.0.1:9",
                f"--user-data-dir={profile}",
                f"--remote-debugging-port={port}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            yield page_target(port)
        finally:
            browser.terminate()
            browser.wait(timeout=10)


def test_graphiql_runs_a_query_with_nothing_blocked_by_the_csp(served: str) -> None:
    with headless_chromium() as devtools:
        result, log = asyncio.run(run_the_first_example(f"{served}/graphql", devtools))

    assert '"products"' in result and '"edges"' in result and '"errors"' not in result, result
    assert [line for line in log if "Content Security Policy" in line] == []
