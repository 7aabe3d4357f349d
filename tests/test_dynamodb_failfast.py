"""DynamoDB unreachable or misconfigured: requests answer ``SERVICE_UNAVAILABLE`` within the catalog's deadline,
after the configured number of tries, with a message that names nothing of AWS (the cause is in the log)."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bff.backends.dynamodb_catalog import DynamoCatalogStore
from bff.backends.dynamodb_client import UNAVAILABLE_MESSAGE
from bff.backends.dynamodb_config import client_config, try_seconds
from bff.backends.registry import build_backends
from bff.errors import ServiceUnavailable
from bff.settings import CallPolicy
from tests.conftest import app_client, make_settings
from tests.stand_ins import AWS_ENV, free_port

# A 1 s deadline shared by 3 tries; short waits between them and no breaker, so every call makes every try.
POLICY = {
    "timeout_seconds": 1.0,
    "attempts": 3,
    "backoff_initial_seconds": 0.01,
    "backoff_max_seconds": 0.02,
    "breaker_failures": 0,
}
AWS_NAMES = ("Exception", "botocore", "ResourceNotFound", "ReadTimeout", "EndpointConnection", "dynamodb")


class SilentServer:
    """Accepts connections and never answers a byte: a DynamoDB endpoint that hangs. Counts connections."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.accepted = 0
        self.held: list[socket.socket] = []
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            self.held.append(conn)

    def __enter__(self) -> SilentServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.running = False
        self.thread.join(timeout=5)
        for conn in self.held:
            conn.close()
        self.sock.close()


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in AWS_ENV.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    with SilentServer() as server:
        yield server


def test_each_try_gets_its_share_of_the_deadline() -> None:
    policy = CallPolicy.model_validate(POLICY)
    config = client_config(policy)

    share = try_seconds(policy)
    assert share is not None
    # Three tries and the two longest waits fit in the deadline, with room for the work around them.
    assert 3 * share + 0.01 + 0.02 <= 0.95
    assert (config.connect_timeout, config.read_timeout) == (share, share)
    assert config.retries == {"mode": "standard", "max_attempts": 3}


@pytest.mark.usefixtures("aws_credentials")
async def test_a_closed_port_is_tried_as_configured_then_unavailable() -> None:
    policy = CallPolicy.model_validate(POLICY)
    store = await DynamoCatalogStore.open("t", "us-east-1", f"http://127.0.0.1:{free_port()}", policy=policy)
    tries: list[str] = []
    store.client.meta.events.register("before-send.dynamodb", lambda **kwargs: tries.append("try"))
    try:
        with pytest.raises(ServiceUnavailable) as raised:
            await store.get_products(["p1"])
    finally:
        await store.close()

    assert len(tries) == 3
    assert raised.value.message == UNAVAILABLE_MESSAGE


@pytest.mark.usefixtures("aws_credentials")
async def test_a_hanging_endpoint_answers_within_the_deadline_after_each_try(
    silent: SilentServer, tmp_path: Path
) -> None:
    settings = make_settings(
        tmp_path, catalog_backend="dynamodb", aws_endpoint_url=silent.url, call_policy={"catalog": POLICY}
    )
    async with build_backends(settings) as backends:
        before = silent.accepted
        with pytest.raises(ServiceUnavailable):
            await backends.catalog.get_products(["p1"])

        # One connection per try: botocore's tries, each cut by its read timeout, none by the deadline.
        assert silent.accepted - before == 3


@pytest.mark.usefixtures("aws_credentials")
async def test_a_request_to_a_hanging_catalog_answers_service_unavailable(silent: SilentServer, tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, catalog_backend="dynamodb", aws_endpoint_url=silent.url, call_policy={"catalog": POLICY}
    )
    app = app_client(settings)
    async with app as http:
        watch = app.state.backends.catalog_watch
        before, checks = silent.accepted, watch.checks
        response = await http.post("/graphql", json={"query": "{ products(first: 2) { nodes { id } } }"})
        body: dict[str, Any] = response.json()
        accepted, generation_reads = silent.accepted - before, watch.checks - checks

    catalog_calls = sum(n for name, n in body["extensions"]["backendCalls"].items() if name.startswith("catalog."))
    assert [e["extensions"]["code"] for e in body["errors"]] == ["SERVICE_UNAVAILABLE"]
    assert not [name for name in AWS_NAMES if name in response.text]
    assert catalog_calls >= 1
    # The request's own calls and the catalog watch's generation read (which belongs to no request): 3 tries each.
    assert accepted == 3 * (catalog_calls + generation_reads)


async def test_a_missing_table_names_no_aws_error_and_logs_the_cause(
    aws: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path, catalog_backend="dynamodb", aws_endpoint_url=aws, dynamodb_table="no-such")
    async with app_client(settings) as http:
        with caplog.at_level(logging.WARNING, logger="bff.dynamodb"):
            response = await http.post(
                "/graphql",
                json={"query": "{ products(first: 2) { nodes { id } } }"},
                headers={"x-request-id": "missing-table-1"},
            )
    body = response.json()

    assert [e["extensions"]["code"] for e in body["errors"]] == ["SERVICE_UNAVAILABLE"]
    assert body["errors"][0]["message"] == UNAVAILABLE_MESSAGE
    assert not [name for name in AWS_NAMES if name in response.text]
    logged = [r.getMessage() for r in caplog.records if "missing-table-1" in r.getMessage()]
    assert logged and all("ResourceNotFoundException" in line for line in logged)
