"""OpenTelemetry traces: a span per HTTP request and one per port call beneath it, or no span work at all.

``BFF_OTEL_EXPORTER`` chooses where spans go: ``none`` (the default) installs nothing, and then neither the
middleware nor the port boundary touches OpenTelemetry; ``otlp`` exports over HTTP (the ``otlp`` extra, set up
by the standard ``OTEL_EXPORTER_OTLP_*`` variables); ``console`` prints them. The provider is process-wide
(as OpenTelemetry's own is); tests install one with an in-memory exporter through :func:`install`. Port
wrappers take :func:`current_tracer` when they are built, so install a provider before the app starts.

Request spans continue an incoming W3C ``traceparent``, carry the request id (``bff.request_id``) and the
response status; JSON log lines carry the trace and span id (``bff.logs``).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.propagate import extract
from opentelemetry.trace import SpanKind, Tracer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

    from bff.settings import Settings

_tracer: Tracer | None = None
# The request being served, for the port-call spans (set only while tracing).
request_id: ContextVar[str | None] = ContextVar("trace_request_id", default=None)
# Span names stay few: a path outside these is named by its method alone.
_ROUTES = frozenset({"/graphql", "/healthz", "/readyz", "/metrics", "/.well-known/jwks.json"})


def install(provider: TracerProvider | None) -> None:
    """Trace through ``provider`` from now on (``None``: stop tracing)."""
    global _tracer
    _tracer = provider.get_tracer("bff") if provider is not None else None


def current_tracer() -> Tracer | None:
    return _tracer


def configure(settings: Settings) -> None:
    """Install the exporter ``settings`` name, once per process; ``none`` leaves tracing as it is (off)."""
    if settings.otel_exporter == "none" or _tracer is not None:
        return
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": settings.otel_service_name}))
    provider.add_span_processor(BatchSpanProcessor(_exporter(settings)))
    trace.set_tracer_provider(provider)  # also for any other instrumentation in the process
    install(provider)


def _exporter(settings: Settings) -> SpanExporter:
    if settings.otel_exporter == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError as error:
        raise RuntimeError(
            "BFF_OTEL_EXPORTER=otlp needs the `otlp` extra: pip install 'storefront-bff[otlp]'"
        ) from error
    return OTLPSpanExporter()


class TracingMiddleware:
    """One server span per HTTP request, current while the app handles it (so port calls nest under it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        tracer = _tracer
        if tracer is None or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope["path"]
        rid = scope.get("state", {}).get("request_id")
        attributes: dict[str, Any] = {"http.request.method": scope["method"], "url.path": path}
        if rid:
            attributes["bff.request_id"] = rid
        name = f"{scope['method']} {path}" if path in _ROUTES else scope["method"]
        with tracer.start_as_current_span(
            name, context=extract(headers), kind=SpanKind.SERVER, attributes=attributes
        ) as span:

            async def send_recording(message: Message) -> None:
                if message["type"] == "http.response.start":
                    span.set_attribute("http.response.status_code", message["status"])
                await send(message)

            token = request_id.set(rid)
            try:
                await self.app(scope, receive, send_recording)
            finally:
                request_id.reset(token)


def log_ids() -> tuple[str, str] | None:
    """The current trace and span id as hex, for log lines; ``None`` outside a recorded span."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")
