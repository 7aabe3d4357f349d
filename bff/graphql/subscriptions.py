"""GraphQL subscriptions over WebSocket, in the graphql-transport-ws protocol (``/graphql``, subprotocol
``graphql-transport-ws``).

The client authenticates in ``connection_init`` with the same bearer token as over HTTP
(``{"Authorization": "Bearer <token>"}``); a token that does not verify closes the socket with 4403, and a
missing one leaves the connection anonymous (private subscriptions then answer ``UNAUTHENTICATED``). Each
``subscribe`` runs the document with its own context; ``next`` carries each result, errors shaped and coded as
over HTTP, ``complete`` ends it from either side. Close codes as the protocol defines them: 4400 bad message,
4408 no ``connection_init`` in time, 4409 a subscription id already in use, 4429 a second ``connection_init``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncGenerator
from typing import Any

from graphql import GraphQLError
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry import Schema
from strawberry.types import ExecutionResult

from bff.authentication import bearer_token
from bff.context import Context
from bff.domain.identity import Identity
from bff.errors import BffError
from bff.graphql.errors import execution_error
from bff.state import AppState

log = logging.getLogger("bff.subscriptions")

PROTOCOL = "graphql-transport-ws"
INIT_TIMEOUT_SECONDS = 10.0
MAX_SUBSCRIPTIONS = 20


class SubscriptionEndpoint:
    def __init__(self, schema: Schema, state: AppState) -> None:
        self.schema = schema
        self.state = state

    async def __call__(self, websocket: WebSocket) -> None:
        if PROTOCOL not in websocket.scope.get("subprotocols", []):
            await websocket.close(code=4406)  # subprotocol not acceptable
            return
        await websocket.accept(subprotocol=PROTOCOL)
        try:
            user = await self._connection_init(websocket)
        except _Closed:
            return
        await _Connection(self, websocket, user).serve()

    async def _connection_init(self, websocket: WebSocket) -> Identity | None:
        try:
            message = await asyncio.wait_for(websocket.receive_json(), INIT_TIMEOUT_SECONDS)
        except (TimeoutError, ValueError):
            await websocket.close(code=4408, reason="Connection initialisation timeout")
            raise _Closed from None
        except WebSocketDisconnect:
            raise _Closed from None
        if not isinstance(message, dict) or message.get("type") != "connection_init":
            await websocket.close(code=4400, reason="Expected connection_init")
            raise _Closed
        payload = message.get("payload") or {}
        header = payload.get("Authorization") or payload.get("authorization") if isinstance(payload, dict) else None
        user = None
        if header:
            try:
                user = await self.state.backends.token_verifier.verify(bearer_token(str(header).encode("latin-1")))
            except (BffError, ValueError, UnicodeEncodeError):
                await websocket.close(code=4403, reason="Forbidden")
                raise _Closed from None
        await websocket.send_json({"type": "connection_ack"})
        return user


class _Closed(Exception):
    pass


class _Connection:
    def __init__(self, endpoint: SubscriptionEndpoint, websocket: WebSocket, user: Identity | None) -> None:
        self.endpoint = endpoint
        self.websocket = websocket
        self.user = user
        self.running: dict[str, asyncio.Task[None]] = {}

    async def serve(self) -> None:
        try:
            while True:
                message = await self.websocket.receive_json()
                if not await self._handle(message):
                    return
        except (WebSocketDisconnect, ValueError):
            return
        finally:
            for task in self.running.values():
                task.cancel()
            await asyncio.gather(*self.running.values(), return_exceptions=True)

    async def _handle(self, message: Any) -> bool:
        """False when the connection was closed."""
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "ping":
            await self.websocket.send_json({"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "connection_init":
            await self.websocket.close(code=4429, reason="Too many initialisation requests")
            return False
        elif kind == "complete":
            task = self.running.pop(str(message.get("id")), None)
            if task is not None:
                task.cancel()
        elif kind == "subscribe" and isinstance(message.get("id"), str) and isinstance(message.get("payload"), dict):
            return await self._subscribe(message["id"], message["payload"])
        else:
            await self.websocket.close(code=4400, reason="Invalid message")
            return False
        return True

    async def _subscribe(self, op_id: str, payload: dict[str, Any]) -> bool:
        if op_id in self.running:
            await self.websocket.close(code=4409, reason=f"Subscriber for {op_id} already exists")
            return False
        if len(self.running) >= MAX_SUBSCRIPTIONS:
            await self._send_errors(
                op_id, [{"message": "too many subscriptions", "extensions": {"code": "BAD_USER_INPUT"}}]
            )
            return True
        task = asyncio.create_task(self._run(op_id, payload))
        self.running[op_id] = task
        task.add_done_callback(lambda _: self.running.pop(op_id, None))
        return True

    async def _run(self, op_id: str, payload: dict[str, Any]) -> None:
        request_id = uuid.uuid4().hex
        context = Context.new(self.endpoint.state, self.user, request_id)
        variables = payload.get("variables") if isinstance(payload.get("variables"), dict) else None
        operation = payload.get("operationName") if isinstance(payload.get("operationName"), str) else None
        query = payload.get("query") if isinstance(payload.get("query"), str) else None
        result = await self.endpoint.schema.subscribe(query, variables, context, None, operation)
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            if isinstance(result, ExecutionResult):  # refused before it ran (parse, validation)
                await self._send_errors(op_id, [_shape(e, request_id) for e in result.errors or ()])
                return
            await self._stream(op_id, result, request_id)

    async def _stream(self, op_id: str, results: AsyncGenerator[ExecutionResult, None], request_id: str) -> None:
        try:
            async for result in results:
                body: dict[str, Any] = {"data": result.data}
                if result.errors:
                    body["errors"] = [_shape(e, request_id) for e in result.errors]
                await self.websocket.send_json({"id": op_id, "type": "next", "payload": body})
            await self.websocket.send_json({"id": op_id, "type": "complete"})
        finally:
            await results.aclose()

    async def _send_errors(self, op_id: str, errors: list[dict[str, Any]]) -> None:
        await self.websocket.send_json({"id": op_id, "type": "error", "payload": errors})


def _shape(error: GraphQLError, request_id: str) -> dict[str, Any]:
    if error.original_error is None and not error.path:
        return {"message": error.message, "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}
    return execution_error(error, request_id)
