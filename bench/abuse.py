"""The ``abuse`` scenario: each abusive request the hardening work refuses, against the real served BFF.

Every request is a document the server has not seen (a comment makes each one new), so none is answered
from the document cache's remembered refusal. Per request: the server's CPU (from ``/proc``, the server
otherwise idle), the wall time on loopback, the status and error code; and the server process's resident
memory before and after the whole scenario. Goals:
every abusive request refused in under 5 ms of server time; RSS growth under 50 MB across the scenario.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.servers import Server

log = logging.getLogger("bench")
GOAL_MS = 5.0
GOAL_RSS_MB = 50.0


@dataclass(frozen=True)
class Abuse:
    name: str
    # One request: (method, path, keyword arguments for httpx); called with the repetition's index.
    request: Callable[[int], tuple[str, str, dict[str, Any]]]
    repeat: int = 20


def _post(query: str, **extra: Any) -> Callable[[int], tuple[str, str, dict[str, Any]]]:
    # A comment makes each request a document the server has not seen: no request is a cached refusal.
    return lambda i: ("POST", "/graphql", {"json": {"query": f"{query}\n# {i}", **extra}})


def _fan_out(levels: int) -> str:
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    return f"query {{ ...F0 }} {fragments} fragment F{levels} on Query {{ __typename }}"


FULL_TYPE = "name kind fields(includeDeprecated: true) { name args { name type { name kind ofType { name } } } }"
NESTED = (
    "{ categories(first: 100) { nodes { products(first: 100) { nodes { variants(first: 100) { nodes { product {"
    " category { products(first: 100) { nodes { title } } } } } } } } } } }"
)


def _fragment_only(i: int) -> tuple[str, str, dict[str, Any]]:
    fragments = " ".join(f"fragment G{i}_{n} on Product {{ title handle }}" for n in range(1000))
    return "POST", "/graphql", {"json": {"query": "{ __typename } " + fragments}}


def _junk_variable(i: int) -> tuple[str, str, dict[str, Any]]:
    query = f"query($f: Int) {{ products(first: $f) {{ nodes {{ title }} }} }} # {i}"
    params = {"query": query, "variables": f'{{"f":100,"junk":{i}}}'}
    return "GET", "/graphql", {"params": params}


def _apq_garbage(i: int) -> tuple[str, str, dict[str, Any]]:
    import hashlib

    text = f"not graphql {i} " + "x" * 63_000
    digest = hashlib.sha256(text.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    return "POST", "/graphql", {"json": {"query": text, "extensions": extensions}}


async def _huge_body() -> AsyncIterator[bytes]:
    chunk = b" " * 1_000_000
    for _ in range(100):
        yield chunk


def _deep_variables(i: int) -> tuple[str, str, dict[str, Any]]:
    variables = '{"x":' + "[" * 254 + "]" * 254 + "}"
    return "GET", "/graphql", {"params": {"query": f"{{__typename}} # {i}", "variables": variables}}


def _aliases(count: int, field: str) -> str:
    return "{" + " ".join(f"a{i}: {field}" for i in range(count)) + "}"


def _same_name_fields(count: int) -> str:
    return "{" + " ".join(f'product(handle: "h{i}") {{ id }}' for i in range(count)) + "}"


def _huge_post(_: int) -> tuple[str, str, dict[str, Any]]:
    return "POST", "/graphql", {"content": _huge_body(), "headers": {"content-type": "application/json"}}


INTROSPECTION = f"__schema {{ types {{ {FULL_TYPE} }} }}"
VARIANT_GRID = "products(first: 100) { nodes { variants(first: 100) { nodes { title } } } }"
ABUSES = [
    Abuse("fragment fan-out, 20 levels (830 bytes)", _post(_fan_out(20))),
    Abuse("650 aliases of products(first: 100)", _post(_aliases(650, "products(first: 100) { nodes { title } }"))),
    Abuse("150 aliases of 100 products x variants(first: 100)", _post(_aliases(150, VARIANT_GRID))),
    Abuse("categories > products > variants > product > category > products", _post(NESTED)),
    Abuse("900 same-name fields, different arguments", _post(_same_name_fields(900))),
    Abuse(
        "240 aliases of __schema (introspection bomb)", _post(_aliases(240, f"__schema {{ types {{ {FULL_TYPE} }} }}"))
    ),
    Abuse("50 KB fragment-only documents (x120, distinct)", _fragment_only, repeat=120),
    Abuse("public GET with an ever-changing undeclared variable (x100)", _junk_variable, repeat=100),
    Abuse("APQ registration of non-GraphQL 63 KB text (x300)", _apq_garbage, repeat=300),
    Abuse("100 MB POST body", _huge_post, repeat=3),
    Abuse("GET variables nested 254 levels", _deep_variables),
    Abuse("node(id:) with a 900 KB id", _post('{ node(id: "' + "A" * 900_000 + '") { id } }'), repeat=5),
]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run(server: Server) -> dict[str, Any]:
    """Send every abuse to ``server`` (a BFF otherwise idle); the per-request CPU, codes and RSS."""
    rows = []
    before = rss_mb(server.process.pid)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=120) as http:
        for abuse in ABUSES:
            statuses: set[str] = set()
            cpu_start, wall_start = server.cpu_seconds(), time.perf_counter()
            for i in range(abuse.repeat):
                method, path, kwargs = abuse.request(i)
                try:
                    response = await http.request(method, path, **kwargs)
                    codes = {(e.get("extensions") or {}).get("code") for e in _errors(response)}
                    statuses.add(f"{response.status_code} {'/'.join(sorted(c for c in codes if c)) or 'ok'}")
                except httpx.HTTPError as error:
                    statuses.add(f"connection: {type(error).__name__}")
            cpu_ms = 1000 * (server.cpu_seconds() - cpu_start) / abuse.repeat
            wall_ms = 1000 * (time.perf_counter() - wall_start) / abuse.repeat
            rows.append(
                {
                    "name": abuse.name,
                    "repeat": abuse.repeat,
                    "server_cpu_ms": round(cpu_ms, 2),
                    "wall_ms": round(wall_ms, 2),
                    "answers": sorted(statuses),
                    "met": cpu_ms < GOAL_MS,
                }
            )
            log.info("abuse: %s: %.2f ms CPU, %s", abuse.name, cpu_ms, sorted(statuses))
    after = rss_mb(server.process.pid)
    return {
        "rows": rows,
        "rss_mb_before": round(before, 1),
        "rss_mb_after": round(after, 1),
        "rss_growth_mb": round(after - before, 1),
        "rss_met": after - before < GOAL_RSS_MB,
    }


def _errors(response: httpx.Response) -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return []
    return body.get("errors", []) if isinstance(body, dict) else []


def markdown(result: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "## Abuse: abusive requests refused (goal: < 5 ms server CPU each, RSS growth < 50 MB)",
        "",
        "| request (each new to the server) | sent | server CPU ms each | wall ms each | answers | met |",
        "|---|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['name']} | {row['repeat']} | {row['server_cpu_ms']} | {row['wall_ms']} "
            f"| {', '.join(row['answers'])} | {'yes' if row['met'] else '**no**'} |"
        )
    lines += [
        "",
        f"Server RSS {result['rss_mb_before']} MB before, {result['rss_mb_after']} MB after: "
        f"+{result['rss_growth_mb']} MB ({'met' if result['rss_met'] else '**not met**'}).",
    ]
    return lines
