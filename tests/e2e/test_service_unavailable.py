"""503 with Retry-After, as problem+json, whenever what the API needs cannot be reached: every way
an OpenID Connect issuer's keys can fail to arrive, and a PostgreSQL server that is stopped while
the API runs (a private cluster this test starts itself), for reads and writes alike, with and
without a body. When the server is back, so is the API."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import TODAY, assert_problem, registration, test_settings
from tests.e2e.edge_client import api_process, deadline_poll, free_port

# --- the token issuer ------------------------------------------------------------------------------

ANSWERS: dict[str, tuple[int, str, bytes]] = {
    "html": (200, "text/html", b"<!doctype html><html><body>Sign in</body></html>"),
    "html-error": (502, "text/html", b"<html><body>Bad Gateway</body></html>"),
    "not-a-key-set": (200, "application/json", b'{"error": "maintenance"}'),
    "a-list": (200, "application/json", b"[]"),
    "no-keys": (200, "application/json", b'{"keys": []}'),
    "empty": (200, "application/json", b""),
}


class _BrokenIssuer:
    """An issuer on loopback whose JWKS address answers something that is no key set; also one
    that cuts the connection halfway through its answer."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                name = self.path.strip("/")
                if name == "cut-off":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "500")
                    self.end_headers()
                    self.wfile.write(b'{"keys": [')
                    self.close_connection = True
                    return
                status, media_type, body = ANSWERS[name]
                self.send_response(status)
                self.send_header("Content-Type", media_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def broken_issuer(database_url: str, tmp_path_factory: pytest.TempPathFactory):
    from fastapi.testclient import TestClient

    from adapters.clock import FixedClock
    from api.main import create_app
    from leerroute.bootstrap import build

    issuer = _BrokenIssuer()
    settings = test_settings(Path(tmp_path_factory.mktemp("issuer")), database_url,
                             LEERROUTE_OIDC_ISSUER=issuer.url, LEERROUTE_OIDC_JWKS_URL=issuer.url + "/html")
    container = build(settings, clock=FixedClock(TODAY))
    with TestClient(create_app(container, run_worker=False)) as client:
        yield issuer, container, client
    issuer.server.shutdown()


def _token(issuer_url: str) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    claims = {"sub": "km", "role": "klantmanager", "org": "GM0363", "iss": issuer_url, "aud": "leerroute",
              "iat": int(now.timestamp()), "exp": int((now + timedelta(minutes=5)).timestamp())}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "key-1"})


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/jwks.json"


def _assert_unavailable(response) -> dict:
    body = assert_problem(response, 503)
    assert int(response.headers["Retry-After"]) > 0
    assert body["detail"]
    return body


@pytest.mark.parametrize("answer", [*ANSWERS, "cut-off", "connection-refused"])
def test_keys_that_cannot_be_had_are_503_for_reads_and_writes(broken_issuer, answer: str):
    from adapters.tokens import OidcVerifier

    issuer, container, client = broken_issuer
    url = _closed_port_url() if answer == "connection-refused" else f"{issuer.url}/{answer}"
    container.verifier = OidcVerifier(issuer=issuer.url, audience="leerroute", jwks_url=url, refresh_cooldown_seconds=0,
                                      timeout_seconds=5)
    headers = {"Authorization": f"Bearer {_token(issuer.url)}"}
    _assert_unavailable(client.get("/v1/trajectories", headers=headers))
    _assert_unavailable(client.post("/v1/trajectories", json=registration(), headers=headers))  # checked before the body


def test_a_discovery_document_that_is_html_is_503(broken_issuer):
    from adapters.tokens import OidcVerifier

    issuer, container, client = broken_issuer
    container.verifier = OidcVerifier(issuer=issuer.url + "/html", audience="leerroute", timeout_seconds=5)
    _assert_unavailable(client.get("/v1/trajectories", headers={"Authorization": f"Bearer {_token(issuer.url + '/html')}"}))


# --- the database --------------------------------------------------------------------------------

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class PrivateCluster:
    """A PostgreSQL cluster of this test alone, on a free port, in a temporary directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.data = directory / "data"
        self._as: list[str] = []
        if os.geteuid() == 0:  # the server refuses to run as root
            self._as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(directory, "postgres")
        self._run(PG_BIN / "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: object) -> None:
        subprocess.run([*self._as, *map(str, command)], check=True, capture_output=True, cwd=self.directory)

    def start(self) -> None:
        options = f"-p {self.port} -h 127.0.0.1 -k {self.directory} -c fsync=off -c synchronous_commit=off"
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.directory / "server.log", "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    if not (PG_BIN / "initdb").exists() or (os.geteuid() == 0 and not _has_user("postgres")):
        pytest.skip("needs PostgreSQL 15's initdb and pg_ctl (and a postgres user when run as root)")
    directory = Path(tempfile.mkdtemp(prefix="leerroute-pg-"))  # readable by the postgres user, unlike pytest's tmp_path
    server = PrivateCluster(directory)
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def test_a_stopped_database_is_503_with_retry_after_and_the_api_recovers(cluster: PrivateCluster, tmp_path: Path, tokens):
    settings = test_settings(tmp_path, cluster.url)
    env = {"DATABASE_URL": cluster.url, "LEERROUTE_JWT_SECRET": settings.effective_jwt_secret,
           "LEERROUTE_PSEUDONYM_SECRET": settings.effective_pseudonym_secret,
           "LEERROUTE_PERSONAL_DATA_SECRET": settings.effective_personal_data_secret}
    km = tokens.klantmanager("GM0363")
    # The workers run in the API's process (no Redis): they too lose the database and get it back.
    with api_process({**env, "REDIS_URL": None}, data_dir=tmp_path) as (base, _):
        created = httpx.post(base + "/v1/trajectories", json=registration(), headers=km, timeout=30)
        assert created.status_code == 201, created.text
        trajectory = base + created.headers["Location"]

        cluster.stop()
        for method, url, body in [
            ("POST", base + "/v1/trajectories", registration()),
            ("POST", trajectory + "/phases/orientation/start", {"date": "2026-01-12"}),
            ("GET", trajectory, None),
            ("GET", base + "/v1/trajectories", None),
            ("GET", base + "/v1/money/reports", None),
        ]:
            response = httpx.request(method, url, json=body, headers=km, timeout=30)
            body = _assert_unavailable(response)
            assert body["type"].endswith("/database-unavailable"), (method, url, body)

        cluster.start()
        answers: list[int] = []

        def written() -> bool:
            response = httpx.post(trajectory + "/phases/orientation/start", json={"date": "2026-01-12"}, headers=km, timeout=30)
            answers.append(response.status_code)
            assert response.status_code in (200, 503), response.text
            return response.status_code == 200

        deadline_poll(written, seconds=60, what="the API to write again once the database is back")
        read = httpx.get(trajectory, headers=km, timeout=30)
        assert read.status_code == 200 and read.json()["version"] == 2, read.text
