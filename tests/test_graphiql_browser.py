"""GraphiQL renders in a real browser with every request outside loopback refused.

Needs Chromium (``apt-get install chromium``; ``.ci/run`` installs it, so CI always runs this test); skipped
on a machine without it. ``tests/test_http.py`` checks on every machine that the page names only local assets.
The page is loaded more than once: the first load working says nothing about a reload.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

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
    with tempfile.TemporaryDirectory() as profile:
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
