"""``leerroute serve --processes 2``: two uvicorn processes on one port, each with its own
container (and, on the embedded default, its own in-process workers); a write answered by
either is read back, with the read models including it, from whichever answers the read."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from domain.values import Role
from tests.conftest import new_municipality, own_database, registration, test_settings
from tests.e2e.test_workers import ROOT, process_env, wait_until


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_two_serving_processes_answer_writes_and_read_them_back(tmp_path: Path):
    from datetime import UTC, datetime, timedelta

    from leerroute.bootstrap import build

    with own_database(tmp_path) as url:
        settings = test_settings(tmp_path, url, REDIS_URL=None)  # the in-process workers, one set per process
        container = build(settings)  # migrated here once; the processes only open it
        port = _free_port()
        argv = [sys.executable, "-m", "leerroute.cli", "serve", "--port", str(port), "--processes", "2"]
        with open(tmp_path / "serve.log", "w") as log:
            server = subprocess.Popen(argv, env=process_env(settings), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: _answers(base + "/health/live"), 120, "the two processes to serve")
            municipality = new_municipality()
            token = container.tokens.issue(subject="km", role=Role.KLANTMANAGER, organisation=municipality,
                                           now=datetime.now(UTC), ttl=timedelta(hours=1))
            headers = {"Authorization": f"Bearer {token}"}
            positions = []
            with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
                for _ in range(6):  # new connections: the kernel hands them to either process
                    written = http.post("/v1/trajectories", json=registration(), headers={"Connection": "close"})
                    assert written.status_code == 201, written.text
                    positions.append(int(written.headers["Leerroute-Log-Position"]))
                # Each read waits (bounded) for the read models; on a loaded machine ask again.
                listed: list[httpx.Response] = []

                def includes_the_writes() -> bool:
                    listed.append(http.get("/v1/trajectories", params={"minPosition": max(positions), "pageSize": 100}))
                    assert listed[-1].status_code == 200, listed[-1].text
                    return int(listed[-1].headers["Leerroute-Log-Position"]) >= max(positions)

                wait_until(includes_the_writes, 120, "the read models of the processes to include the writes")
            assert listed[-1].json()["total"] == 6
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
        from adapters.database import dispose_engine

        dispose_engine(url)
