"""Fuzz the running service with schemathesis: every operation of its OpenAPI document, with a
valid token for each role (and none), on PostgreSQL in a fresh database.

Checks: no 5xx, and every response matches the documented status codes, content type and
schema. Any finding fails the run (exit 1). Used by .ci/run and `./dev fuzz`.

    python .ci/fuzz.py [--examples 20] [--seed 1]

The service runs as `uvicorn api.main:create_app --factory` on loopback with the workers in
its process; its database is created on the server of DATABASE_URL (or the local PostgreSQL)
and dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.tokens import TokenService  # noqa: E402
from domain.values import Role  # noqa: E402

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
JWT_SECRET = "fuzz-" + uuid.uuid4().hex + uuid.uuid4().hex
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
ROLES = [
    ("klantmanager", Role.KLANTMANAGER, "GM0363"),
    ("employer", Role.EMPLOYER, "12345678"),
    ("fund", Role.FUND, "ooft"),
    ("procesregie", Role.PROCESREGIE, "APT"),
    ("privacy officer", Role.PRIVACY_OFFICER, "GM0363"),
    ("no token", None, None),
]


def admin_engine(server: str) -> sqlalchemy.Engine:
    return sqlalchemy.create_engine(make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seeded_parameters(base: str, klantmanager_token: str) -> str:
    """Register a route in GM0363 with a placement at employer 12345678; return a schemathesis
    configuration that sends its ids as the path parameters."""
    headers = {"Authorization": f"Bearer {klantmanager_token}"}
    registration = httpx.post(f"{base}/v1/trajectories", headers=headers, timeout=30, json={
        "candidate": {"bsn": "111222333", "givenNames": "Amal", "familyName": "Haddad", "birthDate": "1990-03-04"},
        "targetGroup": "statushouder", "registeredOn": "2026-01-05",
        "benefit": {"monthlyAmountCents": 125000, "since": "2024-06-01"}})
    registration.raise_for_status()
    route = registration.headers["Location"]
    placement = httpx.post(f"{base}{route}/placements", headers=headers, timeout=30, json={
        "date": "2026-06-01", "employer": {"kvkNumber": "12345678", "name": "Installatiebedrijf Noord BV"},
        "function": "assistent-hulpmonteur", "hoursPerWeek": 36, "level": "assistent"})
    placement.raise_for_status()
    trajectory_id = route.rsplit("/", 1)[-1]
    placement_id = placement.headers["Location"].rsplit("/", 1)[-1]
    return f'[parameters]\n"path.trajectory_id" = "{trajectory_id}"\n"path.placement_id" = "{placement_id}"\n'


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=15, help="test cases per operation and role")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    configured = os.environ.get("DATABASE_URL", "")
    server = configured if configured.startswith("postgresql") else DEFAULT_SERVER
    name = f"leerroute_fuzz_{os.getpid()}"
    with admin_engine(server).connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    data_dir = Path(tempfile.mkdtemp(prefix="leerroute-fuzz-"))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "LEERROUTE_DATA_DIR": str(data_dir), "LEERROUTE_JWT_SECRET": JWT_SECRET,
           "LEERROUTE_PSEUDONYM_SECRET": "fuzz-pseudonyms-" + uuid.uuid4().hex,
           "LEERROUTE_PERSONAL_DATA_SECRET": "fuzz-personal-data-" + uuid.uuid4().hex}
    env.pop("REDIS_URL", None)  # the workers run in the service's process
    log = (data_dir / "service.log").open("w")
    service = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host", "127.0.0.1", "--port", str(port),
         "--no-access-log"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    failed: list[str] = []
    try:
        for _ in range(600):
            if service.poll() is not None:
                raise SystemExit(f"the service did not start:\n{(data_dir / 'service.log').read_text()[-3000:]}")
            try:
                if httpx.get(base + "/v1/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        tokens = TokenService(JWT_SECRET, "leerroute-dev", "leerroute")
        now = datetime.now(UTC)

        def token(role: Role, organisation: str, label: str) -> str:
            return tokens.issue(subject=f"fuzz-{label}", role=role, organisation=organisation, now=now, ttl=timedelta(hours=2))

        # A route with a placement, so that a second pass reaches the rules behind the 404s.
        config = data_dir / "schemathesis.toml"
        config.write_text(seeded_parameters(base, token(Role.KLANTMANAGER, "GM0363", "seed")))
        passes = [(label, role, organisation, None) for label, role, organisation in ROLES]
        passes += [(f"{label} on a real route", role, organisation, config)
                   for label, role, organisation in ROLES if role in (Role.KLANTMANAGER, Role.EMPLOYER)]
        for label, role, organisation, config_file in passes:
            command = [sys.executable, "-m", "schemathesis.cli"]
            if config_file is not None:
                command += ["--config-file", str(config_file)]
            command += ["run", f"{base}/v1/openapi.json", "--checks", CHECKS, "--max-examples", str(args.examples),
                        "--seed", str(args.seed), "--workers", "1", "--phases", "examples,coverage,fuzzing",
                        "--suppress-health-check", "all", "--no-shrink", "--warnings", "off"]
            if role is not None:
                command += ["--header", f"Authorization: Bearer {token(role, organisation, label)}"]
            print(f"== schemathesis as {label}", flush=True)
            started = time.monotonic()
            result = subprocess.run(command, cwd=ROOT, env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"})
            print(f"== {label}: exit {result.returncode} in {time.monotonic() - started:.0f} s", flush=True)
            if result.returncode != 0:
                failed.append(label)
        time.sleep(3)  # let the workers catch up with the last writes, so their failures show in the log
    finally:
        service.terminate()
        try:
            service.wait(timeout=20)
        except subprocess.TimeoutExpired:
            service.kill()
        log.close()
        lines = (data_dir / "service.log").read_text().splitlines()
        errors = [line for line in lines if "Traceback" in line or "ERROR" in line]
        if errors:
            # An exception the HTTP responses did not show (a projection or worker failing on what
            # a request wrote) is a finding too: it stalls the read models for everyone.
            print(f"the service logged {len(errors)} error lines; see {data_dir / 'service.log'}")
            first = lines.index(errors[0])
            print("\n".join(lines[first : first + 40]))
            failed.append("the service's own log")
        with admin_engine(server).connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not errors:
            shutil.rmtree(data_dir, ignore_errors=True)
    if failed:
        print(f"fuzzing found problems as: {', '.join(failed)}")
        return 1
    print("fuzzing: no findings")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
