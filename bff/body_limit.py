"""``BodyLimitMiddleware``: a request body over the limit is refused with 413 while it streams in.

Starlette reads a body whole before anyone can look at its size, so a 100 MB POST used to cost 100 MB of
memory (and more, while it was joined) before the endpoint refused it. Here the ``http.request`` messages are
counted as the app receives them: past the limit the client gets its 413 at once, the app is told the client
went away, and the app reads nothing more. A ``Content-Length`` over the limit is refused before any of the
body is read. Every route is covered, not only ``/graphql``.

The connection is not closed: uvicorn reads whatever the client still sends and drops it unbuffered, so a
client that sends its whole body before reading (most do) still gets the 413 rather than a reset.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DISCONNECT: Message = {"type": "http.disconnect"}


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = refused = answered = False

        async def receive_counted() -> Message:
            nonlocal received, refused, answered
            if refused:
                return DISCONNECT
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = True
                    if not started:  # (an app that answered before reading just sees the client leave)
                        answered = True
                        await self._refuse(send)
                    return DISCONNECT
            return message

        async def send_unless_answered(message: Message) -> None:
            nonlocal started
            if answered:
                return  # the client has its 413; what the app answers a "disconnected" client is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, receive_counted, send_unless_answered)

    async def _refuse(self, send: Send) -> None:
        error = {"message": f"request body over {self.max_bytes} bytes", "extensions": {"code": "BAD_REQUEST"}}
        body = orjson.dumps({"errors": [error]})
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length itself
    return None
