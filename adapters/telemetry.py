"""OpenTelemetry traces: off unless configured by the standard ``OTEL_*`` variables.

Tracing is on when ``OTEL_TRACES_EXPORTER`` names an exporter (``otlp``, ``console``) or an
OTLP endpoint is set (``OTEL_EXPORTER_OTLP_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``),
and ``OTEL_SDK_DISABLED`` is not ``true``. The OTLP exporter (HTTP/protobuf) then reads its
endpoint, headers and timeout from the same variables, and the resource its
``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES``.

What is traced: each HTTP request (the FastAPI instrumentation, continuing the caller's W3C
``traceparent``), each SQL statement (the SQLAlchemy instrumentation's engine tracer, per
engine), and each dramatiq message: the context of the write that sent it travels in the
message's options (``TraceContext``), so the worker's span that projects a write belongs to that
write's trace.
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Any

import dramatiq
from dramatiq.broker import MessageProxy
from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

OPTION = "trace_context"
_lock = threading.Lock()
_from_environment: list[TracerProvider | None] = []
_traced_engines: weakref.WeakSet[Any] = weakref.WeakSet()


def enabled(environ: dict[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    exporter = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter == "none":
        return False
    return bool(exporter or env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def provider_from_environment() -> TracerProvider | None:
    """The process's tracer provider as the environment configures it (made once; None: off)."""
    with _lock:
        if not _from_environment:
            _from_environment.append(_make_provider() if enabled() else None)
        return _from_environment[0]


def _make_provider() -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "leerroute")}))
    exporters = {e.strip().lower() for e in os.environ.get("OTEL_TRACES_EXPORTER", "otlp").split(",") if e.strip()}
    if "console" in exporters:
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    if "otlp" in exporters or not exporters:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def trace_engine(engine: Any, provider: TracerProvider) -> None:
    """Trace every statement of ``engine`` (once per engine)."""
    from opentelemetry.instrumentation.sqlalchemy import __version__
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import get_meter

    with _lock:
        if engine in _traced_engines:
            return
        _traced_engines.add(engine)
    tracer = trace.get_tracer("opentelemetry.instrumentation.sqlalchemy", __version__, provider)
    usage = get_meter("opentelemetry.instrumentation.sqlalchemy", __version__).create_up_down_counter(
        "db.client.connections.usage", unit="connections"
    )
    EngineTracer(tracer, engine, usage)


def trace_app(app: Any, provider: TracerProvider) -> None:
    """Trace every HTTP request of a FastAPI app, except health and metrics."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls="health/live,health/ready,metrics")


class TraceContext(dramatiq.Middleware):
    """Carries the sender's trace context in each message's options, and runs each message in a
    span of that trace (dramatiq has no maintained OpenTelemetry instrumentation)."""

    def __init__(self, provider: TracerProvider):
        self._tracer = trace.get_tracer("leerroute.workers", tracer_provider=provider)
        self._running: dict[str, tuple[Any, object]] = {}
        self._lock = threading.Lock()

    def before_enqueue(self, broker: dramatiq.Broker, message: dramatiq.Message, delay: int | None) -> None:
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        if carrier:
            message.options[OPTION] = carrier

    def before_process_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        parent = propagate.extract(message.options.get(OPTION) or {})
        span = self._tracer.start_span(
            f"dramatiq {message.actor_name}", context=parent, kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.system": "dramatiq", "messaging.destination.name": message.queue_name,
                        "messaging.message.id": message.message_id},
        )
        token = context.attach(trace.set_span_in_context(span, parent))
        with self._lock:
            self._running[message.message_id] = (span, token)

    def after_process_message(
        self, broker: dramatiq.Broker, message: MessageProxy, *, result: Any = None, exception: BaseException | None = None
    ) -> None:
        with self._lock:
            running = self._running.pop(message.message_id, None)
        if running is None:
            return
        span, token = running
        if exception is not None:
            span.record_exception(exception)
            span.set_status(trace.Status(trace.StatusCode.ERROR, str(exception)))
        span.end()
        context.detach(token)  # type: ignore[arg-type]

    def after_skip_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        self.after_process_message(broker, message)
