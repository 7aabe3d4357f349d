"""A local HTTP stand-in for an OpenSearch cluster: records every request and answers like a cluster.

No OpenSearch can run here (see TESTING.md), so the adapter is proven by contract: the real
``AsyncOpenSearch`` client talks HTTP to this Starlette app under uvicorn, tests assert the DSL it sent and
feed back responses shaped like a real cluster's (hits, aggregations, suggest, bulk items, alias maps).

Outages, for the remote-call policy: ``mode = "hang"`` holds every request until the mode changes (then answers
503), ``mode = "unavailable"`` answers 503 at once, and ``refuse()`` stops listening, so connections are refused.
Every request that reaches the fake is recorded, whatever the mode.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.stand_ins import free_port


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeCluster:
    requests: list[Recorded] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> index
    indices: set[str] = field(default_factory=set)
    search_response: dict[str, Any] = field(default_factory=dict)
    # Bulk documents whose id starts with this are refused like a mapping error would be.
    reject_prefix: str = "bad-"
    mode: Literal["ok", "hang", "unavailable"] = "ok"
    stop: Callable[[], None] = lambda: None

    def refuse(self) -> None:
        """Stop listening: from now on connections to the cluster are refused."""
        self.mode = "ok"  # lets held requests finish, so the server can stop
        self.stop()

    def sent(self, method: str, suffix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.endswith(suffix)]


def _body(raw: bytes, headers: dict[str, str], ndjson: bool) -> Any:
    if headers.get("content-encoding") == "gzip":
        raw = gzip.decompress(raw)
    if not raw:
        return None
    text = raw.decode()
    if ndjson:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def _app(cluster: FakeCluster) -> Starlette:
    async def handle(request: Request) -> Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        path = request.url.path
        body = _body(await request.body(), headers, ndjson=path.endswith("/_bulk"))
        cluster.requests.append(Recorded(request.method, path, headers, body))
        while cluster.mode == "hang":  # noqa: ASYNC110 - the mode is set from the test's thread
            await asyncio.sleep(0.01)
        if cluster.mode == "unavailable":
            return JSONResponse({"error": "unavailable", "status": 503}, 503)
        parts = [p for p in path.split("/") if p]
        if request.method == "HEAD" and not parts:
            return Response(status_code=200)
        if parts and parts[-1] == "_bulk":
            return JSONResponse(_bulk(cluster, body))
        if parts and parts[-1] == "_search":
            return JSONResponse(cluster.search_response)
        if parts[:1] == ["_alias"]:
            name = parts[1]
            if name not in cluster.aliases:
                return JSONResponse({"error": f"alias [{name}] missing", "status": 404}, 404)
            return JSONResponse({cluster.aliases[name]: {"aliases": {name: {}}}})
        if parts == ["_aliases"]:
            for action in body["actions"]:
                if "add" in action:
                    cluster.aliases[action["add"]["alias"]] = action["add"]["index"]
            return JSONResponse({"acknowledged": True})
        if request.method == "PUT" and len(parts) == 1:
            cluster.indices.add(parts[0])
            return JSONResponse({"acknowledged": True, "shards_acknowledged": True, "index": parts[0]})
        if request.method == "DELETE" and len(parts) == 1:
            cluster.indices.discard(parts[0])
            return JSONResponse({"acknowledged": True})
        return JSONResponse({"acknowledged": True, "_shards": {"total": 1, "successful": 1, "failed": 0}})

    return Starlette(routes=[Route("/{path:path}", handle, methods=["GET", "POST", "PUT", "DELETE", "HEAD"])])


def _bulk(cluster: FakeCluster, lines: list[dict[str, Any]]) -> dict[str, Any]:
    items = []
    i = 0
    while i < len(lines):
        (op, meta), *_ = lines[i].items()
        i += 1 if op == "delete" else 2
        if meta["_id"].startswith(cluster.reject_prefix):
            error = {"type": "mapper_parsing_exception", "reason": "failed to parse field [price]"}
            items.append({op: {"_index": meta["_index"], "_id": meta["_id"], "status": 400, "error": error}})
        else:
            items.append({op: {"_index": meta["_index"], "_id": meta["_id"], "status": 201, "result": "created"}})
    return {"took": 3, "errors": any("error" in next(iter(x.values())) for x in items), "items": items}


@contextmanager
def running_fake() -> Iterator[tuple[str, FakeCluster]]:
    """The stand-in on a free loopback port: ``with running_fake() as (url, cluster)``."""
    cluster = FakeCluster()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(_app(cluster), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the OpenSearch stand-in did not start")
        time.sleep(0.02)

    def stop() -> None:
        server.should_exit = True
        thread.join(5)

    cluster.stop = stop
    try:
        yield f"http://127.0.0.1:{port}", cluster
    finally:
        cluster.mode = "ok"
        stop()
