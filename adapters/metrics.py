"""Prometheus metrics (prometheus-client): what leerroute counts as it runs, and what it reads
when scraped.

Counted where it happens, once per process: commands by type and outcome (at
``Service.handle``, the one way down), time-policy runs and the milestones they recorded, HTTP
requests by route template and status (``api.metrics``). Read at each scrape (``LiveMetrics``):
each projection's lag behind the log in events and seconds and whether it stopped, and the
messages waiting in the workers' queues.

With ``PROMETHEUS_MULTIPROC_DIR`` set, the counters of every process on the host that shares
that directory (API workers, ``leerroute worker``) are added up at each scrape
(prometheus-client's multiprocess mode); otherwise a worker in another container serves its own
counters with ``leerroute worker --metrics-port``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from domain import errors as domain_errors
from leerroute import errors as service_errors

COMMANDS = Counter("leerroute_commands", "Commands handled, by type and outcome", ["command", "outcome"])
POLICY_RUNS = Counter("leerroute_time_policy_runs", "Runs of the time-driven policies, by outcome", ["outcome"])
MILESTONES = Counter("leerroute_time_policy_milestones", "Milestones the time-driven policies recorded")
RETENTION_ERASURES = Counter("leerroute_retention_erasures", "Candidates whose personal data the retention term erased")
REQUESTS = Histogram(
    "leerroute_http_request_duration_seconds", "HTTP requests by method, route template and status",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

_OUTCOMES: Sequence[tuple[type[BaseException], str]] = (
    (domain_errors.NotFound, "not-found"),
    (domain_errors.Forbidden, "forbidden"),
    (domain_errors.InvalidField, "invalid"),
    (domain_errors.Ineligible, "ineligible"),
    (domain_errors.RuleViolation, "rule-violation"),
    (service_errors.VersionMismatch, "version-mismatch"),
    (service_errors.ConcurrentWriteConflict, "conflict"),
    (service_errors.IdempotencyKeyReused, "key-reused"),
)


def outcome_of(error: BaseException | None, *, replayed: bool = False) -> str:
    if error is None:
        return "replayed" if replayed else "ok"
    for kind, name in _OUTCOMES:
        if isinstance(error, kind):
            return name
    return "error"


def count_command(command: str, error: BaseException | None, replayed: bool) -> None:
    COMMANDS.labels(command=command, outcome=outcome_of(error, replayed=replayed)).inc()


def count_policy_run(recorded: int, error: BaseException | None) -> None:
    POLICY_RUNS.labels(outcome="ok" if error is None else "error").inc()
    MILESTONES.inc(recorded)


class LiveMetrics(Collector):
    """Gauges read at each scrape: ``lags()`` gives (name, events behind, seconds behind,
    stopped) per projection; ``queues()`` the messages waiting per queue."""

    def __init__(self, lags: Callable[[], Iterable[tuple[str, int, float, bool]]], queues: Callable[[], dict[str, int]]):
        self._lags = lags
        self._queues = queues

    def collect(self) -> Iterable[Any]:
        events = GaugeMetricFamily("leerroute_projection_lag_events", "Events a projection has not read yet", labels=["projection"])
        seconds = GaugeMetricFamily(
            "leerroute_projection_lag_seconds", "Age of the oldest event a projection has not read yet", labels=["projection"]
        )
        stopped = GaugeMetricFamily(
            "leerroute_projection_stopped", "1 while a projection is stopped at an event it could not process", labels=["projection"]
        )
        for name, behind, age, is_stopped in self._lags():
            events.add_metric([name], behind)
            seconds.add_metric([name], age)
            stopped.add_metric([name], 1 if is_stopped else 0)
        depth = GaugeMetricFamily("leerroute_queue_depth", "Messages waiting in a worker queue", labels=["queue"])
        try:
            for queue, size in self._queues().items():
                depth.add_metric([queue], size)
        except Exception:  # the broker is down: the queue depth is unknown, the rest still shows
            pass
        return [events, seconds, stopped, depth]


def exposition(live: Collector | None) -> tuple[bytes, str]:
    """The text a scrape gets: this process's (or, in multiprocess mode, every process's)
    counters, and the live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    if live is not None:
        own = CollectorRegistry()
        own.register(live)
        body += generate_latest(own)
    return body, CONTENT_TYPE_LATEST
