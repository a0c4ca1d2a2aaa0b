"""Shared fixtures: one leerroute per test session on the configured database.

Without ``DATABASE_URL`` the tests run on the embedded default (an SQLite file in a temporary
directory, the worker in-process). With ``DATABASE_URL=postgresql+psycopg://...`` they create a
fresh database on that server for the session and drop it afterwards; with ``REDIS_URL`` the
workers' messages go through Redis.
"""

from __future__ import annotations

import itertools
import os
import random
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy.engine import make_url

from adapters import regions
from adapters.clock import FixedClock
from domain.values import Role

TODAY = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _create_postgres_database(base_url: str) -> str:
    url = make_url(base_url)
    name = f"leerroute_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sqlalchemy.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(test_url: str) -> None:
    from adapters.database import dispose_engine

    dispose_engine(test_url)
    url = make_url(test_url)
    admin = sqlalchemy.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("DATABASE_URL")
    if not configured:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'leerroute.db'}"
        return
    url = _create_postgres_database(configured)
    yield url
    _drop_postgres_database(url)


POSTGRES = (os.environ.get("DATABASE_URL") or "").startswith("postgresql")
requires_postgres_and_redis = pytest.mark.skipif(
    not (POSTGRES and os.environ.get("REDIS_URL")),
    reason="needs DATABASE_URL=postgresql+psycopg://... and REDIS_URL (the CI's second run sets both)",
)


def test_settings(data_dir: Path, database_url: str, **overrides: object):
    """Settings for a leerroute under test; secrets fixed so tokens of one test run agree."""
    from leerroute.settings import Settings

    values: dict[str, object] = {
        "LEERROUTE_DATA_DIR": data_dir,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL"),
        "LEERROUTE_JWT_SECRET": "test-secret-" + "x" * 40,
        "LEERROUTE_PSEUDONYM_SECRET": "test-pseudonyms-" + "y" * 40,
        "LEERROUTE_PERSONAL_DATA_SECRET": "test-personal-data-" + "p" * 40,
        "LEERROUTE_CATCH_UP_SECONDS": 0.5,
    }
    values.update(overrides)
    return Settings(**values)


test_settings.__test__ = False  # a helper, not a test


@pytest.fixture(scope="session")
def container(database_url: str, tmp_path_factory: pytest.TempPathFactory):
    from leerroute.bootstrap import build

    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    c = build(test_settings(Path(tmp_path_factory.mktemp("data")), database_url), clock=FixedClock(TODAY))
    c.workers.start(policies=False)
    yield c
    c.workers.stop()


@contextmanager
def own_database(directory: Path) -> Iterator[str]:
    """A database of its own, for tests that look at whole tables."""
    configured = os.environ.get("DATABASE_URL")
    if not configured:
        yield f"sqlite:///{directory / 'own.db'}"
        return
    url = _create_postgres_database(configured)
    try:
        yield url
    finally:
        _drop_postgres_database(url)


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[str]:
    with own_database(tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def api(container):
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app(container, run_worker=False)) as client:
        yield client


@pytest.fixture(scope="session")
def live_server(container) -> Iterator[str]:
    """The API on a real uvicorn server on loopback, for tests that need true concurrency."""
    import uvicorn

    from api.main import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(container, run_worker=False), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(500):
        if server.started:
            started.set()
            break
        started.wait(0.01)
    assert server.started, "the test server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


class Tokens:
    def __init__(self, container) -> None:
        self._container = container

    def headers(self, role: str, org: str, subject: str = "tester") -> dict[str, str]:
        token = self._container.tokens.issue(
            subject=subject, role=Role(role), organisation=org, now=datetime.now(UTC), ttl=timedelta(hours=1)
        )
        return {"Authorization": f"Bearer {token}"}

    def klantmanager(self, municipality: str, subject: str = "km-1") -> dict[str, str]:
        return self.headers("klantmanager", municipality, subject)

    def employer(self, kvk: str, subject: str = "hr-1") -> dict[str, str]:
        return self.headers("employer", kvk, subject)


@pytest.fixture(scope="session")
def tokens(container) -> Tokens:
    return Tokens(container)


_rng = random.Random()


def new_bsn() -> str:
    """A random BSN that passes the 11-check."""
    while True:
        digits = [_rng.randint(0, 9) for _ in range(8)]
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        last = total % 11
        if last < 10 and digits[0] != 0:
            return "".join(map(str, digits)) + str(last)


# Real municipality codes (registration refuses others), less those tests name themselves.
SHIPPED_REGIONS = Path(__file__).parents[1] / "leerroute" / "regions.csv"
_NAMED_IN_TESTS = {"GM0363", "GM0599", "GM0518", "GM0503", "GM0344", "GM0014"}
_POOL = [code for code in regions.read(SHIPPED_REGIONS).current() if code not in _NAMED_IN_TESTS]
_municipalities = itertools.count(_rng.randint(0, len(_POOL) - 1))
_handed_out = 0


def new_municipality() -> str:
    """A real municipality code no other test of this session uses (of the 336 a session can
    hand out)."""
    global _handed_out
    _handed_out += 1
    assert _handed_out <= len(_POOL), "more fresh municipalities than the country has"
    return _POOL[next(_municipalities) % len(_POOL)]


def new_kvk() -> str:
    return f"{_rng.randint(10_000_000, 99_999_999)}"


def registration(bsn: str | None = None, registered_on: str = "2026-01-05", **overrides: object) -> dict:
    body = {
        "candidate": {"bsn": bsn or new_bsn(), "givenNames": "Amal", "familyName": "Haddad", "birthDate": "1990-03-04"},
        "targetGroup": "statushouder",
        "registeredOn": registered_on,
        "benefit": {"monthlyAmountCents": 125_000, "since": "2024-06-01"},
    }
    body.update(overrides)
    return body


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == status and body["type"] and body["title"]
    return body


def served_paths(document: dict) -> dict[str, dict]:
    """The OpenAPI document's path items by the path they are served at: a path is relative to
    its own ``servers`` or else to the document's (``/v1``)."""
    base = document.get("servers", [{"url": ""}])[0]["url"]
    found = {}
    for path, item in document["paths"].items():
        prefix = item.get("servers", [{"url": base}])[0]["url"].rstrip("/")
        found[prefix + path] = {k: v for k, v in item.items() if k != "servers"}
    return found
