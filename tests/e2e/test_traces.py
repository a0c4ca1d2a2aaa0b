"""Traces: one trace spans the HTTP request that writes (continuing the caller's traceparent),
its SQL, and the worker's projection of that write (the context travels in the dramatiq
message); and the JSON logs carry the trace id."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from adapters.clock import FixedClock
from adapters.logs import JsonFormatter
from domain.values import Role
from tests.conftest import TODAY, registration, test_settings
from tests.e2e.test_health_and_metrics import bearer
from tests.e2e.test_workers import wait_until
from workers.actors import PROJECTIONS_QUEUE

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def _statement(span) -> str:
    attributes = span.attributes or {}
    return str(attributes.get("db.statement") or attributes.get("db.query.text") or "")


def test_one_trace_spans_the_request_its_sql_and_the_projection(fresh_database: str, tmp_path: Path):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from leerroute.bootstrap import build

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    # The periodic catch-up runs once at the start and then not again during the test: the
    # projection of the write is the dramatiq message's.
    settings = test_settings(tmp_path, fresh_database, REDIS_URL=None, LEERROUTE_CATCH_UP_SECONDS=3600)
    container = build(settings, clock=FixedClock(TODAY), tracer_provider=provider)
    with TestClient(create_app(container, run_worker=True)) as api:
        # What the start found in the log (version 1 of the route model) is projected and its
        # messages are handled before the write, so that no start-up catch-up takes the write's events.
        assert container.projections.wait_for(container.projections.log_size(), timeout=30)
        container.workers.broker.join(PROJECTIONS_QUEUE, timeout=30_000)
        headers = {**bearer(container, Role.KLANTMANAGER, "GM0363"), "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}
        written = api.post("/v1/trajectories", json=registration(), headers=headers)
        assert written.status_code == 201, written.text
        assert written.headers["Trace-Id"] == TRACE_ID
        assert container.projections.wait_for(int(written.headers["Leerroute-Log-Position"]), timeout=30)

        def traced() -> tuple[list, list, list]:
            spans = [s for s in exporter.get_finished_spans() if format(s.context.trace_id, "032x") == TRACE_ID]
            workers = [s for s in spans if s.name == "dramatiq catch_up_projections"]
            projected = [s for s in spans if s.parent is not None and s.parent.span_id in {w.context.span_id for w in workers}
                         and "trajectory_summaries" in _statement(s)]
            return spans, workers, projected

        wait_until(lambda: traced()[2], 30, "the worker's span of the projection")
        spans, workers, projected = traced()

    server = [s for s in spans if s.kind is trace.SpanKind.SERVER]
    assert server and server[0].parent is not None and format(server[0].parent.span_id, "016x") == "00f067aa0ba902b7"
    request_sql = [s for s in spans if "leerroute_events" in _statement(s).lower() and "insert" in _statement(s).lower()]
    assert request_sql, [s.name for s in spans]
    assert workers and workers[0].kind is trace.SpanKind.CONSUMER
    assert projected, [(s.name, _statement(s)[:60]) for s in spans]


def test_json_logs_carry_the_trace_id_of_the_current_span():
    provider = TracerProvider()
    record = logging.LogRecord("leerroute.test", logging.WARNING, __file__, 1, "projection %s behind", ("funnel",), None)
    with provider.get_tracer("test").start_as_current_span("work") as span:
        line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "projection funnel behind" and line["level"] == "warning" and line["logger"] == "leerroute.test"
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert "trace_id" not in json.loads(JsonFormatter().format(record))  # outside a span: none
