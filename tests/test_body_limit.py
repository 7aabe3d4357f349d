"""Request bodies are refused past ``BFF_MAX_BODY_BYTES`` while they stream in, on every route."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from tests.conftest import error_codes

LIMIT = 1_000_000  # the default BFF_MAX_BODY_BYTES
CHUNK = 64 * 1024


class StreamedBody:
    """A request body of ``size`` bytes sent in chunks, counting how much of it the app pulled."""

    def __init__(self, size: int, prefix: bytes = b"") -> None:
        self.size = size
        self.prefix = prefix
        self.consumed = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        sent = 0
        while sent < self.size:
            chunk = (self.prefix if sent == 0 else b"") + b" " * CHUNK
            chunk = chunk[: self.size - sent]
            sent += len(chunk)
            self.consumed = sent
            yield chunk


async def test_a_huge_body_is_refused_after_reading_at_most_the_limit(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    body = StreamedBody(20_000_000, prefix=b'{"query": "{ __typename }"')
    response = await client.post("/graphql", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 413
    assert error_codes(response.json()) == ["BAD_REQUEST"]
    assert response.json()["errors"][0]["message"] == f"request body over {LIMIT} bytes"
    assert body.consumed <= LIMIT + CHUNK
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # the endpoint saw a client leave


async def test_a_declared_length_over_the_limit_is_refused_before_reading(client: httpx.AsyncClient) -> None:
    for path in ("/graphql", "/healthz", "/no-such-route"):
        body = StreamedBody(5_000_000)
        headers = {"content-type": "application/json", "content-length": "5000000"}
        response = await client.post(path, content=body, headers=headers)

        assert response.status_code == 413, path
        assert error_codes(response.json()) == ["BAD_REQUEST"]
        assert body.consumed == 0, path


async def test_a_refusal_carries_cors_and_security_headers(client: httpx.AsyncClient) -> None:
    headers = {"content-type": "application/json", "origin": "http://localhost:3000"}
    response = await client.post("/graphql", content=StreamedBody(2 * LIMIT), headers=headers)

    assert response.status_code == 413
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_body_just_under_the_limit_runs(client: httpx.AsyncClient) -> None:
    document = orjson.dumps({"query": "{ __typename }"})
    padded = document[:-1] + b" " * (LIMIT - len(document)) + b"}"
    assert len(padded) == LIMIT
    response = await client.post("/graphql", content=padded, headers={"content-type": "application/json"})

    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}
