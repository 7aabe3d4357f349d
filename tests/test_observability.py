"""Telemetry at the port boundary: Prometheus histograms at ``/metrics`` (off by default, private in
production) and an OpenTelemetry span per request and per port call (none when tracing is off)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from bff import tracing
from bff.logs import JsonFormatter
from bff.settings import Settings
from tests.conftest import app_client, make_settings
from tests.test_batching import HOME
from tests.test_settings import PRODUCTION

HISTOGRAM = 'bff_port_call_seconds_count{capability="catalog",operation="list_products"}'


def sample(exposition: str, name: str) -> float:
    (line,) = [line for line in exposition.splitlines() if line.startswith(name + " ")]
    return float(line.rsplit(" ", 1)[1])


async def test_metrics_are_not_served_unless_enabled(seeded_dir: Path) -> None:
    async with app_client(make_settings(seeded_dir)) as http:
        response = await http.get("/metrics")
    assert response.status_code == 404


async def test_metrics_expose_a_histogram_per_capability_and_operation(seeded_dir: Path) -> None:
    async with app_client(make_settings(seeded_dir, metrics_endpoint=True)) as http:
        before = (await http.get("/metrics")).text
        await http.post("/graphql", json={"query": HOME, "variables": {"first": 5}})
        await http.post("/graphql", json={"query": HOME, "variables": {"first": 5}})
        after = await http.get("/metrics")

    assert after.status_code == 200 and after.headers["content-type"].startswith("text/plain")
    count = sample(after.text, HISTOGRAM)
    assert count - (sample(before, HISTOGRAM) if HISTOGRAM in before else 0) == 2
    assert 'bff_port_call_seconds_bucket{capability="catalog",le="0.001",operation="list_products"}' in after.text


async def test_metrics_with_a_token_need_it(seeded_dir: Path) -> None:
    token = "t" * 40
    settings = make_settings(seeded_dir, metrics_endpoint=True, metrics_token=token)
    async with app_client(settings) as http:
        anonymous = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"authorization": "Bearer nope"})
        scrape = await http.get("/metrics", headers={"authorization": f"Bearer {token}"})

    assert (anonymous.status_code, wrong.status_code, scrape.status_code) == (401, 401, 200)
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "bff_port_call_seconds" in scrape.text


def test_production_refuses_a_public_metrics_route() -> None:
    with pytest.raises(ValueError, match="BFF_METRICS_TOKEN"):
        Settings(**PRODUCTION, metrics_endpoint=True)
    with pytest.raises(ValueError, match="BFF_METRICS_TOKEN"):
        Settings(**PRODUCTION, metrics_endpoint=True, metrics_token="short")
    assert Settings(**PRODUCTION, metrics_endpoint=True, metrics_token="m" * 32).metrics_endpoint


async def test_a_span_per_port_call_under_the_request_span(seeded_dir: Path, spans: InMemorySpanExporter) -> None:
    async with app_client(make_settings(seeded_dir)) as http:
        response = await http.post("/graphql", json={"query": HOME, "variables": {"first": 5}})
    request_id = response.headers["x-request-id"]

    finished = spans.get_finished_spans()
    (request,) = [s for s in finished if s.kind is SpanKind.SERVER]
    # Start-up and shutdown calls (the example handles, closing) are traces of their own.
    calls = [s for s in finished if s.kind is SpanKind.CLIENT and s.context.trace_id == request.context.trace_id]
    assert request.name == "POST /graphql"
    assert request.attributes is not None and request.attributes["bff.request_id"] == request_id
    assert request.attributes["http.response.status_code"] == 200
    assert calls and {s.name for s in calls} == set(response.json()["extensions"]["backendCalls"]) - {"total"}
    for call in calls:
        assert call.parent is not None and call.parent.span_id == request.context.span_id
        assert call.context.trace_id == request.context.trace_id
        assert call.attributes is not None
        capability, operation = call.name.split(".")
        assert (call.attributes["bff.capability"], call.attributes["bff.operation"]) == (capability, operation)
        assert call.attributes["bff.request_id"] == request_id


async def test_the_request_span_continues_the_callers_trace(seeded_dir: Path, spans: InMemorySpanExporter) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    async with app_client(make_settings(seeded_dir)) as http:
        await http.get("/healthz", headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})

    (request,) = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert format(request.context.trace_id, "032x") == trace_id


async def test_no_span_work_when_tracing_is_off(seeded_dir: Path) -> None:
    assert tracing.current_tracer() is None
    app = app_client(make_settings(seeded_dir))
    async with app as http:
        await http.post("/graphql", json={"query": HOME, "variables": {"first": 5}})
        search = app.state.backends.search
    # The port's calls hold the adapter's methods themselves: no tracing (nor any other) layer.
    assert search.calls[0] == search.target.search  # type: ignore[attr-defined]


def test_json_log_lines_carry_the_trace_id(spans: InMemorySpanExporter) -> None:
    tracer = tracing.current_tracer()
    assert tracer is not None
    record = logging.LogRecord("bff.test", logging.INFO, __file__, 1, "hello", None, None)
    with tracer.start_as_current_span("work") as span:
        line = JsonFormatter().format(record)
    assert f'"trace_id":"{span.get_span_context().trace_id:032x}"' in line
    assert '"trace_id"' not in JsonFormatter().format(record)


def test_the_otlp_exporter_is_chosen_by_settings() -> None:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    exporter = tracing._exporter(Settings(env="test", otel_exporter="otlp"))
    assert isinstance(exporter, OTLPSpanExporter)
    exporter.shutdown()
