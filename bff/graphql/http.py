"""GraphQL-over-HTTP request parsing: POST (JSON or ``application/graphql``) and GET.

``variables`` and ``extensions`` are bounded as they are parsed (``InputLimits``): how deep lists and objects
nest and how many values they hold in all. Everything after parsing walks them (coercion, the response
cache's key), and a 254-level list used to reach the JSON encoder's recursion limit as an HTTP 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.requests import Request

from bff.errors import BffError


class RequestError(BffError):
    """The HTTP request itself is unusable: answered with its status and a JSON error body."""

    code = "BAD_REQUEST"

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class InputTooLarge(RequestError):
    """``variables`` or ``extensions`` nest too deep or hold too many values."""

    code = "BAD_USER_INPUT"


@dataclass(frozen=True, slots=True)
class InputLimits:
    """``BFF_MAX_VARIABLE_DEPTH`` and ``BFF_MAX_VARIABLE_VALUES``; their total bytes are the body limit's."""

    max_depth: int = 32
    max_values: int = 10_000


DEFAULT_LIMITS = InputLimits()


@dataclass(slots=True)
class GraphQLRequest:
    query: str | None
    variables: dict[str, Any] | None = None
    operation_name: str | None = None
    extensions: dict[str, Any] = field(default_factory=dict)


def _object(value: Any, name: str, limits: InputLimits) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RequestError(f"`{name}` must be a JSON object")
    check_bounds(value, name, limits)
    return value


def check_bounds(value: dict[str, Any], name: str, limits: InputLimits) -> None:
    """Refuse ``value`` (a request's ``variables`` or ``extensions``) past ``limits``; a loop, not recursion."""
    count = 0
    pending: list[tuple[Any, int]] = [(v, 1) for v in value.values()]
    while pending:
        item, depth = pending.pop()
        count += 1
        if count > limits.max_values:
            raise InputTooLarge(f"`{name}` hold more than {limits.max_values} values in all")
        if isinstance(item, dict | list):
            if depth > limits.max_depth:
                raise InputTooLarge(f"`{name}` nest lists and objects more than {limits.max_depth} levels deep")
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)


def _from_mapping(data: Any, limits: InputLimits) -> GraphQLRequest:
    if not isinstance(data, dict):
        raise RequestError("the request body must be a JSON object (batched requests are not supported)")
    query = data.get("query")
    if query is not None and not isinstance(query, str):
        raise RequestError("`query` must be a string")
    operation_name = data.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestError("`operationName` must be a string")
    return GraphQLRequest(
        query=query,
        variables=_object(data.get("variables"), "variables", limits),
        operation_name=operation_name or None,
        extensions=_object(data.get("extensions"), "extensions", limits) or {},
    )


def _json_param(request: Request, name: str) -> Any:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise RequestError(f"query parameter `{name}` is not valid JSON") from None


async def parse_post(request: Request, limits: InputLimits = DEFAULT_LIMITS) -> GraphQLRequest:
    body = await request.body()  # at most BFF_MAX_BODY_BYTES: bff.body_limit refuses more as it streams in
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/graphql":
        return GraphQLRequest(query=body.decode("utf-8", "replace"))
    if media_type not in ("application/json", "application/graphql-response+json", ""):
        raise RequestError(f"unsupported content type {media_type!r}; send application/json", status=415)
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise RequestError("the request body is not valid JSON") from None
    return _from_mapping(data, limits)


def parse_get(request: Request, limits: InputLimits = DEFAULT_LIMITS) -> GraphQLRequest:
    params = request.query_params
    return GraphQLRequest(
        query=params.get("query"),
        variables=_object(_json_param(request, "variables"), "variables", limits),
        operation_name=params.get("operationName") or None,
        extensions=_object(_json_param(request, "extensions"), "extensions", limits) or {},
    )
