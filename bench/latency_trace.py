"""Where a page's time goes under the latency-injection profile: each port call's start and end, one request.

``python -m bench.latency_trace [--catalog generated|retail] [--sigma 0] [--repeat 3]`` seeds a catalog as
the harness does, serves the BFF in process (uvloop, as the bench server) with the profile's settings
(``bench.latency.ENV``) and an in-memory OpenTelemetry exporter, and prints, for the home and product page
scenarios, the offset of every port call's span from the request's start (delays included), after warm-up
requests. What the calls do not cover is the server's own time: parsing, resolvers, encoding.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from bench import latency, runner
from bench.scenarios import Scenario, home, product_page

WARM_UP = 3


def _ms(nanoseconds: int) -> float:
    return nanoseconds / 1e6


def describe(spans: list[ReadableSpan]) -> list[str]:
    """The last request's port calls, in start order, as offsets (ms) from the request's start."""
    request = [s for s in spans if s.kind is SpanKind.SERVER][-1]
    assert request.start_time is not None and request.end_time is not None
    origin = request.start_time
    calls = [s for s in spans if s.kind is SpanKind.CLIENT and s.context.trace_id == request.context.trace_id]
    lines = [f"request {_ms(request.end_time - origin):7.2f} ms"]
    for span in sorted(calls, key=lambda s: s.start_time or 0):
        assert span.start_time is not None and span.end_time is not None
        start, end = _ms(span.start_time - origin), _ms(span.end_time - origin)
        lines.append(f"  {span.name:34} {start:7.2f} -> {end:7.2f}  ({end - start:5.2f})")
    return lines


async def _post(http: httpx.AsyncClient, scenario: Scenario, variables: dict[str, Any]) -> None:
    body = (await http.post("/graphql", json={"query": scenario.document, "variables": variables})).json()
    problem = scenario.expect(body.get("data") or {}) if not body.get("errors") else str(body["errors"])
    if problem:
        raise SystemExit(f"{scenario.name}: {problem}")


async def trace(catalog: str, products: int, sigma: float, repeat: int) -> None:
    from bff import tracing
    from bff.app import create_app
    from bff.settings import Settings

    data_dir = Path(tempfile.mkdtemp(prefix="latency-trace-"))
    env = {"BFF_ENV": "development", "BFF_DATA_DIR": str(data_dir), "BFF_RATE_LIMIT": "false"}
    print(await runner.seed(catalog, products, env))
    scenarios = [home.scenario, product_page.scenario]
    with runner.environment({**env, "BFF_LOG_LEVEL": "WARNING"}):
        async with LifespanManager(create_app(Settings())) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bff") as http:
                variables = {}
                for scenario in scenarios:
                    prepared = await scenario.prepare(_probe(http)) if scenario.prepare else {}
                    variables[scenario.name] = {**scenario.variables, **prepared}
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        tracing.install(provider)
        profile = {**latency.ENV, "BFF_LATENCY_SIGMA": str(sigma), "BFF_EXPOSE_METRICS": "true"}
        with runner.environment(profile):
            async with LifespanManager(create_app(Settings())) as manager:
                transport = httpx.ASGITransport(app=manager.app)
                async with httpx.AsyncClient(transport=transport, base_url="http://bff") as http:
                    for scenario in scenarios:
                        for n in range(WARM_UP + repeat):
                            exporter.clear()
                            await _post(http, scenario, variables[scenario.name])
                            if n >= WARM_UP:
                                print(f"--- {scenario.name}, warm request {n - WARM_UP + 1}")
                                print("\n".join(describe(list(exporter.get_finished_spans()))))
        tracing.install(None)


def _probe(http: httpx.AsyncClient) -> Any:
    async def probe(document: str, values: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = (await http.post("/graphql", json={"query": document, "variables": values})).json()
        return found

    return probe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.latency_trace", description=__doc__)
    parser.add_argument("--catalog", choices=["generated", "retail"], default="generated")
    parser.add_argument("--products", type=int, default=1000, help="size of the generated catalog")
    parser.add_argument("--sigma", type=float, default=0.1, help="spread of the delays (0: every call its median)")
    parser.add_argument("--repeat", type=int, default=3, help="requests traced per scenario, after the warm-up")
    args = parser.parse_args(argv)
    import uvloop

    uvloop.run(trace(args.catalog, args.products, args.sigma, args.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
