"""The README's PostgreSQL + Redis walk-through, run as written: the snippet is taken from
README.md and run by bash. Only the names of what it would share with others on this machine
are changed: the database (``leerroute``), the Redis database (``/0``) and the port (``8000``)
become this run's own; ``LEERROUTE_DATA_DIR`` points into a temporary directory.

Then the API it started answers, a registration through it is projected by the worker it
started (through Redis: the API runs without workers), and the candidate's personal data is
readable with the secret the snippet made."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import uuid
from pathlib import Path

import httpx
import sqlalchemy
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES, registration, requires_postgres_and_redis
from tests.e2e.edge_client import ROOT, deadline_poll, free_port

pytestmark = requires_postgres_and_redis


def readme_snippet() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("### PostgreSQL and Redis", 1)[1]
    found = re.search(r"```sh\n(.*?)```", section, re.S)
    assert found, "the README has no PostgreSQL + Redis snippet"
    return found.group(1)


def _own(snippet: str, *, database: str, redis_db: str, port: int) -> str:
    replacements = {
        "127.0.0.1:5432/leerroute\n": f"127.0.0.1:5432/{database}\n",
        "-U postgres leerroute\n": f"-U postgres {database}\n",
        "127.0.0.1:6379/0\n": f"127.0.0.1:6379/{redis_db}\n",
        "--port 8000": f"--port {port}",
    }
    for old, new in replacements.items():
        assert old in snippet, f"the snippet no longer says {old!r}: update this test"
        snippet = snippet.replace(old, new)
    return snippet


def test_the_readme_postgresql_and_redis_walkthrough_runs_as_written(tmp_path: Path):
    assert POSTGRES
    database = f"leerroute_readme_{uuid.uuid4().hex[:8]}"
    redis_db = os.environ["REDIS_URL"].rsplit("/", 1)[1]
    port = free_port()
    script = _own(readme_snippet(), database=database, redis_db=redis_db, port=port)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEERROUTE_") and k not in ("DATABASE_URL", "REDIS_URL")}
    env["LEERROUTE_DATA_DIR"] = str(tmp_path / "var")
    log = (tmp_path / "walkthrough.log").open("w")
    shell = subprocess.Popen(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        def up() -> bool:
            assert shell.poll() is None, (tmp_path / "walkthrough.log").read_text()[-3000:]
            try:
                return httpx.get(base + "/v1/openapi.json", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        deadline_poll(up, seconds=180, what="the walk-through's API")
        token = subprocess.run(["./dev", "leerroute", "token", "--role", "klantmanager", "--org", "GM0363"], cwd=ROOT, env=env,
                               capture_output=True, text=True, check=True).stdout.strip()
        headers = {"Authorization": f"Bearer {token}"}
        created = httpx.post(base + "/v1/trajectories", json=registration(), headers=headers, timeout=30)
        assert created.status_code == 201, created.text
        position = int(created.headers["Leerroute-Log-Position"])

        listed: list[str] = []

        def projected() -> bool:
            response = httpx.get(base + "/v1/trajectories", params={"minPosition": position}, headers=headers, timeout=30)
            assert response.status_code == 200, response.text
            listed[:] = [t["id"] for t in response.json()["items"]]
            return created.json()["id"] in listed

        deadline_poll(projected, seconds=60, what="the walk-through's worker to project the registration")
        read = httpx.get(base + created.headers["Location"], headers=headers, timeout=30)
        assert read.status_code == 200 and read.json()["candidate"]["familyName"] == "Haddad", read.text
    finally:
        os.killpg(shell.pid, signal.SIGTERM)
        try:
            shell.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(shell.pid, signal.SIGKILL)
        log.close()
        server = make_url(os.environ["DATABASE_URL"]).set(database="postgres")
        admin = sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.dispose()
