"""The latency-injection profile: each scenario's wall-clock latency when every service answers late.

After a catalog's targets, the BFF is served again with ``BFF_LATENCY_INJECTION=true`` (every port call
waits a delay drawn around its capability's median: ``bff/backends/latency.py``) and the catalog read
through the shared cache, as it is deployed on DynamoDB and ElastiCache (``BFF_CATALOG_READ_THROUGH``).
Each scenario is checked once, then paced at a low fixed rate (``RATE`` requests/s, so the server's CPU is
not what is measured) and its p50/p99 compared with the median delay of the slowest service it called: a
page whose calls overlap takes about that delay, one whose calls wait on each other the sum of its rounds.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.servers import Server
from bff.backends.latency import medians

if TYPE_CHECKING:
    from bench.runner import Options
    from bench.scenarios import Scenario

RATE = 20.0
# Pages whose end-to-end latency must stay within 1.2x their slowest dependency's delay.
BOUNDED = {"home": 1.2, "product_page": 1.2}
ENV = {"BFF_LATENCY_INJECTION": "true", "BFF_CATALOG_READ_THROUGH": "true"}


def slowest(backend_calls: dict[str, int] | None, profile: dict[str, float]) -> tuple[str | None, float | None]:
    """The capability with the longest median delay among those a request called, and that delay (ms)."""
    capabilities = {name.split(".", 1)[0] for name in (backend_calls or {}) if name != "total"}
    delays = {c: profile[c] for c in capabilities if c in profile}
    if not delays:
        return None, None
    name = max(delays, key=lambda c: delays[c])
    return name, delays[name]


async def run(
    scenarios: list[Scenario],
    variables: dict[str, dict[str, Any]],
    env: dict[str, str],
    options: Options,
    workdir: Path,
) -> dict[str, Any]:
    from bench import runner

    profile = medians({})
    server = Server("bff", {**env, **options.env, **ENV}, workdir)
    rows: list[dict[str, Any]] = []
    try:
        for scenario in scenarios:
            if scenario.name not in variables:
                continue
            pool = [variables[scenario.name]]
            if scenario.variables_pool is not None:
                size = int(RATE * options.latency_seconds) + 2 * options.connections + 1
                only_bff = replace(options, targets=("bff",))
                pool = (await runner.prepare_pools(server, scenario, only_bff, size))["bff"]
            checked = await runner.check(server, scenario, pool[0])
            name, delay = slowest((checked.get("backend_calls") or {}), profile)
            row: dict[str, Any] = {"name": scenario.name, "slowest": name, "slowest_median_ms": delay}
            if not checked["correct"]:
                rows.append({**row, "problems": checked["problems"]})
                continue
            request = runner.request_for("bff", scenario, pool[0])
            if len(pool) > 1:
                request = replace(request, bodies=tuple(runner.request_for("bff", scenario, v).body for v in pool[1:]))
            await runner.drained(server)
            result = await runner.drive(server, request, options, options.latency_seconds, RATE)
            ratio = round(result.p50_ms / delay, 2) if delay else None
            rows.append(
                {
                    **row,
                    "backend_calls": checked["backend_calls"],
                    "achieved_rps": round(result.rps, 1),
                    "p50_ms": round(result.p50_ms, 2),
                    "p99_ms": round(result.p99_ms, 2),
                    "p50_to_slowest": ratio,
                    "bound": BOUNDED.get(scenario.name),
                    "errors": result.errors,
                }
            )
    finally:
        server.stop()
    return {"medians_ms": profile, "sigma": 0.1, "rate_rps": RATE, "settings": ENV, "scenarios": rows}


def markdown(section: dict[str, Any]) -> list[str]:
    lines = [
        "",
        f"### Latency-injection profile (every port call delayed; {section['rate_rps']:.0f} req/s, "
        f"`{' '.join(f'{k}={v}' for k, v in section['settings'].items())}`)",
        "",
        "Median delay per service (ms, log-normal, sigma "
        f"{section['sigma']}): " + ", ".join(f"{k} {v:g}" for k, v in section["medians_ms"].items()),
        "",
        "| scenario | backend calls | slowest service (median ms) | p50 ms | p99 ms | p50 ÷ slowest | bound | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in section["scenarios"]:
        if "problems" in row:
            lines.append(f"| {row['name']} | PROBLEM {row['problems']} |||||||")
            continue
        calls = row.get("backend_calls") or {}
        lines.append(
            f"| {row['name']} | {calls.get('total')} | {row['slowest']} ({row['slowest_median_ms']}) "
            f"| {row['p50_ms']} | {row['p99_ms']} | {row['p50_to_slowest']} | {row['bound'] or '–'} "
            f"| {row['errors']} |"
        )
    return lines
