"""Time to the first part against time to the whole: ``@defer`` on a BFF whose recommender answers late.

For each of the two documents of ``bench/scenarios/home_deferred.py`` (the home page with ``...ForYou @defer``,
read as multipart/mixed, and the same page without ``@defer``), closed-loop clients send requests one after
another and each request's times are taken as its body streams in: the first part is there once its closing
delimiter has arrived; the whole once the body has ended (for the plain document both are the end of its body).
The BFF runs as the other scenarios' (``bench.serve``, pinned to its core) with ``BFF_RECOMMENDER_DELAY_SECONDS``.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.scenarios import home_deferred as scenario
from bench.servers import Server

log = logging.getLogger("bench")
DELIMITER = b"\r\n---"
PART_HEAD_END = b"\r\n\r\n"


def multipart_payloads(body: bytes) -> list[dict[str, Any]]:
    """The JSON parts of a multipart/mixed body with boundary ``-``."""
    pieces = body.split(DELIMITER)[1:-1]  # before the first delimiter: the preamble; after the last: "--"
    return [orjson.loads(piece[piece.index(PART_HEAD_END) + len(PART_HEAD_END) :]) for piece in pieces]


def merged(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = payloads[0]["data"]
    for payload in payloads[1:]:
        for entry in payload.get("incremental", []):
            target: Any = data
            for key in entry["path"]:
                target = target[key]
            target.update(entry.get("data") or {})
    return data


async def timed(http: httpx.AsyncClient, body: bytes, accept: str) -> tuple[float, float, bytes]:
    """Seconds to the first part and to the whole body, and the body."""
    started = time.perf_counter()
    first: float | None = None
    received = b""
    headers = {"content-type": "application/json", "accept": accept}
    async with http.stream("POST", "/graphql", content=body, headers=headers) as response:
        multipart = response.headers.get("content-type", "").startswith("multipart/mixed")
        async for chunk in response.aiter_bytes():  # decoded: gzip flushes per part
            received += chunk
            if first is None and multipart and received.find(DELIMITER, len(DELIMITER)) != -1:
                first = time.perf_counter() - started
    whole = time.perf_counter() - started
    return (first if first is not None else whole), whole, received


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


async def _series(base_url: str, body: bytes, accept: str, clients: int, each: int) -> dict[str, Any]:
    firsts: list[float] = []
    wholes: list[float] = []

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            for _ in range(each):
                first, whole, _ = await timed(http, body, accept)
                firsts.append(first)
                wholes.append(whole)

    await asyncio.gather(*(client() for _ in range(clients)))
    return {
        "requests": len(wholes),
        "first_part_ms": {
            "p50": _ms(firsts, 0.5),
            "p90": _ms(firsts, 0.9),
            "mean": round(1000 * statistics.mean(firsts), 1),
        },
        "whole_ms": {
            "p50": _ms(wholes, 0.5),
            "p90": _ms(wholes, 0.9),
            "mean": round(1000 * statistics.mean(wholes), 1),
        },
    }


async def run(env: dict[str, str], workdir: Path, *, quick: bool = False) -> dict[str, Any]:
    """Both documents measured on one BFF with the delayed recommender; the answers checked first."""
    delay = scenario.RECOMMENDER_DELAY_SECONDS
    server = Server("bff", {**env, "BFF_RECOMMENDER_DELAY_SECONDS": str(delay)}, workdir)
    deferred = orjson.dumps(
        {"query": scenario.DOCUMENT, "operationName": scenario.OPERATION_NAME, "variables": scenario.VARIABLES}
    )
    plain = orjson.dumps(
        {
            "query": scenario.PLAIN_DOCUMENT,
            "operationName": scenario.PLAIN_OPERATION_NAME,
            "variables": scenario.VARIABLES,
        }
    )
    try:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
            _, _, body = await timed(http, deferred, scenario.ACCEPT)
            parts = multipart_payloads(body)
            _, _, plain_body = await timed(http, plain, "application/json")
        whole_data = orjson.loads(plain_body)["data"]
        first = orjson.loads(orjson.dumps(parts[0]))  # before the merge adds the deferred fields to it
        data = merged(parts)
        problem = scenario.expect(first, data)
        result: dict[str, Any] = {
            "recommender_delay_ms": round(delay * 1000),
            "latency_source": "delayed recommender (BFF_RECOMMENDER_DELAY_SECONDS)",
            "parts": len(parts),
            "same_data": data == whole_data,
            "problem": problem,
        }
        if problem:
            return result
        # One client at a time: latency, not queueing behind other requests on the server's one core.
        clients, each = (1, 10) if quick else (1, 60)
        await _series(server.base_url, deferred, scenario.ACCEPT, clients, 2)  # warm-up
        await _series(server.base_url, plain, "application/json", clients, 2)
        result["deferred"] = await _series(server.base_url, deferred, scenario.ACCEPT, clients, each)
        result["plain"] = await _series(server.base_url, plain, "application/json", clients, each)
        result["clients"] = clients
        return result
    finally:
        server.stop()


def markdown(result: dict[str, Any]) -> list[str]:
    lines = [
        "",
        f"### Home with deferred recommendations (recommender answering {result['recommender_delay_ms']} ms late)",
        "",
    ]
    if result.get("problem"):
        return [*lines, f"Not measured: {result['problem']}"]
    lines += [
        f"{result['clients']} closed-loop client(s), requests one after another; parts {result['parts']}, "
        f"merged parts = the plain answer's data: {result['same_data']}. Latency from: {result['latency_source']}.",
        "",
        "| document | requests | first part p50 / p90 ms | whole p50 / p90 ms |",
        "|---|---|---|---|",
    ]
    for name, label in (("deferred", "home, `...ForYou @defer` (multipart)"), ("plain", "home without `@defer`")):
        row = result[name]
        first, whole = row["first_part_ms"], row["whole_ms"]
        lines.append(
            f"| {label} | {row['requests']} | {first['p50']} / {first['p90']} | {whole['p50']} / {whole['p90']} |"
        )
    return lines
