"""The asyncio load generator: a pool of bodies sent once ends the run when spent; one that may wrap starts over."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from bench import load


@pytest.fixture
async def counting_server() -> AsyncIterator[tuple[int, Counter[bytes]]]:
    """An HTTP/1.1 keep-alive server answering 200 to every POST, counting the bodies it received."""
    received: Counter[bytes] = Counter()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.partition(b":")[2])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                received[await reader.readexactly(length)] += 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield port, received


BODIES = tuple(f'{{"n": {i}}}'.encode() for i in range(50))


@pytest.mark.parametrize("rate", [None, 2000.0])
async def test_a_pool_sent_once_ends_the_run_when_spent(
    counting_server: tuple[int, Counter[bytes]], rate: float | None
) -> None:
    port, received = counting_server
    request = load.HttpRequest("POST", "/graphql", bodies=BODIES, once=True)

    result = await load.run_asyncio("127.0.0.1", port, request, seconds=3.0, connections=4, rate=rate)

    assert result.requests == len(BODIES) and result.errors == 0
    assert set(received) == set(BODIES) and max(received.values()) == 1  # each exactly once
    assert result.seconds < 3.0  # ended by the pool, not the clock


async def test_a_pool_that_may_wrap_starts_over(counting_server: tuple[int, Counter[bytes]]) -> None:
    port, received = counting_server
    request = load.HttpRequest("POST", "/graphql", bodies=BODIES)

    result = await load.run_asyncio("127.0.0.1", port, request, seconds=0.3, connections=4)

    assert result.requests > len(BODIES) and set(received) == set(BODIES) and max(received.values()) > 1
