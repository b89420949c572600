"""One trace from the HTTP request, through the outbox and Kafka, into another
service's consumer."""

from __future__ import annotations

import uuid

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.conftest import ADMIN, Stack, eventually

EXPORTER = InMemorySpanExporter()


def _test_provider() -> None:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(EXPORTER))


async def test_a_trace_spans_http_outbox_kafka_and_consumer(stack: Stack) -> None:
    _test_provider()
    registry = await stack.start(
        "registry", await stack.database("registry_traced"), otel_exporter="console"
    )
    stats = await stack.start(
        "stats",
        await stack.database("stats_traced"),
        otel_exporter="console",
        consumer_group="qise-stats-traced",
    )
    try:
        community = f"t{uuid.uuid4().hex[:10]}"
        created = await registry.client.post(
            "/communities", json={"id": community, "name": "追踪社区"}, headers=ADMIN
        )
        assert created.status_code == 201
        volunteer = await registry.client.post(
            "/volunteers",
            json={"community_id": community, "name": "王芳", "phone": "13811112222"},
            headers=ADMIN,
        )
        assert volunteer.status_code == 201

        def spans_of(kind: SpanKind, name: str) -> list:
            return [s for s in EXPORTER.get_finished_spans() if s.kind == kind and name in s.name]

        async def traced() -> tuple:
            [request] = [
                s
                for s in spans_of(SpanKind.SERVER, "POST /volunteers")
                if s.attributes.get("http.status_code") == 201
                or s.attributes.get("http.response.status_code") == 201
            ]
            trace_id = request.context.trace_id
            published = [
                s
                for s in spans_of(SpanKind.PRODUCER, "publish qise.volunteer.registered.v1")
                if s.context.trace_id == trace_id
            ]
            applied = [
                s
                for s in spans_of(SpanKind.CONSUMER, "stats applies qise.volunteer.registered.v1")
                if s.context.trace_id == trace_id
            ]
            assert published and applied
            return request, published[0], applied[0]

        request, published, applied = await eventually(traced)
        assert (
            published.parent is not None and published.parent.trace_id == request.context.trace_id
        )
        assert applied.parent is not None
    finally:
        await stats.stop()
        await registry.stop()
