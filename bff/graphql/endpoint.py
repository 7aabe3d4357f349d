"""The ``/graphql`` endpoint: GraphiQL for browsers, GraphQL over HTTP for everyone else.

A request goes through named steps, each of which may answer early:

1. ``read``      the HTTP request -> a ``GraphQLRequest`` (or GraphiQL's page, or a 4xx)
2. ``document``  the persisted query resolved, the document parsed and validated (once per document),
                 the operation chosen and allowed for the method, its cost calculated and bounded
3. ``spend``     the cost spent from the client's rate-limit bucket (429 when it is empty)
4. ``cached``    a public GET answered from the whole-response cache
5. ``execute``   the operation run: its compiled plan, or graphql-core
6. ``respond``   the result as JSON, stored in the response cache when it may be

A document with ``@defer``/``@stream`` sent by a client that accepts ``multipart/mixed`` or
``text/event-stream`` skips steps 4-6: ``stream`` runs it on graphql-core's incremental executor and sends
its parts as they resolve (``bff.graphql.incremental``). Sent by any other client, it runs without the
directives, as one response, through the usual steps.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    ExecutionResult,
    ExperimentalIncrementalExecutionResults,
    GraphQLSchema,
    OperationType,
    experimental_execute_incrementally,
)
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from strawberry.execution import optimized_is_awaitable

from bff import degradation, metrics, privacy
from bff.backends.cache import Cache
from bff.context import Context
from bff.domain.devices import device_type
from bff.graphql import incremental
from bff.graphql.apq import PersistedQueries, load_manifest
from bff.graphql.compiled_run import run_compiled
from bff.graphql.cost import QueryCost
from bff.graphql.documents import CompiledDocument, DocumentCache
from bff.graphql.errors import error_code, execution_error, request_error
from bff.graphql.framing import IncrementalResponse, sse_answer
from bff.graphql.hit_memo import HANDED_ON, HandedOn, HitMemo, HitPlan, extensions_for
from bff.graphql.http import GraphQLRequest, InputLimits, RequestError, parse_get, parse_post
from bff.graphql.released import ReleasedExecutionContext, released
from bff.graphql.response_cache import ResponseCache
from bff.graphql.throttle import Bucket, Throttle, Throttled, ThrottleStatus, client_address, client_key
from bff.graphql.variables import undeclared_message, undeclared_variables
from bff.middleware import new_request_id
from bff.settings import Settings
from bff.state import AppState

GRAPHQL_RESPONSE = "application/graphql-response+json"
# A refused document is charged a point per this many characters of its text (the work it cost to refuse).
REFUSAL_BYTES_PER_POINT = 100
log = logging.getLogger("bff.graphql")


class Answered(Exception):
    """A step answered the request early (an error, GraphiQL, a cache hit): ``response`` is the answer."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


@dataclass(slots=True)
class Exchange:
    """One request on its way through the steps."""

    request: Request
    media_type: str
    calls: Counter[str]
    request_id: str = "-"
    cost: QueryCost | None = None  # the operation's calculated cost, once known
    throttle: ThrottleStatus | None = None  # the client's rate-limit bucket after this request

    @property
    def failed_status(self) -> int:
        """A request that failed before execution: 400 for graphql-response+json, 200 for plain JSON."""
        return 400 if self.media_type == GRAPHQL_RESPONSE else 200


@dataclass(frozen=True, slots=True)
class Operation:
    """The validated document and the operation of it that the request runs."""

    compiled: CompiledDocument
    document: DocumentNode
    type: OperationType


@dataclass(frozen=True, slots=True)
class CacheSlot:
    """Where a public response is stored, and the cache generation read before it was computed."""

    key: str
    generation: bytes | None


def _json(payload: dict[str, Any], status: int = 200, media_type: str = "application/json") -> Response:
    # The media type follows `Accept` (and GET may answer GraphiQL's page): caches must key on it.
    return Response(orjson.dumps(payload), status_code=status, headers={"Vary": "Accept"}, media_type=media_type)


def _error(message: str, code: str, status: int, media_type: str, headers: dict[str, str] | None = None) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(orjson.dumps(body), status, headers={"Vary": "Accept", **(headers or {})}, media_type=media_type)


def _response_type(request: Request) -> str:
    accept = request.headers.get("accept", "")
    return GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accept else "application/json"


def _wants_ide(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "query" not in request.query_params


def _extensions(exchange: Exchange, expose_metrics: bool) -> dict[str, Any] | None:
    return extensions_for(exchange.cost, exchange.throttle, exchange.calls, expose_metrics)


def _backend_calls(exchange: Exchange, expose_metrics: bool) -> dict[str, Any] | None:
    return {"backendCalls": {"total": sum(exchange.calls.values()), **exchange.calls}} if expose_metrics else None


def _throttled(refused: Throttled, media_type: str) -> Response:
    wait = str(refused.extensions["retryAfterSeconds"])
    body = {"errors": [{"message": refused.message, "extensions": {"code": refused.code, **refused.extensions}}]}
    return Response(orjson.dumps(body), 429, headers={"Retry-After": wait}, media_type=media_type)


def rate_limits(settings: Settings) -> Throttle | None:
    if not settings.rate_limit:
        return None
    return Throttle.from_url(
        settings.redis_url if settings.cache_backend == "redis" else None,
        queries=Bucket(settings.rate_limit_capacity, settings.rate_limit_restore_rate),
        mutations=Bucket(settings.rate_limit_mutation_capacity, settings.rate_limit_mutation_restore_rate),
    )


def persisted_queries(settings: Settings, cache: Cache) -> PersistedQueries:
    path = settings.persisted_queries_path
    manifest = load_manifest(path) if path.exists() else {}
    if settings.apq_mode == "allowlist" and not manifest:
        log.warning("BFF_APQ_MODE=allowlist with no persisted queries in %s: every document is refused", path)
    return PersistedQueries(
        cache,
        mode=settings.apq_mode,
        manifest=manifest,
        ttl_seconds=settings.apq_ttl_seconds,
        max_query_bytes=settings.max_query_bytes,
        max_bytes=settings.apq_max_bytes,
    )


def response_cache(settings: Settings, cache: Cache) -> ResponseCache | None:
    if not settings.response_cache:
        return None
    return ResponseCache(
        cache,
        ttl_seconds=settings.response_cache_ttl_seconds,
        max_age=settings.response_cache_max_age,
        s_maxage=settings.response_cache_s_maxage,
        vary_headers=settings.response_cache_vary_headers,
        max_entry_bytes=settings.response_cache_max_entry_bytes,
    )


class GraphQLEndpoint:
    """A Starlette endpoint; holds the schema and its document cache for the app's lifetime."""

    def __init__(self, schema: GraphQLSchema, state: AppState) -> None:
        self.schema = schema
        self.state = state
        settings = state.settings
        self.settings = settings
        self.documents = DocumentCache.for_settings(schema, settings)
        self.persisted = persisted_queries(settings, state.backends.cache)
        self.responses = response_cache(settings, state.backends.cache)
        # What public GETs resolved to, for the fast path of cache hits (bff.graphql.hot_hits).
        self.hits = HitMemo(settings.response_cache_vary_headers)
        self.throttle = rate_limits(settings)
        self.input_limits = InputLimits(settings.max_variable_depth, settings.max_variable_values)

    async def close(self) -> None:
        if self.throttle is not None:
            await self.throttle.close()

    async def __call__(self, request: Request) -> Response:
        exchange = Exchange(request, _response_type(request), metrics.start_request())
        how = incremental.delivery(request.headers.get("accept", ""))
        try:
            # Before anything cached is trusted: another process may have changed the catalog.
            await self.state.backends.catalog_watch.check()
            gql = await self.read(exchange)
            operation = await self.document(exchange, gql)
            if how is not None and (operation.compiled.incremental or how == "sse"):
                await self.spend(exchange, operation)
                return await self.stream(exchange, gql, operation, how)
            if operation.compiled.incremental:  # one complete response: the document without the directives
                inline = operation.compiled.without_incremental()
                operation = Operation(inline, inline.document or operation.document, operation.type)
            await self.spend(exchange, operation)
            slot = await self.cached(exchange, gql, operation)
            result = await self.execute(exchange, gql, operation)
            return await self.respond(exchange, result, slot)
        except Answered as answered:
            # GraphQL over SSE: what refused the operation arrives as an event of an accepted stream.
            return sse_answer(answered.response) if how == "sse" else answered.response
        except RequestError as error:
            return _error(error.message, error.code, error.status, exchange.media_type)
        except ClientDisconnect:
            # Gone mid-body, or refused by the body limit, which has answered already: nobody reads this.
            return Response(status_code=400)
        except Exception:
            # Outside execution (where errors are masked per field): still a JSON answer with an id to grep.
            error_id = uuid.uuid4().hex
            log.exception("unexpected error %s handling %s %s", error_id, request.method, request.url.path)
            body = {
                "errors": [
                    {"message": "Internal error", "extensions": {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id}}
                ]
            }
            return _json(body, 500, exchange.media_type)

    async def read(self, exchange: Exchange) -> GraphQLRequest:
        """The GraphQL request from the HTTP request; GraphiQL's page for a browser."""
        request = exchange.request
        if request.method == "GET":
            if _wants_ide(request) and self.settings.graphiql:
                raise Answered(self.state.graphiql_page())
            gql = parse_get(request, self.input_limits)
        elif request.method == "POST":
            gql = await parse_post(request, self.input_limits)
        else:
            raise RequestError("use GET or POST", status=405)
        if len(gql.query or "") > self.settings.max_query_bytes:
            raise RequestError(f"`query` is longer than {self.settings.max_query_bytes} characters", status=413)
        return gql

    async def document(self, exchange: Exchange, gql: GraphQLRequest) -> Operation:
        """The parsed, validated document and the operation to run."""
        resolved = await self.persisted.resolve(gql)
        if not resolved.query:
            raise RequestError("the request has no `query`")
        compiled = self.documents.get(resolved.query, resolved.digest)
        if compiled.errors or compiled.document is None:
            await self.charge_refusal(exchange, resolved.query)
            errors = [request_error(e, error_code(e, syntax=compiled.syntax_error)) for e in compiled.errors]
            raise Answered(_json({"errors": errors}, exchange.failed_status, exchange.media_type))
        await resolved.register()  # a persisted query is stored only once it is a valid document
        operation = compiled.operation_type(gql.operation_name)
        if operation is None:
            message = "unknown `operationName`" if gql.operation_name else "`operationName` is required"
            raise Answered(_error(message, "BAD_USER_INPUT", exchange.failed_status, exchange.media_type))
        undeclared = undeclared_variables(compiled.document, gql.operation_name, gql.variables)
        if undeclared:
            message = undeclared_message(undeclared)
            raise Answered(_error(message, "BAD_USER_INPUT", exchange.failed_status, exchange.media_type))
        if exchange.request.method == "GET" and operation is not OperationType.QUERY:
            message = "only queries may be sent with GET; use POST"
            raise Answered(_error(message, "METHOD_NOT_ALLOWED", 405, exchange.media_type, {"Allow": "POST"}))
        if operation is OperationType.SUBSCRIPTION:
            message = "subscriptions are served over WebSocket on this path (graphql-transport-ws)"
            raise Answered(_error(message, "BAD_REQUEST", exchange.failed_status, exchange.media_type))
        exchange.cost = self.documents.cost(compiled, gql.operation_name, gql.variables)
        if exchange.cost.exceeded:  # before any resolver or cache read
            await self.charge_refusal(exchange, resolved.query)
            raise Answered(_json(exchange.cost.refusal(), exchange.failed_status, exchange.media_type))
        return Operation(compiled, compiled.document, operation)

    async def spend(self, exchange: Exchange, operation: Operation) -> None:
        """Spend the request's cost from its client's rate-limit bucket; 429 with ``Retry-After`` when empty."""
        if self.throttle is None or exchange.cost is None:
            return
        client = client_key(exchange.request, self.settings.trusted_proxies)
        mutation = operation.type is OperationType.MUTATION
        try:
            exchange.throttle = await self.throttle.spend(client, exchange.cost.requested, mutation)
        except Throttled as refused:
            raise Answered(_throttled(refused, exchange.media_type)) from None

    async def charge_refusal(self, exchange: Exchange, query: str) -> None:
        """A refused document still cost its parsing and validation: its client pays by its size."""
        if self.throttle is None:
            return
        client = client_key(exchange.request, self.settings.trusted_proxies)
        try:
            await self.throttle.spend(client, 1 + len(query) // REFUSAL_BYTES_PER_POINT, mutation=False)
        except Throttled as refused:
            raise Answered(_throttled(refused, exchange.media_type)) from None

    async def cached(self, exchange: Exchange, gql: GraphQLRequest, operation: Operation) -> CacheSlot | None:
        """A public GET's cached response; otherwise where its response will be stored (None: nowhere)."""
        responses, request = self.responses, exchange.request
        digest = operation.compiled.hash
        if responses is None or not responses.applies(request, digest, operation.document, gql.operation_name):
            return None
        key = responses.key(request, digest, gql.operation_name, gql.variables, exchange.media_type)
        scope = request.scope
        self.hits.learn(
            self.hits.key_of_headers(scope["query_string"], scope["headers"]),
            HitPlan(key, exchange.media_type, exchange.cost),
        )
        handed_on = scope.pop(HANDED_ON, None)
        if isinstance(handed_on, HandedOn) and handed_on.key == key:
            # The fast path read this key a moment ago and missed: its read (and its call) stands.
            exchange.calls.update(handed_on.calls)
            return CacheSlot(key, handed_on.generation)
        hit, generation = await responses.get(key)
        if hit is not None:
            extensions = _extensions(exchange, self.settings.expose_metrics)
            raise Answered(responses.respond(request, hit, exchange.media_type, extensions))
        return CacheSlot(key, generation)

    def context(self, exchange: Exchange) -> Context:
        request = exchange.request
        request_id = exchange.request_id = request.scope.get("state", {}).get("request_id") or new_request_id()
        address = client_address(request, self.settings.trusted_proxies)
        device = device_type(request.headers.get("user-agent"))
        origin = f"{request.url.scheme}://{request.url.netloc}"
        return Context.new(self.state, request.scope.get("user"), request_id, address, device, origin)

    async def stream(
        self, exchange: Exchange, gql: GraphQLRequest, operation: Operation, how: incremental.Delivery
    ) -> Response:
        """Run a document with ``@defer``/``@stream`` incrementally; its parts are sent as they resolve.

        Never from the response cache, nor stored in it; never by a compiled plan.
        """
        context = self.context(exchange)
        result = await incremental.execute(
            self.schema, operation.document, context, gql.variables, gql.operation_name, self.settings.is_production
        )
        expose = self.settings.expose_metrics
        close = incremental.Closer(result, context.loaders.release)
        parts = incremental.payloads(
            result,
            incremental.Parts(lambda error: execution_error(error, exchange.request_id)),
            first=_extensions(exchange, expose_metrics=False),
            last=lambda: _backend_calls(exchange, expose),
            close=close,
        )
        return IncrementalResponse(parts, how, close)

    async def execute(self, exchange: Exchange, gql: GraphQLRequest, operation: Operation) -> ExecutionResult:
        """Run the operation: from its compiled plan when it has one (a query, a mutation of one root field),
        else on graphql-core."""
        context = self.context(exchange)
        if self.settings.compiled_execution and operation.type is not OperationType.SUBSCRIPTION:
            # None only when no plan can run the operation, decided before anything ran: it never runs twice.
            planned = await run_compiled(
                self.schema,
                operation.compiled,
                context,
                gql.variables,
                gql.operation_name,
                generate=self.settings.compiled_source,
            )
            if planned is not None:
                return planned
        # graphql-core's `execute` refuses a schema that declares @defer/@stream; a document without them
        # (every document that reaches this step) always has one result from the incremental executor.
        with released():
            result = experimental_execute_incrementally(
                self.schema,
                operation.document,
                context_value=context,
                variable_values=gql.variables,
                operation_name=gql.operation_name,
                executor_class=ReleasedExecutionContext,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
                hide_suggestions=self.settings.is_production,
            )
            if not isinstance(result, ExecutionResult | ExperimentalIncrementalExecutionResults):
                result = await result
        assert not isinstance(result, ExperimentalIncrementalExecutionResults), "a document with @defer/@stream"
        # Should graphql-core's executor stay a reference cycle (work left settling in the background), it
        # holds the context until a garbage collection: let go of what the loaders hold now.
        context.loaders.release()
        assert isinstance(result, ExecutionResult)
        return result

    async def respond(self, exchange: Exchange, result: ExecutionResult, slot: CacheSlot | None) -> Response:
        """The result as JSON; a clean public result is stored in the response cache on the way out."""
        expose = self.settings.expose_metrics
        payload: dict[str, Any] = {}
        if result.errors:
            payload["errors"] = [execution_error(e, exchange.request_id) for e in result.errors]
        # A degraded answer (a fallback served) is not stored: the next request may get the real one.
        # Nor is one a resolver marked private (a cart reached through `node(id:)`).
        cacheable = (
            not result.errors and result.data is not None and not degradation.pending() and not privacy.is_private()
        )
        if slot is not None and self.responses and cacheable:
            entry = await self.responses.put(slot.key, orjson.dumps({"data": result.data}), slot.generation)
            return self.responses.respond(exchange.request, entry, exchange.media_type, _extensions(exchange, expose))
        payload["data"] = result.data
        if extensions := _extensions(exchange, expose):
            payload["extensions"] = extensions
        degradation.attach(payload)
        status = 200 if result.data is not None else exchange.failed_status
        return _json(payload, status, exchange.media_type)
