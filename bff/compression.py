"""Gzip for responses, with validators that stay true to the bytes sent.

Starlette's ``GZipMiddleware`` compresses a body but keeps its ``ETag``: a strong validator would then name
two different byte sequences (the plain and the gzip body). Like nginx, a compressed response gets the weak
form of the tag (``W/"..."``); ``If-None-Match`` compares weakly, so revalidation still finds it.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware as StarletteGZip
from starlette.types import Message, Receive, Scope, Send


class GZipMiddleware(StarletteGZip):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return

        async def send_weakened(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message.get("headers", [])))
                etag = headers.get("etag")
                if etag and "content-encoding" in headers and not etag.startswith("W/"):
                    headers["etag"] = "W/" + etag
                    message = {**message, "headers": headers.raw}
            await send(message)

        await super().__call__(scope, receive, send_weakened)
