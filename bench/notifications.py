"""The notification figures, as ratios in one run:

- deliveries per second (a procesregie subscription to every type catching up on a backlog: read
  from the log, access checked, signed, posted, the cursor advanced) against plain HTTP POSTs per
  second of a body of the same size to the same local receiver;
- p99 time from a write's answer until its notification reaches the receiver (the workers in this
  process, as on the embedded default) against the write's own p99.

``python -m bench.notifications`` runs them alone on a fresh database (``leerroute_bench_notifications``
on the local PostgreSQL); ``leerroute bench`` runs them after its other write figures.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx


class LocalReceiver:
    """An HTTP receiver on loopback that answers 204 and notes when each log position arrived."""

    def __init__(self) -> None:
        self.arrivals: dict[int, float] = {}
        self.count = 0
        self._lock = threading.Lock()
        self.arrived = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.perf_counter()
                sequence = None
                if body.startswith(b"{"):
                    sequence = json.loads(body).get("sequence")
                with receiver.arrived:
                    receiver.count += 1
                    if sequence is not None:
                        receiver.arrivals.setdefault(int(sequence), now)
                    receiver.arrived.notify_all()
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def wait_for(self, position: int, timeout: float) -> float | None:
        deadline = time.perf_counter() + timeout
        with self.arrived:
            while position not in self.arrivals:
                left = deadline - time.perf_counter()
                if left <= 0:
                    return None
                self.arrived.wait(left)
            return self.arrivals[position]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass(frozen=True)
class NotificationFigures:
    deliveries_per_second: float
    posts_per_second: float
    deliveries: int
    delivery_p99_ms: float
    delivery_p50_ms: float
    write_p99_ms: float
    write_p50_ms: float
    samples: int

    @property
    def throughput_ratio(self) -> float:
        return self.deliveries_per_second / self.posts_per_second

    @property
    def latency_ratio(self) -> float:
        return self.delivery_p99_ms / self.write_p99_ms


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _subscribe(container, url: str) -> UUID:
    from domain import commands as c
    from domain.event_types import CATALOGUE
    from domain.values import Actor, Role

    actor = Actor(subject="bench", role=Role.PROCESREGIE, organisation="APT")
    outcome = container.service.handle(c.RegisterSubscription(
        actor=actor, on=container.clock.today(), callback_url=url, event_types=tuple(sorted(CATALOGUE))))
    return outcome.aggregate.id


def plain_posts(url: str, body: bytes, seconds: float) -> float:
    with httpx.Client() as client:
        count, deadline = 0, time.perf_counter() + seconds
        started = time.perf_counter()
        while time.perf_counter() < deadline:
            client.post(url, content=body, headers={"Content-Type": "application/json"})
            count += 1
        return count / (time.perf_counter() - started)


def measure(container, seconds: float, *, backlog: int = 1500) -> NotificationFigures:
    """Both figures on this container's database (its workers not running)."""
    from bench.workload import InProcessRoutes

    receiver = LocalReceiver()
    try:
        subscription = _subscribe(container, receiver.url)
        # A backlog of events, then one delivery run that catches up on it.
        routes = InProcessRoutes(container, client=60, first_number=9_000_000)
        commands = routes.commands()
        first = container.store.log_size()  # on a database of its own 0; in `leerroute bench` the population's log
        while container.store.log_size() < first + backlog + 10:
            next(commands)()
        container.projections.catch_up()
        container.workers.broker.flush_all()
        started = time.perf_counter()
        delivered = container.dispatcher.deliver(subscription)
        elapsed = time.perf_counter() - started
        sample = max(receiver.arrivals) if receiver.arrivals else 0
        size = len(json.dumps({"sequence": str(sample), "padding": "x" * 600}).encode())
        posts = plain_posts(receiver.url, b'{"padding": "' + b"x" * max(size - 16, 0) + b'"}', min(seconds, 5.0))

        # Write to delivery, with the workers of this process.
        writes: list[float] = []
        latencies: list[float] = []
        container.workers.start(policies=False)
        try:
            deadline = time.perf_counter() + seconds
            for command in routes.commands():
                t0 = time.perf_counter()
                outcome = command()
                t1 = time.perf_counter()
                assert outcome.position is not None
                arrived = receiver.wait_for(outcome.position, 30)
                if arrived is None:
                    raise RuntimeError(f"the notification of position {outcome.position} did not arrive within 30 s")
                writes.append(t1 - t0)
                latencies.append(arrived - t1)
                if time.perf_counter() >= deadline:
                    break
        finally:
            container.workers.stop()
        return NotificationFigures(
            deliveries_per_second=delivered / elapsed, posts_per_second=posts, deliveries=delivered,
            delivery_p99_ms=_percentile(latencies, 0.99) * 1000, delivery_p50_ms=_percentile(latencies, 0.5) * 1000,
            write_p99_ms=_percentile(writes, 0.99) * 1000, write_p50_ms=_percentile(writes, 0.5) * 1000, samples=len(latencies),
        )
    finally:
        receiver.close()


def main() -> None:
    from bench.run import build_container, fresh_database

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--backlog", type=int, default=1500)
    args = parser.parse_args()
    url = fresh_database("leerroute_bench_notifications")
    with tempfile.TemporaryDirectory() as data_dir:
        figures = measure(build_container(url, Path(data_dir)), args.seconds, backlog=args.backlog)
    print(f"deliveries/s {figures.deliveries_per_second:,.0f} against plain POSTs/s {figures.posts_per_second:,.0f}: "
          f"ratio {figures.throughput_ratio:.2f} ({figures.deliveries} deliveries)")
    print(f"write-to-delivery p99 {figures.delivery_p99_ms:.1f} ms against the write's p99 {figures.write_p99_ms:.1f} ms: "
          f"ratio {figures.latency_ratio:.2f} (p50 {figures.delivery_p50_ms:.1f} / {figures.write_p50_ms:.1f} ms, "
          f"{figures.samples} samples)")


if __name__ == "__main__":
    main()
