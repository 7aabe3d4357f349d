"""A local HTTP stand-in for an OpenSearch cluster: records every request and answers like a cluster.

No OpenSearch can run here (see TESTING.md), so the adapter is proven by contract: the real
``AsyncOpenSearch`` client talks HTTP to this Starlette app under uvicorn. The stand-in keeps indices and
aliases and answers as a cluster does: index creation with settings, mappings and aliases, atomic ``_aliases``
switches (``add``, ``remove``, ``remove_index``), bulk writes (a write to a missing index creates it, unless
``require_alias``), and searches run on the documents by the query DSL the adapter sends
(``opensearch_fake_search``, ``opensearch_fake_query``, analysis in ``opensearch_fake_index``). A test may
instead set ``search_response``: every search then gets that canned answer (parsing contracts).
``pause_when`` holds chosen requests until ``resume`` is set, to act while a rebuild is under way.

Outages, for the remote-call policy: ``mode = "hang"`` holds every request until the mode changes (then answers
503), ``mode = "unavailable"`` answers 503 at once, and ``refuse()`` stops listening, so connections are refused.
Every request that reaches the fake is recorded, whatever the mode.
"""

from __future__ import annotations

import asyncio
import copy
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

from tests.opensearch_fake_index import FakeIndex, Json
from tests.opensearch_fake_query import QueryError
from tests.opensearch_fake_search import search as run_search
from tests.stand_ins import free_port


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    query: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeCluster:
    """The cluster's state: indices (with their documents), aliases, and every request received."""

    requests: list[Recorded] = field(default_factory=list)
    indices: dict[str, FakeIndex] = field(default_factory=dict)
    aliases: dict[str, dict[str, Json]] = field(default_factory=dict)  # alias -> {index: {"is_write_index": ..}}
    # A canned answer for every ``_search`` (contract tests of the parsing); empty: searches run on the data.
    search_response: dict[str, Any] = field(default_factory=dict)
    # Bulk documents whose id starts with this are refused like a mapping error would be.
    reject_prefix: str = "bad-"
    mode: Literal["ok", "hang", "unavailable"] = "ok"
    # Requests this returns true for wait (after being recorded) until ``resume`` is set.
    pause_when: Callable[[Recorded], bool] | None = None
    paused: threading.Event = field(default_factory=threading.Event)
    resume: threading.Event = field(default_factory=threading.Event)
    stop: Callable[[], None] = lambda: None

    def refuse(self) -> None:
        """Stop listening: from now on connections to the cluster are refused."""
        self.mode = "ok"  # lets held requests finish, so the server can stop
        self.stop()

    def reset(self) -> None:
        """Forget every index, alias, request and canned answer."""
        self.requests.clear()
        self.indices.clear()
        self.aliases.clear()
        self.search_response = {}
        self.pause_when = None
        self.paused.clear()
        self.resume.clear()

    def sent(self, method: str, suffix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.endswith(suffix)]

    def alias_of(self, alias: str) -> list[str]:
        """The indices ``alias`` points at (sorted)."""
        return sorted(self.aliases.get(alias, {}))

    def resolve(self, target: str) -> list[str]:
        """Concrete indices of a comma-separated target of index and alias names (missing ones omitted)."""
        found: list[str] = []
        for name in target.split(","):
            found += [name] if name in self.indices else self.alias_of(name)
        return found

    def write_index(self, alias: str) -> str | None:
        members = self.aliases.get(alias, {})
        writers = [i for i, spec in members.items() if spec.get("is_write_index")]
        if writers:
            return writers[0]
        return next(iter(members)) if len(members) == 1 else None


def _error(status: int, kind: str, reason: str, index: str | None = None) -> JSONResponse:
    error: Json = {"type": kind, "reason": reason}
    if index is not None:
        error["index"] = index
    return JSONResponse({"error": {"root_cause": [error], **error}, "status": status}, status)


def _not_found(index: str) -> JSONResponse:
    return _error(404, "index_not_found_exception", f"no such index [{index}]", index)


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


def _create_index(cluster: FakeCluster, name: str, body: Json | None) -> Response:
    body = body or {}
    if name in cluster.indices:
        return _error(400, "resource_already_exists_exception", f"index [{name}] already exists", name)
    if name in cluster.aliases:
        return _error(400, "invalid_index_name_exception", f"Invalid index name [{name}], already exists as alias")
    aliases = body.get("aliases", {})
    for alias, spec in aliases.items():
        if alias in cluster.indices:
            return _error(400, "invalid_alias_name_exception", "an index exists with the same name as the alias")
        if spec.get("is_write_index") and cluster.write_index(alias) and cluster.aliases.get(alias):
            writer = cluster.write_index(alias)
            return _error(
                400, "illegal_state_exception", f"alias [{alias}] has more than one write index [{writer},{name}]"
            )
    body = copy.deepcopy(body)  # the recorded request stays as sent
    cluster.indices[name] = FakeIndex(name, body.get("settings", {}), body.get("mappings", {}))
    for alias, spec in aliases.items():
        cluster.aliases.setdefault(alias, {})[name] = dict(spec)
    return JSONResponse({"acknowledged": True, "shards_acknowledged": True, "index": name})


def _update_aliases(cluster: FakeCluster, actions: list[Json]) -> Response:
    """Every action or none (the real ``_aliases`` call is atomic)."""
    aliases = {a: dict(m) for a, m in cluster.aliases.items()}
    dropped: list[str] = []
    for action in actions:
        ((kind, spec),) = action.items()
        index = spec.get("index")
        if index not in cluster.indices or index in dropped:
            return _not_found(str(index))
        if kind == "add":
            if spec["alias"] in cluster.indices and spec["alias"] not in [
                *dropped,
                *(a["remove_index"]["index"] for a in actions if "remove_index" in a),
            ]:
                return _error(400, "invalid_alias_name_exception", "an index exists with the same name as the alias")
            aliases.setdefault(spec["alias"], {})[index] = {"is_write_index": spec.get("is_write_index", False)}
        elif kind == "remove":
            if index not in aliases.get(spec["alias"], {}):
                return _error(404, "aliases_not_found_exception", f"aliases [{spec['alias']}] missing")
            del aliases[spec["alias"]][index]
        elif kind == "remove_index":
            dropped.append(index)
        else:
            return _error(400, "parsing_exception", f"unknown alias action [{kind}]")
    for index in dropped:
        del cluster.indices[index]
    cluster.aliases = {a: {i: s for i, s in m.items() if i not in dropped} for a, m in aliases.items()}
    cluster.aliases = {a: m for a, m in cluster.aliases.items() if m}
    return JSONResponse({"acknowledged": True})


def _delete_index(cluster: FakeCluster, name: str, params: dict[str, str]) -> Response:
    if name in cluster.aliases and name not in cluster.indices:
        reason = f"The provided expression [{name}] matches an alias, specify the corresponding concrete indices"
        return _error(400, "illegal_argument_exception", reason)
    if name not in cluster.indices:
        return JSONResponse({"acknowledged": True}) if params.get("ignore_unavailable") == "true" else _not_found(name)
    del cluster.indices[name]
    cluster.aliases = {a: {i: s for i, s in m.items() if i != name} for a, m in cluster.aliases.items()}
    cluster.aliases = {a: m for a, m in cluster.aliases.items() if m}
    return JSONResponse({"acknowledged": True})


def _app(cluster: FakeCluster) -> Starlette:
    async def handle(request: Request) -> Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        path = request.url.path
        body = _body(await request.body(), headers, ndjson=path.endswith("/_bulk"))
        recorded = Recorded(request.method, path, headers, body, dict(request.query_params))
        cluster.requests.append(recorded)
        while cluster.mode == "hang":  # noqa: ASYNC110 - the mode is set from the test's thread
            await asyncio.sleep(0.01)
        if cluster.pause_when is not None and cluster.pause_when(recorded):
            cluster.paused.set()
            while not cluster.resume.is_set():  # noqa: ASYNC110 - set from the test's thread
                await asyncio.sleep(0.01)
        if cluster.mode == "unavailable":
            return JSONResponse({"error": "unavailable", "status": 503}, 503)
        try:
            return _route(cluster, request.method, [p for p in path.split("/") if p], dict(request.query_params), body)
        except QueryError as exc:
            return _error(400, "parsing_exception", str(exc))

    return Starlette(routes=[Route("/{path:path}", handle, methods=["GET", "POST", "PUT", "DELETE", "HEAD"])])


def _route(cluster: FakeCluster, method: str, parts: list[str], params: dict[str, str], body: Any) -> Response:
    if not parts:
        return Response(status_code=200) if method == "HEAD" else JSONResponse({"version": {"number": "2.17.0"}})
    if parts[-1] == "_bulk":
        return JSONResponse(
            _bulk(cluster, body, params.get("require_alias") == "true", parts[0] if len(parts) > 1 else None)
        )
    if parts[-1] == "_search":
        if cluster.search_response:
            return JSONResponse(cluster.search_response)
        target = parts[0] if len(parts) > 1 else ",".join(cluster.indices)
        found = cluster.resolve(target)
        if not found:
            return _not_found(target)
        if len(found) > 1:
            return _error(400, "illegal_argument_exception", "the stand-in searches one index at a time")
        return JSONResponse(run_search(cluster.indices[found[0]], body))
    if parts[:1] == ["_alias"]:
        name = parts[1]
        if name not in cluster.aliases:
            return JSONResponse({"error": f"alias [{name}] missing", "status": 404}, 404)
        return JSONResponse({index: {"aliases": {name: spec}} for index, spec in cluster.aliases[name].items()})
    if parts == ["_aliases"]:
        return _update_aliases(cluster, body["actions"])
    if len(parts) == 1:
        name = parts[0]
        if method == "PUT":
            return _create_index(cluster, name, body)
        if method == "DELETE":
            return _delete_index(cluster, name, params)
        if method == "HEAD":
            return Response(status_code=200 if cluster.resolve(name) else 404)
    if len(parts) == 2 and parts[1] == "_mapping" and method == "GET":
        indices = cluster.resolve(parts[0])
        if not indices:
            return _not_found(parts[0])
        return JSONResponse({i: {"mappings": cluster.indices[i].mappings} for i in indices})
    if len(parts) == 2 and parts[1] in ("_settings", "_refresh"):
        if parts[0] not in cluster.indices:
            return _not_found(parts[0])
        if parts[1] == "_settings":
            cluster.indices[parts[0]].settings.setdefault("index", {}).update((body or {}).get("index", {}))
        return JSONResponse({"acknowledged": True, "_shards": {"total": 1, "successful": 1, "failed": 0}})
    return _error(400, "illegal_argument_exception", f"the stand-in has no route {method} /{'/'.join(parts)}")


def _bulk(cluster: FakeCluster, lines: list[Json], require_alias: bool, default_index: str | None) -> Json:
    items = []
    i = 0
    while i < len(lines):
        (op, meta), *_ = lines[i].items()
        source = lines[i + 1] if op != "delete" else None
        i += 1 if op == "delete" else 2
        target, doc_id = meta.get("_index", default_index), meta["_id"]
        item: Json = {"_index": target, "_id": doc_id}
        index_name = target if target in cluster.indices else cluster.write_index(target)
        if target in cluster.aliases and index_name is None and op != "delete":
            reason = f"no write index is defined for alias [{target}]"
            item.update(status=400, error={"type": "illegal_argument_exception", "reason": reason})
        elif require_alias and target not in cluster.aliases:
            reason = f"no such index [[require_alias] request flag is [true] and [{target}] is not an alias]"
            item.update(status=404, error={"type": "index_not_found_exception", "reason": reason, "index": target})
        elif op == "delete":
            found = index_name is not None and cluster.indices[index_name].remove(doc_id)
            item.update(status=200 if found else 404, result="deleted" if found else "not_found")
        elif doc_id.startswith(cluster.reject_prefix):
            error = {"type": "mapper_parsing_exception", "reason": "failed to parse field [price]"}
            item.update(status=400, error=error)
        else:
            if index_name is None:  # a write to a missing index creates it, with dynamic mappings
                cluster.indices[target] = FakeIndex(target, {}, {})
                index_name = target
            index = cluster.indices[index_name]
            refused = index.check(source or {})
            if refused:
                item.update(status=400, error={"type": "strict_dynamic_mapping_exception", "reason": refused})
            else:
                created = doc_id not in index.docs
                index.put(doc_id, source or {})
                item.update(
                    _index=index_name, status=201 if created else 200, result="created" if created else "updated"
                )
        items.append({op: item})
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
