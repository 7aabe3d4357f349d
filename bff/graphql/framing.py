"""The bytes of an incremental response: ``multipart/mixed`` as Apollo and Shopify send it, or Server-Sent Events.

multipart (boundary ``-``, as Apollo Server and Shopify's Storefront API write it)::

    \\r\\n---\\r\\nContent-Type: application/json; charset=utf-8\\r\\n\\r\\n{"data":…,"hasNext":true}\\r\\n---
    \\r\\nContent-Type: application/json; charset=utf-8\\r\\n\\r\\n{"incremental":[…],"hasNext":false}\\r\\n-----\\r\\n

Each part is followed at once by the next delimiter (the last by the closing ``-----``), so a client parses a
part as soon as it arrives. Server-Sent Events follow the GraphQL-over-SSE proposal's "distinct connections
mode": one ``event: next`` per part, then ``event: complete``.

:class:`IncrementalResponse` sends the parts as they come and watches the connection meanwhile: when the client
goes away, the parts' iterator is closed, which cancels the work still pending.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from bff.graphql.incremental import Delivery

BOUNDARY = "-"
MULTIPART_TYPE = f'multipart/mixed; boundary="{BOUNDARY}"; deferSpec=20220824'
SSE_TYPE = "text/event-stream; charset=utf-8"
PART_HEADER = b"Content-Type: application/json; charset=utf-8\r\n\r\n"
MULTIPART_START = b"\r\n---\r\n"
SSE_COMPLETE = b"event: complete\ndata:\n\n"


def multipart_part(payload: dict[str, Any]) -> bytes:
    """One part and the delimiter after it: ``---`` when more follow, the closing ``-----`` after the last."""
    closing = b"\r\n---\r\n" if payload.get("hasNext") else b"\r\n-----\r\n"
    return PART_HEADER + orjson.dumps(payload) + closing


def sse_event(payload: dict[str, Any]) -> bytes:
    """One ``next`` event (orjson never writes a raw newline, so the payload is one ``data:`` line)."""
    return b"event: next\ndata: " + orjson.dumps(payload) + b"\n\n"


async def frames(parts: AsyncIterator[dict[str, Any]], how: Delivery) -> AsyncIterator[bytes]:
    """The bytes to send for ``parts``, one chunk per part (the multipart preamble with the first)."""
    first = True
    async for payload in parts:
        if how == "sse":
            yield sse_event(payload)
        else:
            yield (MULTIPART_START if first else b"") + multipart_part(payload)
        first = False
    if how == "sse":
        yield SSE_COMPLETE


def sse_answer(response: Response) -> Response:
    """A JSON answer given before execution (a refused document) as one ``next`` event and ``complete``.

    Other answers (GraphiQL's page, 429 with its ``Retry-After``) are HTTP's and stay as they are.
    """
    if response.status_code not in (200, 400) or not (response.media_type or "").endswith("json"):
        return response
    body = b"event: next\ndata: " + bytes(response.body) + b"\n\n" + SSE_COMPLETE
    return Response(body, 200, {"Cache-Control": "no-store", "Vary": "Accept"}, SSE_TYPE)


class IncrementalResponse(Response):
    """Streams ``parts`` in the client's framing; a disconnect closes them (pending work is cancelled)."""

    def __init__(
        self,
        parts: AsyncIterator[dict[str, Any]],
        how: Delivery,
        close: Callable[[], Awaitable[None]],
        headers: dict[str, str] | None = None,
    ) -> None:
        media_type = SSE_TYPE if how == "sse" else MULTIPART_TYPE
        super().__init__(None, 200, {"Cache-Control": "no-store", "Vary": "Accept", **(headers or {})}, media_type)
        # Its length is not known ahead: no Content-Length (the server frames the body as it goes).
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        self.parts = parts
        self.how = how
        self.close = close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sender = asyncio.ensure_future(self._send(send))
        watcher = asyncio.ensure_future(self._watch(receive))
        try:
            await asyncio.wait({sender, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (watcher, sender):
                task.cancel()
            await asyncio.gather(sender, watcher, return_exceptions=True)
            await self.close()  # when the parts never started, or stopped between two

    async def _send(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        chunks = frames(self.parts, self.how)
        try:
            async for chunk in chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            await chunks.aclose()  # type: ignore[attr-defined]
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    @staticmethod
    async def _watch(receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
