"""The workers as separate processes on PostgreSQL and Redis: killed at random moments, cut off
from Redis, and still the read models end up equal to a full replay of the log."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.clock import FixedClock
from bench.generator import generate
from domain.values import Role
from tests.conftest import TODAY, own_database, registration, requires_postgres_and_redis, test_settings
from tests.read_models import full_replay, table_contents

pytestmark = requires_postgres_and_redis

ROOT = Path(__file__).resolve().parents[2]
def wait_until(condition, timeout: float, what: str) -> None:
    """A bounded poll: the condition must hold within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        pause.wait(0.1)


class Processes:
    def __init__(self, env: dict[str, str], logs: Path):
        self.env = env
        self.logs = logs
        self.worker: subprocess.Popen | None = None

    def start_worker(self) -> None:
        log = open(self.logs / f"worker-{time.monotonic_ns()}.log", "w")  # noqa: SIM115
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "leerroute.cli", "worker", "--no-policies"], env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )

    def kill_worker(self) -> None:
        assert self.worker is not None
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait(timeout=30)

    def rebuild(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "leerroute.cli", "projections", "rebuild"],
            env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )

    def stop(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            self.worker.send_signal(signal.SIGTERM)
            try:
                self.worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.worker.kill()


def process_env(settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEERROUTE_")}
    env.update(
        DATABASE_URL=settings.effective_database_url,
        REDIS_URL=settings.redis_url or "",
        LEERROUTE_DATA_DIR=str(settings.data_dir),
        LEERROUTE_JWT_SECRET=settings.effective_jwt_secret,
        LEERROUTE_PSEUDONYM_SECRET=settings.effective_pseudonym_secret,
        LEERROUTE_PERSONAL_DATA_SECRET=settings.effective_personal_data_secret,
        LEERROUTE_CATCH_UP_SECONDS=str(settings.catch_up_seconds),
        PYTHONPATH=str(ROOT),
    )
    return env


@pytest.fixture
def leerroute(tmp_path: Path) -> Iterator[tuple[Any, Processes]]:
    from leerroute.bootstrap import build

    with own_database(tmp_path) as url:
        settings = test_settings(tmp_path, url, LEERROUTE_CATCH_UP_SECONDS=1.0)
        container = build(settings, clock=FixedClock(TODAY))
        processes = Processes(process_env(settings), tmp_path)
        try:
            yield container, processes
        finally:
            processes.stop()


def _write_some(container, count: int, seed: int) -> None:
    """More routes through the application, as the API would write them."""
    generate(container, routes=count, seed=seed, batch=5)


def test_read_models_equal_a_full_replay_after_rebuilds_and_workers_are_killed(leerroute):
    container, processes = leerroute
    rng = random.Random(11)
    generate(container, routes=1500, seed=3)
    processes.start_worker()
    end = container.projections.log_size()
    wait_until(lambda: container.projections.lowest_position() >= end, 120, "the worker to catch up")
    incremental = table_contents(container.database_url)
    assert incremental == full_replay(container)

    kills = 0
    for round_number in range(5):
        rebuild = processes.rebuild()
        # the rebuild prints one line per batch: kill it somewhere in its first half
        batches = container.projections.log_size() // container.projections.batch_size
        lines = rng.randint(1, max(1, batches // 2))
        assert rebuild.stderr is not None
        for _ in range(lines):
            if not rebuild.stderr.readline():
                break
        rebuild.send_signal(signal.SIGKILL)
        rebuild.wait(timeout=30)
        kills += rebuild.returncode == -signal.SIGKILL
        # Meanwhile the log grows and the worker is killed in the middle of catching up.
        _write_some(container, 20, seed=100 + round_number)
        processes.kill_worker()
        processes.start_worker()
    assert kills == 5

    end = container.projections.log_size()
    wait_until(lambda: container.projections.lowest_position() >= end, 120, "the restarted worker to catch up")
    incremental = table_contents(container.database_url)
    assert incremental == full_replay(container)

    # A rebuild that runs to the end yields exactly the incrementally built tables.
    processes.kill_worker()
    finished = processes.rebuild()
    _, errors = finished.communicate(timeout=600)
    assert finished.returncode == 0, errors
    assert "rebuilt route-summaries, funnel" in errors
    assert table_contents(container.database_url) == incremental


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """A Redis of this test's own, so it can be stopped without touching anyone else's."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed for the Redis outage test"
    port = _free_port()

    def start() -> subprocess.Popen:
        server = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=port, socket_connect_timeout=0.2)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.exceptions.ConnectionError:
                return False

        wait_until(answers, 15, "the private Redis to start")
        return server

    state = {"server": start()}

    def stop() -> None:
        state["server"].terminate()
        state["server"].wait(timeout=15)

    def restart() -> None:
        state["server"] = start()

    try:
        yield f"redis://127.0.0.1:{port}/0", type("Control", (), {"stop": staticmethod(stop), "restart": staticmethod(restart)})
    finally:
        if state["server"].poll() is None:
            stop()


def test_writes_are_accepted_while_redis_is_down_and_the_read_models_catch_up(tmp_path, private_redis):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from leerroute.bootstrap import build

    redis_url, redis_server = private_redis
    with own_database(tmp_path) as url:
        settings = test_settings(tmp_path, url, REDIS_URL=redis_url, LEERROUTE_CATCH_UP_SECONDS=3.0)
        container = build(settings, clock=FixedClock(TODAY))
        processes = Processes(process_env(settings), tmp_path)
        processes.start_worker()
        token = container.tokens.issue(subject="km", role=Role.KLANTMANAGER, organisation="GM0344",
                                       now=datetime.now(UTC), ttl=timedelta(hours=1))
        headers = {"Authorization": f"Bearer {token}"}
        try:
            with TestClient(create_app(container, run_worker=False)) as api:
                def register() -> int:
                    response = api.post("/v1/trajectories", json=registration(), headers=headers)
                    assert response.status_code == 201, response.text
                    return int(response.headers["Leerroute-Log-Position"])

                position = register()
                wait_until(lambda: container.projections.lowest_position() >= position, 30, "the first write")

                redis_server.stop()
                positions = [register() for _ in range(10)]
                assert api.get("/v1/trajectories", headers=headers).status_code == 200

                redis_server.restart()
                positions.append(register())
                wait_until(lambda: container.projections.lowest_position() >= max(positions), 60, "the read models to catch up")
                listed = api.get(f"/v1/trajectories?minPosition={max(positions)}", headers=headers).json()
                assert listed["total"] == 12
                assert processes.worker is not None and processes.worker.poll() is None, "the worker survived the outage"
        finally:
            processes.stop()
