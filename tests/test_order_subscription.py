"""``orderStatusChanged`` over a real WebSocket (uvicorn, graphql-transport-ws): the owner receives PAID then
FULFILLED, moved by another process's worker and fanned out through Redis pub/sub; another customer gets
nothing but FORBIDDEN; a bad token in ``connection_init`` closes the socket."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bff.app import create_app
from bff.backends.local.issuer import LOCAL_ISSUER, LocalIssuer
from bff.backends.order_codec import notification_for
from bff.backends.status_feed import RedisStatusFeed
from bff.domain.orders import Order
from bff.ids import to_global_id
from tests.conftest import make_settings
from tests.order_fixtures import embedded_workflow, make_order
from tests.stand_ins import free_port

SUBSCRIBE = "subscription ($id: ID!) { orderStatusChanged(orderId: $id) { orderId status at message } }"


def subject(username: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{LOCAL_ISSUER}/{username}"))


@pytest.fixture
async def served(tmp_path: Path, redis_url: str) -> AsyncIterator[str]:
    settings = make_settings(tmp_path, cache_backend="redis", redis_url=redis_url, order_worker_in_app=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), port=port, log_level="warning", lifespan="on"))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn.Server offers a flag, not an event
            await asyncio.sleep(0.02)
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await serving


async def _open(url: str, token: str | None) -> ClientConnection:
    socket = await connect(url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
    return socket


async def _subscribe(socket: ClientConnection, order_id: str) -> None:
    assert json.loads(await socket.recv()) == {"type": "connection_ack"}
    message = {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE, "variables": {"id": order_id}}}
    await socket.send(json.dumps(message))


async def _received(socket: ClientConnection) -> list[dict[str, Any]]:
    messages = []
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), 20))
        messages.append(message)
        if message["type"] in ("complete", "error"):
            return messages


async def test_the_owner_receives_paid_then_fulfilled_and_another_customer_nothing(
    served: str, tmp_path: Path, redis_url: str
) -> None:
    issuer = LocalIssuer.load_or_create(tmp_path)
    feed = RedisStatusFeed.from_url(redis_url)

    async def publish(order: Order) -> None:  # the worker runs in another process than the subscriber's
        await feed.publish(notification_for(order, order.history[-1].reason))

    async with embedded_workflow(tmp_path, listeners=(publish,)) as flow:
        order = await flow.place(make_order(customer_id=subject("alice")))
        global_id = to_global_id("Order", order.id)
        owner = await _open(served, issuer.mint("alice"))
        stranger = await _open(served, issuer.mint("mallory"))
        await _subscribe(owner, global_id)
        await _subscribe(stranger, global_id)
        refused = await _received(stranger)
        await asyncio.sleep(0.2)  # the owner's subscription is in place on the server
        await flow.worker.drain()
        events = await _received(owner)
    await owner.close()
    await stranger.close()
    await feed.close()

    assert [m["type"] for m in events] == ["next", "next", "complete"]
    changes = [m["payload"]["data"]["orderStatusChanged"] for m in events[:2]]
    assert [(c["orderId"], c["status"]) for c in changes] == [(global_id, "PAID"), (global_id, "FULFILLED")]
    assert [m["type"] for m in refused] == ["next", "complete"]  # an error, and no status change at all
    assert refused[0]["payload"]["data"] is None
    assert [e["extensions"]["code"] for e in refused[0]["payload"]["errors"]] == ["FORBIDDEN"]


async def test_a_token_that_does_not_verify_closes_the_connection(served: str) -> None:
    socket = await _open(served, "not-a-token")

    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(socket.recv(), 10)

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
