"""OpenTelemetry traces from an HTTP request through the outbox and Kafka into the
consumers of other services. Off by default; `QISE_OTEL_EXPORTER=console|otlp`
turns it on (OTLP uses the standard `OTEL_EXPORTER_OTLP_ENDPOINT`).

The trace context travels inside each event as the CloudEvents distributed-tracing
extension (`traceparent`, `tracestate`), and as Kafka headers of the same names.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import Span, SpanKind

tracer = trace.get_tracer("qise")
TRACE_KEYS = ("traceparent", "tracestate")


class _State:
    enabled = False


def tracing_enabled() -> bool:
    return _State.enabled


def configure_tracing(service: str, exporter: str) -> bool:
    """Install a tracer provider (once per process); True when tracing is on."""
    if exporter == "none":
        return False
    _State.enabled = True
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return True  # already configured, e.g. by a test with an in-memory exporter
    chosen: SpanExporter
    if exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        chosen = OTLPSpanExporter()
    else:
        chosen = ConsoleSpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": f"qise-{service}"}))
    provider.add_span_processor(BatchSpanProcessor(chosen))
    trace.set_tracer_provider(provider)
    return True


def instrument(app: FastAPI) -> None:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")


def trace_headers() -> dict[str, str]:
    """The current trace context as `traceparent` (and `tracestate`), empty outside a trace."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


@contextmanager
def span_from(name: str, carrier: dict[str, str], kind: SpanKind) -> Iterator[Span]:
    """A span continuing the trace that `carrier` names (a new trace when it names none)."""
    with tracer.start_as_current_span(name, context=propagate.extract(carrier), kind=kind) as span:
        yield span
