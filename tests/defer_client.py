"""A request sent straight to the ASGI app, its body read chunk by chunk as the app sends it.

httpx's ASGI transport hands a response over once the app has finished; incremental delivery is about what
arrives before that, so these tests speak ASGI themselves: ``Streamed.next_chunk`` returns each body chunk as
it is sent, and ``disconnect`` is what a client closing its connection looks like to the app.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest
from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp, Message

from bff.backends.recommender_delay import DelayedRecommender
from bff.domain.recommendations import RecommendationRequest, Recommendations
from bff.settings import Settings
from tests.conftest import app_client

MULTIPART_ACCEPT = "multipart/mixed;deferSpec=20220824,application/json"
PART_HEAD = b"Content-Type: application/json; charset=utf-8\r\n\r\n"


@dataclass
class Watched:
    """The delayed recommender's calls: how many started, finished, were cancelled."""

    started: int = 0
    finished: int = 0
    cancelled: int = 0

    @property
    def pending(self) -> int:
        return self.started - self.finished - self.cancelled


@contextlib.contextmanager
def watching_the_recommender() -> Iterator[Watched]:
    """Count the delayed recommender stand-in's calls (apps created inside the block use the counting one)."""
    found = Watched()
    original = DelayedRecommender.recommend

    async def recommend(self: DelayedRecommender, requests: Sequence[RecommendationRequest]) -> list[Recommendations]:
        found.started += 1
        try:
            answer = await original(self, requests)
        except asyncio.CancelledError:
            found.cancelled += 1
            raise
        found.finished += 1
        return answer

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DelayedRecommender, "recommend", recommend)
        yield found


def patient_app(settings: Settings) -> app_client:
    """``app_client`` with room for a slow start (a busy machine building the recommender's model)."""
    app = app_client(settings)
    app.manager = LifespanManager(app.app, startup_timeout=60)
    return app


class Streamed:
    def __init__(
        self,
        app: ASGIApp,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        accept: str = MULTIPART_ACCEPT,
        method: str = "POST",
    ) -> None:
        self.app = app
        payload = {"query": query, "variables": variables}
        self.body = orjson.dumps(payload) if method == "POST" else b""
        self.query_string = b"" if method == "POST" else urlencode({"query": query}).encode()
        self.method = method
        self.accept = accept
        self.messages: asyncio.Queue[Message] = asyncio.Queue()
        self.gone = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.status = 0
        self.headers: dict[str, str] = {}

    def start(self) -> Streamed:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": self.method,
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": self.query_string,
            "root_path": "",
            "headers": [
                (b"host", b"bff"),
                (b"content-type", b"application/json"),
                (b"accept", self.accept.encode()),
                (b"content-length", str(len(self.body)).encode()),
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("bff", 80),
        }
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": self.body, "more_body": False}
            await self.gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            await self.messages.put(message)

        self.task = asyncio.ensure_future(self.app(scope, receive, send))
        return self

    async def next_chunk(self) -> bytes | None:
        """The next body chunk the app sent (waiting for it), or None once the response is complete."""
        while True:
            message = await self.messages.get()
            if message["type"] == "http.response.start":
                self.status = message["status"]
                self.headers = {k.decode(): v.decode() for k, v in message["headers"]}
                continue
            body: bytes = message.get("body", b"")
            if body or not message.get("more_body", False):
                return body if message.get("more_body", False) else (body or None)

    async def rest(self) -> bytes:
        chunks = []
        while (chunk := await self.next_chunk()) is not None:
            chunks.append(chunk)
        return b"".join(chunks)

    def disconnect(self) -> None:
        self.gone.set()

    async def finished(self) -> None:
        assert self.task is not None
        await self.task


def multipart_payloads(body: bytes) -> list[dict[str, Any]]:
    """The JSON parts of a multipart/mixed body (boundary ``-``), checking every delimiter on the way."""
    assert body.startswith(b"\r\n---\r\n"), body[:40]
    assert body.endswith(b"\r\n-----\r\n"), body[-40:]
    inner = body[len(b"\r\n---\r\n") : -len(b"\r\n-----\r\n")]
    parts = inner.split(b"\r\n---\r\n")
    found = []
    for part in parts:
        assert part.startswith(PART_HEAD), part[:60]
        found.append(orjson.loads(part[len(PART_HEAD) :]))
    return found


def chunk_payload(chunk: bytes) -> dict[str, Any]:
    """The one part a chunk holds (the multipart preamble and the delimiter after the part stripped)."""
    chunk = chunk.removeprefix(b"\r\n---\r\n")
    assert chunk.startswith(PART_HEAD), chunk[:60]
    body = chunk[len(PART_HEAD) :]
    for closing in (b"\r\n---\r\n", b"\r\n-----\r\n"):
        if body.endswith(closing):
            return dict(orjson.loads(body[: -len(closing)]))
    raise AssertionError(f"a part without its delimiter: {chunk[-40:]!r}")


def merge_parts(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """What a client makes of the parts: each incremental entry's data or items merged at its path."""
    data = payloads[0]["data"]
    for payload in payloads[1:]:
        for entry in payload.get("incremental", []):
            if "items" in entry:
                *parents, index = entry["path"]
                target = _walk(data, parents)
                assert len(target) == index, (len(target), entry["path"])
                target.extend(entry["items"] or [])
            elif entry.get("data") is not None:
                _deep_merge(_walk(data, entry["path"]), entry["data"])
    return dict(data)


def _walk(data: Any, path: list[Any]) -> Any:
    for key in path:
        data = data[key]
    return data


def _deep_merge(target: dict[str, Any], source: dict[str, Any]) -> None:
    for key, value in source.items():
        if isinstance(target.get(key), dict) and isinstance(value, dict):
            _deep_merge(target[key], value)
        else:
            target[key] = value
