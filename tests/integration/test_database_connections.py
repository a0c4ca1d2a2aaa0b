"""Pooled PostgreSQL connections: one the server dropped while it sat idle in the pool is
replaced before a request uses it."""

from __future__ import annotations

import pytest
import sqlalchemy
from sqlalchemy import text
from sqlalchemy.engine import make_url

from adapters import database
from tests.conftest import POSTGRES, own_database


@pytest.mark.skipif(not POSTGRES, reason="connection pinging is for PostgreSQL")
def test_a_connection_the_server_dropped_while_idle_is_replaced(tmp_path, monkeypatch):
    monkeypatch.setattr(database, "_TRUSTED_FOR_SECONDS", 0.0)  # every checkout counts as idle
    with own_database(tmp_path) as url:
        with database.read_session(url) as session:
            first = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        admin = sqlalchemy.create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one()
        admin.dispose()

        with database.write_session(url) as session:
            second = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert second != first

