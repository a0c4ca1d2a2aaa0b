"""The trace of a write continues in a worker process of its own: the dramatiq message carries
the trace context through Redis, and the worker (tracing configured by the OTEL_* variables,
exporting to its console) projects the write in a span of the request's trace."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from adapters.clock import FixedClock
from domain.values import Role
from tests.conftest import TODAY, own_database, registration, requires_postgres_and_redis, test_settings
from tests.e2e.test_health_and_metrics import bearer
from tests.e2e.test_workers import ROOT, private_redis, process_env  # noqa: F401 (private_redis: a fixture)
from workers.actors import PROJECTIONS_QUEUE

pytestmark = requires_postgres_and_redis

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"


def _objects(text: str) -> list[dict]:
    """Every JSON object in the worker's output (its log lines and the spans it exported)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while (start := text.find("{", at)) != -1:
        try:
            value, at = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            at = start + 1
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


def test_the_worker_process_projects_the_write_in_the_requests_trace(tmp_path: Path, private_redis):  # noqa: F811
    from fastapi.testclient import TestClient

    from api.main import create_app
    from leerroute.bootstrap import build

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with own_database(tmp_path) as url:
        # A Redis of its own: the session's in-process workers on the shared one would take the message.
        redis_url, _ = private_redis
        settings = test_settings(tmp_path, url, REDIS_URL=redis_url, LEERROUTE_CATCH_UP_SECONDS=3600)
        container = build(settings, clock=FixedClock(TODAY), tracer_provider=provider)
        env = {**process_env(settings), "OTEL_TRACES_EXPORTER": "console", "OTEL_SERVICE_NAME": "leerroute-worker"}
        log = tmp_path / "worker.log"
        with open(log, "w") as out:
            worker = subprocess.Popen([sys.executable, "-m", "leerroute.cli", "worker", "--no-policies"], env=env, cwd=ROOT,
                                      stdout=out, stderr=subprocess.STDOUT)
        try:
            with TestClient(create_app(container, run_worker=False)) as api:
                km = bearer(container, Role.KLANTMANAGER, "GM0363")
                # A first write, once projected, says the worker is up and past its start-up
                # catch-up; after it, only a message projects anything (the next catch-up is an hour away).
                first = api.post("/v1/trajectories", json=registration(), headers=km)
                assert container.projections.wait_for(int(first.headers["Leerroute-Log-Position"]), timeout=60)
                # The first write's message handled too (its events may have come with the start-up
                # catch-up): else that message's catch-up could take the traced write's events.
                container.workers.broker.join(PROJECTIONS_QUEUE, timeout=60_000)
                headers = {**km, "traceparent": f"00-{TRACE_ID}-b7ad6b7169203331-01"}
                written = api.post("/v1/trajectories", json=registration(), headers=headers)
                assert written.status_code == 201, written.text
                assert container.projections.wait_for(int(written.headers["Leerroute-Log-Position"]), timeout=60)
        finally:
            worker.send_signal(signal.SIGTERM)  # a stopped worker exports the spans it still holds
            worker.wait(timeout=60)
    spans = [o for o in _objects(log.read_text()) if o.get("context", {}).get("trace_id") == "0x" + TRACE_ID]
    consumers = [s for s in spans if s["name"] == "dramatiq catch_up_projections"]
    assert consumers and consumers[0]["kind"] == "SpanKind.CONSUMER", log.read_text()[-3000:]
    assert consumers[0]["resource"]["attributes"]["service.name"] == "leerroute-worker"
    worker_ids = {s["context"]["span_id"] for s in consumers}
    projected = [s for s in spans if s.get("parent_id") in worker_ids
                 and "trajectory_summaries" in str(s.get("attributes", {}).get("db.statement", ""))]
    assert projected, [s["name"] for s in spans]
    requests = [s for s in exporter.get_finished_spans() if format(s.context.trace_id, "032x") == TRACE_ID]
    assert any(s.kind.name == "SERVER" for s in requests)
