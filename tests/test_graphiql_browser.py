"""GraphiQL renders in a real browser with every request outside loopback refused.

Runs where Chromium is installed (``apt-get install chromium``); skipped elsewhere, since a browser does not
come from PyPI. ``tests/test_http.py`` checks on every machine that the page names only local assets.
"""

from __future__ import annotations

import shutil
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

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


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


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_graphiql_renders_with_the_outside_network_refused(served: str) -> None:
    with urllib.request.urlopen(f"{served}/healthz", timeout=5) as response:
        assert response.status == 200
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            [
                str(CHROMIUM),
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
                "--virtual-time-budget=8000",
                "--dump-dom",
                f"{served}/graphql",
            ],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        ).stdout
    assert "graphiql-container" in dom, dom[:2000]
    assert "Loading GraphiQL" not in dom
