"""JSON bodies for the HTTP errors Starlette raises itself (no such path, method not allowed).

Every error the API answers has the GraphQL error shape, ``{"errors": [{"message", "extensions": {"code"}}]}``,
so a client reads a 404 from a mistyped path the way it reads a 400 from ``/graphql``.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ExceptionHandler

CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE"}


def error_body(message: str, code: str) -> dict[str, list[dict[str, object]]]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status == 404:
        message = f"nothing at {request.url.path}"
    elif status == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    else:
        message = exc.detail or HTTPStatus(status).phrase
    code = CODES.get(status, "BAD_REQUEST" if status < 500 else "INTERNAL_SERVER_ERROR")
    return JSONResponse(error_body(message, code), status, headers=exc.headers)


HANDLERS: Mapping[object, ExceptionHandler] = {HTTPException: http_exception}
