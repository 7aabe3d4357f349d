"""More than one core: ``bff serve --workers N`` hands N to uvicorn, and the harness measures every worker."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from bench.servers import Server, descendants
from bff import cli


def test_serve_passes_the_worker_count_to_uvicorn(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append({"app": app, **kwargs}))
    result = CliRunner().invoke(cli.app, ["serve", "--workers", "2", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert calls[0]["workers"] == 2 and calls[0]["app"] == "bff.app:create_app" and calls[0]["factory"] is True

    calls.clear()
    monkeypatch.setenv("WEB_CONCURRENCY", "3")  # uvicorn's and gunicorn's variable
    assert CliRunner().invoke(cli.app, ["serve"]).exit_code == 0
    assert calls[0]["workers"] == 3

    assert CliRunner().invoke(cli.app, ["serve", "--workers", "0"]).exit_code != 0


@pytest.mark.slow
def test_a_served_target_with_two_workers_is_measured_whole_and_stops_whole(tmp_path: Path) -> None:
    env = {"BFF_ENV": "development", "BFF_DATA_DIR": str(tmp_path / "data"), "BFF_LOG_LEVEL": "WARNING"}
    server = Server("bff", env, tmp_path, workers=2)
    try:
        for _ in range(20):
            assert httpx.get(server.base_url + "/healthz", timeout=10).status_code == 200
        family = server.pids()
        rss = server.status("VmRSS")
        # uvicorn's supervisor and its two workers, each with its own memory (a short-lived process it spawned
        # may be listed and gone before its memory is read).
        assert len(family) >= 3 and 3 <= len(rss) <= len(family) and all(kb > 0 for kb in rss)
        assert server.cpu_seconds() > 0
    finally:
        server.stop()
    assert not [pid for pid in family if os.path.exists(f"/proc/{pid}") and pid in descendants(os.getpid())]
