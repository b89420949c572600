"""Logs are JSON lines naming the service and the trace being handled."""

from __future__ import annotations

import json
import logging

import pytest
import structlog
from opentelemetry.sdk.trace import TracerProvider

from shared.logs import configure_logging


def test_a_log_line_is_json_with_service_and_trace(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("registry", "json")
        with TracerProvider().get_tracer("test").start_as_current_span("request") as span:
            logging.getLogger("shared.outbox").warning("relay failed: %s", "broker away")
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    finally:
        root.handlers, root.level = saved[0], saved[1]
        structlog.contextvars.clear_contextvars()
    assert line["event"] == "relay failed: broker away"
    assert line["service"] == "registry" and line["level"] == "warning"
    assert line["logger"] == "shared.outbox"
    assert line["trace_id"] == f"{span.get_span_context().trace_id:032x}"
    assert line["timestamp"].endswith("Z")
