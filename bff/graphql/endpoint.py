"""The ``/graphql`` endpoint: GraphiQL for browsers, GraphQL over HTTP for everyone else."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from typing import Any

import orjson
from graphql import ExecutionResult, GraphQLSchema, OperationType, execute
from starlette.requests import Request
from starlette.responses import Response
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bff import metrics
from bff.backends.cache import Cache
from bff.context import Context
from bff.graphql.apq import PersistedQueries, load_manifest
from bff.graphql.compiled_run import run_compiled
from bff.graphql.documents import DocumentCache
from bff.graphql.errors import error_code, execution_error, request_error
from bff.graphql.http import GraphQLRequest, RequestError, parse_get, parse_post
from bff.graphql.response_cache import ResponseCache
from bff.middleware import new_request_id
from bff.settings import Settings
from bff.state import AppState
from loaders import DataLoaders

GRAPHQL_RESPONSE = "application/graphql-response+json"
log = logging.getLogger("bff.graphql")


def _json(payload: dict[str, Any], status: int = 200, media_type: str = "application/json") -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type=media_type)


def _response_type(request: Request) -> str:
    accept = request.headers.get("accept", "")
    return GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accept else "application/json"


def _wants_ide(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "query" not in request.query_params


def _metrics(expose: bool, calls: Counter[str]) -> dict[str, Any] | None:
    return {"backendCalls": {"total": sum(calls.values()), **calls}} if expose else None


def persisted_queries(settings: Settings, cache: Cache) -> PersistedQueries:
    path = settings.persisted_queries_path
    manifest = load_manifest(path) if path.exists() else {}
    if settings.apq_mode == "allowlist" and not manifest:
        log.warning("BFF_APQ_MODE=allowlist with no persisted queries in %s: every document is refused", path)
    return PersistedQueries(cache, mode=settings.apq_mode, manifest=manifest, ttl_seconds=settings.apq_ttl_seconds)


def response_cache(settings: Settings, cache: Cache) -> ResponseCache | None:
    if not settings.response_cache:
        return None
    return ResponseCache(
        cache,
        ttl_seconds=settings.response_cache_ttl_seconds,
        max_age=settings.response_cache_max_age,
        s_maxage=settings.response_cache_s_maxage,
        vary_headers=settings.response_cache_vary_headers,
    )


class GraphQLEndpoint:
    """A Starlette endpoint; holds the schema and its document cache for the app's lifetime."""

    def __init__(self, schema: GraphQLSchema, state: AppState) -> None:
        self.schema = schema
        self.state = state
        settings = state.settings
        self.documents = DocumentCache(schema, max_depth=settings.max_depth, size=settings.document_cache_size)
        self.persisted = persisted_queries(settings, state.backends.cache)
        self.responses = response_cache(settings, state.backends.cache)

    async def __call__(self, request: Request) -> Response:
        media_type = _response_type(request)
        try:
            if request.method == "GET":
                if _wants_ide(request) and self.state.settings.graphiql:
                    return self.state.graphiql_page()
                gql = parse_get(request)
            elif request.method == "POST":
                gql = await parse_post(request)
            else:
                raise RequestError("use GET or POST", status=405)
            return await self.run(request, gql, media_type)
        except RequestError as error:
            body = {"errors": [{"message": error.message, "extensions": {"code": error.code}}]}
            return _json(body, error.status, media_type)
        except Exception:
            # Outside execution (where errors are masked per field): still a JSON answer with an id to grep.
            error_id = uuid.uuid4().hex
            log.exception("unexpected error %s handling %s %s", error_id, request.method, request.url.path)
            body = {
                "errors": [
                    {"message": "Internal error", "extensions": {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id}}
                ]
            }
            return _json(body, 500, media_type)

    async def run(self, request: Request, gql: GraphQLRequest, media_type: str) -> Response:
        settings = self.state.settings
        calls = metrics.start_request()
        if len(gql.query or "") > settings.max_query_bytes:
            raise RequestError(f"`query` is longer than {settings.max_query_bytes} characters", status=413)
        query, digest = await self.persisted.resolve(gql)
        if not query:
            raise RequestError("the request has no `query`")
        compiled = self.documents.get(query, digest)
        request_failed = 400 if media_type == GRAPHQL_RESPONSE else 200
        if compiled.errors or compiled.document is None:
            errors = [request_error(e, error_code(e, syntax=compiled.syntax_error)) for e in compiled.errors]
            return _json({"errors": errors}, request_failed, media_type)
        operation = compiled.operation_type(gql.operation_name)
        if operation is None:
            message = "unknown `operationName`" if gql.operation_name else "`operationName` is required"
            body = {"errors": [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}]}
            return _json(body, request_failed, media_type)
        if request.method == "GET" and operation is not OperationType.QUERY:
            body = {
                "errors": [
                    {
                        "message": "only queries may be sent with GET; use POST",
                        "extensions": {"code": "METHOD_NOT_ALLOWED"},
                    }
                ]
            }
            return Response(orjson.dumps(body), 405, headers={"Allow": "POST"}, media_type=media_type)

        cache_key = generation = None
        if self.responses and self.responses.applies(request, compiled.hash, compiled.document, gql.operation_name):
            cache_key = self.responses.key(request, compiled.hash, gql.operation_name, gql.variables, media_type)
            hit, generation = await self.responses.get(cache_key)
            if hit is not None:
                return self.responses.respond(request, hit, media_type, _metrics(settings.expose_metrics, calls))
        request_id = request.scope.get("state", {}).get("request_id") or new_request_id()

        def new_context() -> Context:
            return Context(
                settings=settings,
                backends=self.state.backends,
                loaders=DataLoaders.build(self.state.backends),
                cursors=self.state.cursors,
                user=request.scope.get("user"),
                request_id=request_id,
            )

        context = new_context()
        result: Any = None
        if settings.compiled_execution and operation is OperationType.QUERY:
            result = await run_compiled(self.schema, compiled, context, gql.variables, gql.operation_name)
            if result is None:  # not planned, or not a clean success: graphql-core answers, from a fresh start
                calls = metrics.start_request()
                context = new_context()
        if result is None:
            result = execute(
                self.schema,
                compiled.document,
                context_value=context,
                variable_values=gql.variables,
                operation_name=gql.operation_name,
                executor_class=StrawberryGraphQLCoreExecutionContext,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
            )
            if not isinstance(result, ExecutionResult):
                result = await result
            # graphql-core's executor is a reference cycle that holds the context until a full garbage
            # collection: let go of what the loaders hold now (the compiled path frees its executor itself).
            context.loaders.release()
        assert isinstance(result, ExecutionResult)
        payload: dict[str, Any] = {}
        if result.errors:
            payload["errors"] = [execution_error(e, request_id) for e in result.errors]
        if cache_key is not None and self.responses and not result.errors and result.data is not None:
            entry = await self.responses.put(cache_key, orjson.dumps({"data": result.data}), generation)
            return self.responses.respond(request, entry, media_type, _metrics(settings.expose_metrics, calls))
        payload["data"] = result.data
        if settings.expose_metrics:
            payload["extensions"] = _metrics(True, calls)
        status = 200 if result.data is not None else request_failed
        return _json(payload, status, media_type)
