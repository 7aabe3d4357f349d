"""One benchmark run: seed a catalog, serve each target pinned to a core, load it, collect the numbers."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import statistics
import tempfile
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench import abuse, incremental, latency, load
from bench.scenarios import Scenario
from bench.servers import LOAD_CPU, Server, StandIns, core_busy_seconds
from bff import datasets

log = logging.getLogger("bench")
RETAIL_FEED = datasets.retail_demo_store() / "products.yaml"


@dataclass
class Options:
    profile: str = "local"
    catalogs: tuple[str, ...] = ("generated", "retail")
    products: int = 1000
    scenarios: list[str] | None = None
    targets: tuple[str, ...] = ("bff", "floor", "peer", "tuned")
    warmup: float = 2.0
    seconds: float = 5.0
    runs: int = 3
    latency_seconds: float = 6.0
    latency_runs: int = 3
    connections: int = 32
    generator: str = "auto"  # "wrk", "asyncio" or "auto" (wrk when on PATH)
    env: dict[str, str] = field(default_factory=dict)  # BFF_* overrides for the BFF server (before/after runs)
    abuse: bool = False  # after the scenarios, send the abusive requests (bench/abuse.py) to the BFF
    quick: bool = False  # short runs (a sanity check)
    incremental: bool = False  # also time @defer's first part against the whole (bench/incremental.py)
    label: str = ""
    # Paced runs at the rate that keeps the server's CPU this busy (measured by a calibration run started at
    # half the max); 0: at half the closed-loop max, as before.
    pace_cpu_share: float = 0.5
    calibration_seconds: float = 2.0
    workers: int = 1  # uvicorn worker processes of the BFF (the other targets: one)
    # After the catalog's targets: every scenario's wall-clock latency with every port's delay injected.
    latency_profile: bool = True
    latency_only: bool = False  # the latency-injection profile alone: no target is measured before it


# --- catalogs -------------------------------------------------------------------------------------------


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


async def seed(kind: str, products: int, env: dict[str, str]) -> str:
    """Fill the catalog ``env`` points at; a description of what is in it."""
    from bff.backends.registry import build_backends
    from bff.catalog_io import import_feed, seed_catalog
    from bff.catalog_io.interaction_history import seed_interactions
    from bff.settings import Settings

    # The AWS SDK reads its credentials from the environment when the client opens: keep it for the whole seed.
    with environment(env):
        if env.get("BFF_CATALOG_BACKEND") == "dynamodb":
            # The table as `bff dynamodb create-table` makes it (the DynamoDB catalog's own helper).
            from bff.backends.dynamodb_catalog import DynamoCatalogStore, create_table

            settings = Settings()
            table = await DynamoCatalogStore.open(
                settings.dynamodb_table, settings.aws_region, settings.aws_endpoint_url
            )
            try:
                await create_table(table.requests)
            finally:
                await table.close()
        stores = await seed_stores()
        async with build_backends(Settings()) as backends:
            store = backends.catalog
            if kind == "generated":
                report = await seed_catalog(store, products=products, seed=7, progress=False)
                described = f"generated demo catalog ({report.products} products, {report.variants} variants, seed 7)"
            else:
                imported = await import_feed(store, RETAIL_FEED, fmt="retail-demo-store", progress=False)
                imported.path = datasets.display(RETAIL_FEED)  # the report names no folder of this machine
                described = f"retail-demo-store ({imported})".replace("\n", " ")
            # A shopping history and the model built from it, as `bff seed` writes them: recommendations
            # come from the embedded model, not from its fallbacks.
            events = await seed_interactions(store, backends.embedded_model, seed=7)
            return f"{described}, {stores}, {events} generated shopper interactions"


async def seed_stores(count: int = 1000) -> str:
    """Demo stores for the store locator scenario (in the environment's stores backend)."""
    from bff.backends.registry import open_stores
    from bff.services import stores_seed
    from bff.settings import Settings

    async with open_stores(Settings()) as locator:
        return str(await stores_seed.seed_stores(locator, count, seed=7))


# --- requests -------------------------------------------------------------------------------------------


def graphql_body(scenario: Scenario, variables: dict[str, Any]) -> bytes:
    payload = {"query": scenario.document, "variables": variables, "operationName": scenario.operation_name}
    return orjson.dumps(payload)


def persisted_path(scenario: Scenario, variables: dict[str, Any], with_query: bool = False) -> str:
    digest = hashlib.sha256(scenario.document.encode()).hexdigest()
    params = {
        "operationName": scenario.operation_name,
        "variables": orjson.dumps(variables).decode(),
        "extensions": orjson.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}}).decode(),
    }
    if with_query:
        params["query"] = scenario.document
    return "/graphql?" + urllib.parse.urlencode(params)


JSON = (("Content-Type", "application/json"), ("Accept", "application/json"))


def request_for(target: str, scenario: Scenario, variables: dict[str, Any]) -> load.HttpRequest:
    if target == "floor":
        return load.HttpRequest(
            "POST", f"/floor/{scenario.reference or scenario.name}", graphql_body(scenario, variables), JSON
        )
    if target == "bff" and scenario.transport == "get-persisted":
        return load.HttpRequest("GET", persisted_path(scenario, variables), b"", JSON[1:])
    return load.HttpRequest("POST", "/graphql", graphql_body(scenario, variables), JSON)


async def send(http: httpx.AsyncClient, request: load.HttpRequest) -> httpx.Response:
    return await http.request(request.method, request.path, content=request.body or None, headers=dict(request.headers))


# --- measuring ------------------------------------------------------------------------------------------


def _generator(options: Options) -> str:
    if options.generator == "auto":
        return "wrk" if load.wrk_available() else "asyncio"
    return options.generator


async def drive(
    server: Server, request: load.HttpRequest, options: Options, seconds: float, rate: float | None
) -> load.LoadResult:
    if _generator(options) == "wrk" and not request.once:  # (wrk starts a pool over when it is spent)
        return await asyncio.to_thread(
            load.run_wrk,
            server.base_url,
            request,
            seconds=seconds,
            connections=options.connections,
            rate=rate,
            cpu=LOAD_CPU,
        )
    return await load.run_asyncio(
        "127.0.0.1", server.port, request, seconds=seconds, connections=options.connections, rate=rate
    )


async def drained(server: Server, quiet: float = 0.25, limit: float = 15.0) -> None:
    """Wait until the server has been (almost) idle for ``quiet`` seconds.

    A load generator that stops leaves up to one request per connection in the server's queue; latency
    measured right after a saturating run would time the first paced requests behind that backlog.
    """
    deadline = time.monotonic() + limit
    last = server.cpu_seconds()
    while time.monotonic() < deadline:
        await asyncio.sleep(quiet)
        now = server.cpu_seconds()
        if now - last <= quiet * 0.05:
            return
        last = now


async def measure(server: Server, request: load.HttpRequest, options: Options) -> dict[str, Any]:
    # Per-request bodies (a pool): each run starts where the last one stopped. A pool sent once (a checkout's:
    # sent again, a request would be a retry) is shared out among the runs by their planned length; a run
    # that spends its share ends early (``runs_cut_short``), so no body is sent twice. A pool that may wrap
    # (add_to_cart's carts) is sent in turn, starting over when spent.
    offset, consumed, cut_short = 0, 0, 0
    pacing = (options.calibration_seconds if options.pace_cpu_share else 0.0) + (
        options.latency_seconds * options.latency_runs
    )
    planned = options.warmup + options.seconds * options.runs + pacing / 2

    async def drive_next(seconds: float, rate: float | None) -> load.LoadResult:
        nonlocal offset, consumed, cut_short
        current = request
        if request.once:
            share = max(1, int(len(request.bodies) * (seconds if rate is None else seconds / 2) / planned))
            current = replace(request, bodies=request.bodies[offset : offset + share])
        elif request.bodies:
            current = replace(request, bodies=request.bodies[offset:] + request.bodies[:offset])
        result = await drive(server, current, options, seconds, rate)
        if request.once:  # (never spent: a run ends with its share)
            cut_short += result.seconds < seconds * 0.98
            offset += len(current.bodies)
            return result
        consumed += result.requests + options.connections
        if request.bodies:
            offset = (offset + result.requests + options.connections) % len(request.bodies)
        return result

    await drive_next(options.warmup, None)
    runs, cpu, served = [], 0.0, 0
    for _ in range(options.runs):
        before = server.cpu_seconds()
        result = await drive_next(options.seconds, None)
        cpu += server.cpu_seconds() - before
        served += result.requests
        runs.append(result)
    best = statistics.median(r.rps for r in runs)
    rate, calibration = max(1.0, best / 2), None
    if options.pace_cpu_share:
        # Half the closed-loop max is not half the CPU (a request costs more CPU at moderate concurrency than
        # under saturation): one short run at that rate measures the share it takes, and the paced runs go at
        # the rate that takes ``pace_cpu_share`` (never above half the max).
        await drained(server)
        before = server.cpu_seconds()
        probe = await drive_next(options.calibration_seconds, rate)
        calibration = (server.cpu_seconds() - before) / probe.seconds if probe.seconds else 0.0
        if calibration > options.pace_cpu_share * options.workers:
            rate = max(1.0, rate * options.pace_cpu_share * options.workers / calibration)
    latency_runs, busy, others, loadavg = [], [], [], []
    for _ in range(options.latency_runs):
        await drained(server)
        before, core_before = server.cpu_seconds(), core_busy_seconds()
        paced_run = await drive_next(options.latency_seconds, rate)
        own = server.cpu_seconds() - before
        busy.append(round(100 * own / paced_run.seconds) if paced_run.seconds else None)
        # The machine's share of the tail: what other processes took of the server's core, and the load.
        taken = core_busy_seconds() - core_before - own
        others.append(round(100 * max(0.0, taken) / paced_run.seconds) if paced_run.seconds else None)
        loadavg.append(round(os.getloadavg()[0], 2))
        latency_runs.append(paced_run)
    # The run with the median p99 (its p50 and p90 with it): one noisy stretch of a shared machine is not the server.
    paced = sorted(latency_runs, key=lambda r: r.p99_ms)[len(latency_runs) // 2]
    pool = {"pool": len(request.bodies), "pool_spent": consumed > len(request.bodies)} if request.bodies else {}
    if request.once:
        pool["runs_cut_short"] = cut_short
    return {
        **pool,
        "max_rps": round(best, 1),
        "runs_rps": [round(r.rps, 1) for r in runs],
        "rate_rps": round(rate, 1),
        "calibration_cpu_busy_pct": round(100 * calibration) if calibration is not None else None,
        "achieved_rps": round(paced.rps, 1),
        "p50_ms": round(paced.p50_ms, 3),
        "p90_ms": round(paced.p90_ms, 3),
        "p99_ms": round(paced.p99_ms, 3),
        "runs_p99_ms": [round(r.p99_ms, 3) for r in latency_runs],
        # The server's CPU use during each paced run, % of one core: ~50 means the rate left it half idle.
        "runs_cpu_busy_pct": busy,
        "runs_others_on_core_pct": others,
        "runs_loadavg": loadavg,
        "rss_kb": server.status("VmRSS"),
        "errors": sum(r.errors for r in runs) + sum(r.errors for r in latency_runs),
        "error_kinds": dict(sum((Counter(r.error_kinds) for r in [*runs, *latency_runs]), Counter())),
        "cpu_ms_per_request": round(1000 * cpu / served, 3) if served else None,
        "generator": paced.generator,
    }


def _without_extensions(body: bytes) -> bytes:
    decoded = orjson.loads(body)
    decoded.pop("extensions", None)
    return orjson.dumps(decoded)


async def check(server: Server, scenario: Scenario, variables: dict[str, Any]) -> dict[str, Any]:
    """One request as the load will send it (after the APQ registration dance): is the answer right?"""
    problems: list[str] = []
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        if server.target == "bff" and scenario.transport == "get-persisted":
            unknown = (await http.get(persisted_path(scenario, variables))).json()
            codes = [e.get("extensions", {}).get("code") for e in unknown.get("errors", [])]
            if codes != ["PERSISTED_QUERY_NOT_FOUND"] and unknown.get("data") is None:
                problems.append(f"hash-only GET before registration answered {codes}")
            await http.get(persisted_path(scenario, variables, with_query=True))
        request = request_for(server.target, scenario, variables)
        if scenario.variables_pool is None:  # (a pooled request is sent once: a second time is a retry)
            await send(http, request)  # a second time: what the load sees (cached, for cached scenarios)
        response = await send(http, request)
    body = response.json()
    if response.status_code != 200:
        problems.append(f"HTTP {response.status_code}")
    if body.get("errors"):
        problems.append(f"errors: {body['errors'][:2]}")
    if body.get("data") is not None:
        wrong = scenario.expect(body["data"])
        if wrong:
            problems.append(wrong)
    else:
        problems.append("no data")
    calls = body.get("extensions", {}).get("backendCalls")
    return {
        "correct": not problems,
        "problems": problems,
        "response_bytes": len(response.content),
        "backend_calls": calls,
        "body": _without_extensions(response.content),
        "cache_control": response.headers.get("cache-control"),
    }


async def probe_variables(server: Server, scenario: Scenario) -> dict[str, Any]:
    variables = dict(scenario.variables)
    if scenario.prepare is not None:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:

            async def probe(document: str, values: dict[str, Any]) -> dict[str, Any]:
                response = await http.post("/graphql", json={"query": document, "variables": values})
                decoded: dict[str, Any] = response.json()
                return decoded

            variables |= await scenario.prepare(probe)
    return variables


def pool_size(options: Options, scenario: Scenario) -> int:
    """Distinct variable sets one target's measurement sends at most (warm-up, max runs at ``pool_rate``,
    paced runs at half of it), plus a request in flight per connection at the end of each run."""
    paced = options.latency_seconds * options.latency_runs + options.calibration_seconds
    seconds = options.warmup + options.seconds * options.runs + paced / 2
    drives = 2 + options.runs + options.latency_runs
    return int(scenario.pool_rate * seconds) + options.connections * drives + 1


def targets_of(scenario: Scenario, options: Options) -> list[str]:
    """The targets that measure ``scenario`` (the floor only where it has a handler)."""
    return [
        t
        for t in options.targets
        if t == "bff" or (scenario.reference is None and (t != "floor" or has_floor(scenario)))
    ]


async def prepare_pools(
    server: Server, scenario: Scenario, options: Options, size: int | None = None
) -> dict[str, list[dict[str, Any]]]:
    """One pool of per-request variables per target (prepared through the BFF: the floor has no API)."""
    assert scenario.variables_pool is not None
    targets, size = targets_of(scenario, options), size or pool_size(options, scenario)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:

        async def probe(document: str, values: dict[str, Any]) -> dict[str, Any]:
            response = await http.post("/graphql", json={"query": document, "variables": values})
            decoded: dict[str, Any] = response.json()
            return decoded

        sets = await scenario.variables_pool(probe, size * len(targets))
    share = len(sets) // len(targets)
    log.info("%s: %d variable sets per target prepared (%d asked)", scenario.name, share, size)
    return {t: sets[i * share : (i + 1) * share] for i, t in enumerate(targets)}


async def schema_root_fields(server: Server) -> set[str]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        body = (await http.post("/graphql", json={"query": "{ __schema { queryType { fields { name } } } }"})).json()
    return {f["name"] for f in body["data"]["__schema"]["queryType"]["fields"]}


async def n_plus_one(server: Server, scenario: Scenario) -> dict[str, Any]:
    """Backend calls of the home document for 5 and for 50 products: batching means 50 cost no more (they
    may cost one less: a recommended product the longer listing holds is not read again)."""
    counts = {}
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        for first in (5, 50):
            body = orjson.loads(graphql_body(scenario, {"first": first}))
            response = (await http.post("/graphql", json=body)).json()
            counts[f"first_{first}"] = response.get("extensions", {}).get("backendCalls", {}).get("total")
    return counts


# --- a whole run ----------------------------------------------------------------------------------------


async def run_catalog(
    kind: str, scenarios: list[Scenario], options: Options, base_env: dict[str, str], workdir: Path
) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=workdir))
    env = {
        **base_env,
        "BFF_ENV": "development",
        "BFF_DATA_DIR": str(data_dir),
        "BFF_EXPOSE_METRICS": "true",
        "BFF_GRAPHIQL": "false",
        "BFF_LOG_LEVEL": "WARNING",
        "BFF_DYNAMODB_TABLE": f"bench-{kind}-{os.getpid()}",
        # One load generator is one client: per-client rate limits would measure the limiter, not the store.
        "BFF_RATE_LIMIT": "false",
        # The checkout scenario times checkout's synchronous part: the order workflow's worker stays off.
        "BFF_ORDER_WORKER_IN_APP": "false",
    }
    started = time.perf_counter()
    description = await seed(kind, options.products, env)
    log.info("seeded %s in %.1fs", description, time.perf_counter() - started)
    results: dict[str, dict[str, Any]] = {s.name: {"scenario": s, "targets": {}} for s in scenarios}
    variables: dict[str, dict[str, Any]] = {}
    pools: dict[str, dict[str, list[dict[str, Any]]]] = {}
    extra: dict[str, Any] = {}
    for target in options.targets if scenarios else ():
        server_env = {**env, **(options.env if target == "bff" else {})}
        server = Server(target, server_env, workdir, options.workers if target == "bff" else 1)
        try:
            if target == "bff":
                roots = await schema_root_fields(server)
                for s in scenarios:
                    missing = [f for f in s.requires if f not in roots]
                    if missing:
                        results[s.name]["skipped"] = f"the schema has no {', '.join(missing)} yet"
                        continue
                    variables[s.name] = await probe_variables(server, s)
                    if s.variables_pool is not None:
                        pools[s.name] = await prepare_pools(server, s, options)
                home = next((s for s in scenarios if s.name == "home"), None)
                if home is not None and "skipped" not in results["home"] and not options.latency_only:
                    extra["n_plus_one"] = await n_plus_one(server, home)
            for s in scenarios:
                entry = results[s.name]
                if "skipped" in entry or s.name not in variables:
                    continue
                if options.latency_only:
                    entry["skipped"] = "not measured: the latency-injection profile only (--latency-only)"
                    continue
                if target != "bff" and (s.reference is not None or (target == "floor" and not has_floor(s))):
                    continue
                log.info("%s / %s / %s", kind, s.name, target)
                pool = pools.get(s.name, {}).get(target) or [variables[s.name]]
                checked = await check(server, s, pool[0])
                if not checked["correct"]:
                    # A wrong answer is not measured: its speed would mean nothing.
                    entry["targets"][target] = {**{k: v for k, v in checked.items() if k != "body"}, "errors": None}
                    continue
                request = request_for(target, s, pool[0])
                if len(pool) > 1:  # each request its own variables, the first (just checked) not among them
                    bodies = tuple(request_for(target, s, v).body for v in pool[1:])
                    request = replace(request, bodies=bodies, once=s.pool_rate > 0)
                measured = await measure(server, request, options)
                entry["targets"][target] = {**{k: v for k, v in checked.items() if k != "body"}, **measured}
                entry.setdefault("bodies", {})[target] = checked["body"]
            if target == "bff" and options.abuse:
                await drained(server)
                extra["abuse"] = await abuse.run(server)
        finally:
            server.stop()
    if options.incremental:
        # Its own BFF (a delayed recommender): first part against the whole, with and without @defer.
        extra["incremental"] = await incremental.run({**env, **options.env}, workdir, quick=options.quick)
    if options.latency_profile and "bff" in options.targets:
        extra["latency_profile"] = await latency.run(scenarios, variables, env, options, workdir)
    scenario_rows = [summarise(results[s.name], results) for s in scenarios]
    return {"catalog": kind, "description": description, "scenarios": scenario_rows, **extra}


def has_floor(scenario: Scenario) -> bool:
    from bench.floor import HANDLERS

    return scenario.name in HANDLERS


def summarise(entry: dict[str, Any], results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    scenario: Scenario = entry["scenario"]
    row: dict[str, Any] = {"name": scenario.name, "transport": scenario.transport, "notes": scenario.notes}
    if "skipped" in entry:
        return {**row, "skipped": entry["skipped"]}
    reference = results[scenario.reference] if scenario.reference else entry
    targets = dict(entry["targets"])
    for name in ("floor", "peer", "tuned"):
        if name not in targets and name in reference["targets"]:
            targets[name] = {**reference["targets"][name], "reference": scenario.reference}
    bff = targets.get("bff", {})
    row["targets"] = targets
    row["ratios"] = {
        f"to_{name}": round(bff["max_rps"] / targets[name]["max_rps"], 2)
        for name in ("floor", "peer", "tuned")
        if bff and name in targets and targets[name].get("max_rps")
    }
    bodies = reference.get("bodies", {})
    if "floor" in bodies and "bff" in entry.get("bodies", {}):
        row["floor_identical"] = bodies["floor"] == entry["bodies"]["bff"]
    for name in ("peer", "tuned"):
        if name in bodies and "bff" in entry.get("bodies", {}):
            row[f"{name}_same_data"] = orjson.loads(bodies[name]) == orjson.loads(entry["bodies"]["bff"])
    row["max_backend_calls"] = scenario.max_backend_calls
    return row


async def run(options: Options, scenarios: list[Scenario]) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="bff-bench-"))
    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "profile": options.profile,
        "label": options.label,
        "bff_env": options.env,
        "machine": {
            "cpus": os.cpu_count(),
            "server_cpu": 0,
            "load_cpu": LOAD_CPU,
            "generator": _generator(options),
            "connections": options.connections,
            "seconds": options.seconds,
            "runs": options.runs,
            "latency_seconds": options.latency_seconds,
            "latency_runs": options.latency_runs,
            "pace_cpu_share": options.pace_cpu_share,
            "workers": options.workers,
        },
        "catalogs": [],
    }
    stand_ins = None
    base_env: dict[str, str] = {}
    if options.profile == "aws-local":
        report["note"] = "AWS services are local stand-ins (moto, redis-server): their latency is not AWS latency"
        stand_ins = StandIns(workdir)
        base_env = stand_ins.env()
    retail_present = RETAIL_FEED.is_file()
    try:
        for kind in options.catalogs:
            if kind == "retail" and not retail_present:
                report["catalogs"].append({"catalog": kind, "skipped": datasets.missing(RETAIL_FEED)})
                continue
            try:
                report["catalogs"].append(await run_catalog(kind, scenarios, options, base_env, workdir))
            except NotImplementedError as error:
                report["catalogs"].append({"catalog": kind, "skipped": f"backend not in this build: {error}"})
            except Exception as error:  # a profile that cannot start is reported, not fatal
                log.exception("catalog %s could not be benchmarked", kind)
                report["catalogs"].append({"catalog": kind, "skipped": f"could not run: {error!r}"})
    finally:
        if stand_ins is not None:
            stand_ins.stop()
    return report
