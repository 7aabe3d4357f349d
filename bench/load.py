"""Load generators: wrk (with a Lua script) when it is on PATH, else an asyncio one in this process.

Both answer with the same ``LoadResult``. ``rate=None`` is closed-loop max throughput (every connection
sends its next request as soon as the last is answered); a ``rate`` paces requests at that many per
second (wrk: a LuaJIT clock in ``delay()``; asyncio: open loop, latency measured from the scheduled start).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    # One body per request, sent in turn instead of ``body`` (starting over when all were sent).
    bodies: tuple[bytes, ...] = ()
    # Each of ``bodies`` sent at most once: the run ends when they are spent (the asyncio generator only).
    once: bool = False


@dataclass
class LoadResult:
    requests: int
    seconds: float
    errors: int
    bytes: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    generator: str
    # Errors by kind: a socket error (connect, read, write), a non-2xx/3xx status, a response over the
    # generator's timeout (wrk's: 2 s). Kinds tell the server's failures from the load generator's.
    error_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_json(self) -> dict[str, float | int | str]:
        return {**asdict(self), "rps": round(self.rps, 1)}


ERROR_KINDS = ("connect", "read", "write", "status", "timeout")


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def _lua_long_string(text: str) -> str:
    level = "=" * 4
    assert f"]{level}]" not in text
    return f"[{level}[{text}]{level}]"


LUA_PACING = """
local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_usec; } bench_timeval;
  int gettimeofday(bench_timeval *tv, void *tz);
]]
local tv = ffi.new("bench_timeval")
local function now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000
end
local interval = %(interval)f
local next_at = nil
function delay()
  local t = now_ms()
  if next_at == nil then next_at = t end
  next_at = math.max(next_at + interval, t)
  return math.floor(next_at - t)
end
"""

LUA_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCHJSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"bytes\\":%d,\\"errors\\":%d," ..
    "\\"connect\\":%d,\\"read\\":%d,\\"write\\":%d,\\"status\\":%d,\\"timeout\\":%d," ..
    "\\"p50\\":%d,\\"p90\\":%d,\\"p99\\":%d}\\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect + e.read + e.write + e.status + e.timeout, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
"""


LUA_BODIES = """
local bodies = {}
for line in io.lines(%(path)s) do bodies[#bodies + 1] = line end
local next_body = 0
function request()
  next_body = next_body %% #bodies + 1
  return wrk.format(nil, nil, nil, bodies[next_body])
end
"""


def wrk_script(request: HttpRequest, rate: float | None, threads: int, bodies_path: str | None = None) -> str:
    lines = [f"wrk.method = {json.dumps(request.method)}", f"wrk.path = {_lua_long_string(request.path)}"]
    if request.body:
        lines.append(f"wrk.body = {_lua_long_string(request.body.decode())}")
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in request.headers]
    script = "\n".join(lines) + "\n"
    if bodies_path is not None:
        script += LUA_BODIES % {"path": json.dumps(bodies_path)}
    if rate:
        script += LUA_PACING % {"interval": threads * 1000.0 / rate}
    return script + LUA_DONE


def run_wrk(
    base_url: str,
    request: HttpRequest,
    *,
    seconds: float,
    connections: int,
    rate: float | None = None,
    cpu: int | None = None,
) -> LoadResult:
    threads = 1
    bodies_path = None
    if request.bodies:  # one JSON body a line (compact JSON has no newline)
        with tempfile.NamedTemporaryFile("wb", suffix=".bodies", delete=False) as listing:
            listing.write(b"\n".join(request.bodies) + b"\n")
        bodies_path = listing.name
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(wrk_script(request, rate, threads, bodies_path))
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", script.name]
    if cpu is not None and shutil.which("taskset"):
        command = ["taskset", "-c", str(cpu), *command]
    try:
        out = subprocess.run([*command, base_url], capture_output=True, text=True, timeout=seconds + 60, check=True)
    finally:
        Path(script.name).unlink(missing_ok=True)
        if bodies_path is not None:
            Path(bodies_path).unlink(missing_ok=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("BENCHJSON "))
    data = json.loads(line.removeprefix("BENCHJSON "))
    return LoadResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        errors=data["errors"],
        bytes=data["bytes"],
        p50_ms=data["p50"] / 1000,
        p90_ms=data["p90"] / 1000,
        p99_ms=data["p99"] / 1000,
        generator="wrk",
        error_kinds={k: data[k] for k in ERROR_KINDS if data.get(k)},
    )


class _Connection:
    """One keep-alive HTTP/1.1 connection: send a prepared request, read one response."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def exchange(self, raw: bytes) -> tuple[int, int]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status, len(head) + length


def _raw(host: str, request: HttpRequest) -> bytes:
    lines = [f"{request.method} {request.path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in request.headers]
    if request.body or request.method == "POST":
        lines.append(f"Content-Length: {len(request.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + request.body


async def run_asyncio(
    host: str, port: int, request: HttpRequest, *, seconds: float, connections: int, rate: float | None = None
) -> LoadResult:
    host_header = f"{host}:{port}"
    raws = [_raw(host_header, replace(request, body=b)) for b in request.bodies] or [_raw(host_header, request)]
    sent = iter(range(len(raws) if request.once else 1 << 62))
    pool: asyncio.Queue[_Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(_Connection(*await asyncio.open_connection(host, port)))
    latencies: list[float] = []
    counts = {"errors": 0, "bytes": 0, "status": 0, "read": 0}
    started = time.perf_counter()
    deadline = started + seconds

    async def one(scheduled: float, index: int) -> None:
        connection = await pool.get()
        try:
            status, size = await connection.exchange(raws[index % len(raws)])
            counts["bytes"] += size
            if status >= 400:
                counts["errors"] += 1
                counts["status"] += 1
        except (OSError, asyncio.IncompleteReadError, ValueError):
            counts["errors"] += 1
            counts["read"] += 1
            connection = _Connection(*await asyncio.open_connection(host, port))
        latencies.append(time.perf_counter() - scheduled)
        pool.put_nowait(connection)

    if rate is None:

        async def worker() -> None:
            for index in sent:  # (a pool sent once ends the run when it is spent)
                await one(time.perf_counter(), index)
                if time.perf_counter() >= deadline:
                    return

        await asyncio.gather(*(worker() for _ in range(connections)))
    else:
        tasks = []
        for n, index in enumerate(sent):
            if (scheduled := started + n / rate) >= deadline:
                break
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            tasks.append(asyncio.create_task(one(scheduled, index)))
        await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    while not pool.empty():
        pool.get_nowait().writer.close()
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0.0

    kinds = {k: counts[k] for k in ("status", "read") if counts[k]}
    return LoadResult(
        len(latencies), elapsed, counts["errors"], counts["bytes"], pct(0.5), pct(0.9), pct(0.99), "asyncio", kinds
    )
