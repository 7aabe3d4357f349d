"""GraphQL errors as clients see them: the project's errors keep their code, anything else is masked."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from graphql import GraphQLError

from bff.errors import BffError

log = logging.getLogger("bff.errors")

# Validation failures that are about the values a client sent, not the shape of the document.
_INPUT_PHRASES = ("got invalid value", "Expected value of type", "does not exist in", "cannot represent")


def error_code(error: GraphQLError, *, syntax: bool = False) -> str:
    if syntax:
        return "GRAPHQL_PARSE_FAILED"
    if any(p in error.message for p in _INPUT_PHRASES):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def request_error(error: GraphQLError, code: str) -> dict[str, Any]:
    formatted = dict(error.formatted)
    formatted["extensions"] = {**(error.extensions or {}), "code": code}
    return formatted


def execution_error(error: GraphQLError, request_id: str) -> dict[str, Any]:
    """Shape one error raised while resolving; unexpected ones are logged with an id and masked."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        # graphql-core's own errors at execution time (variable coercion): the client's input.
        return request_error(error, "BAD_USER_INPUT")
    if isinstance(original, BffError):
        extensions: dict[str, Any] = {"code": original.code, **original.extensions}
        if original.field:
            extensions["field"] = original.field
        return {
            "message": original.message,
            "locations": _locations(error),
            "path": error.path,
            "extensions": extensions,
        }
    error_id = uuid.uuid4().hex
    log.error("unexpected error %s in %s (request %s)", error_id, error.path, request_id, exc_info=original)
    return {
        "message": "Internal error",
        "locations": _locations(error),
        "path": error.path,
        "extensions": {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
    }


def _locations(error: GraphQLError) -> list[dict[str, int]] | None:
    if not error.locations:
        return None
    return [{"line": loc.line, "column": loc.column} for loc in error.locations]
