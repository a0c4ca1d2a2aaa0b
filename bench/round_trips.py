"""Round trips to PostgreSQL, counted at the wire: every time a connection, after sending, waits
for the server's answer (libpq's protocol trace: a frontend message followed by a backend one).

Used by the benchmarks and the tests that hold the write path to its round trips; nothing in
the running service counts.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event


@dataclass
class Trips:
    """Round trips and the statements sent, over every connection checked out while counting."""

    round_trips: int = 0
    statements: list[str] = field(default_factory=list)

    def add(self, trace: str) -> None:
        previous = ""
        for line in trace.splitlines():
            parts = line.split("\t")
            if len(parts) < 3:
                continue
            direction, message = parts[0], parts[2]
            if direction == "B" and previous == "F":
                self.round_trips += 1
            if direction == "F" and message in ("Query", "Parse") and len(parts) > 3:
                self.statements.append(parts[3].strip())
            previous = direction


@contextmanager
def counted(engine: Engine) -> Iterator[Trips]:
    """Count the round trips of every connection of ``engine`` that this thread checks out inside
    the block (a connection checked out before it is counted from its next checkout; other
    threads' connections, such as a worker's on the same engine, are not counted)."""
    import threading

    import psycopg

    trips = Trips()
    traces: dict[int, Any] = {}
    owner = threading.get_ident()

    def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if threading.get_ident() != owner:
            return
        file = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed at checkin
        traces[id(dbapi_connection)] = file
        dbapi_connection.pgconn.trace(file.fileno())
        dbapi_connection.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE)

    def checkin(dbapi_connection: Any, record: Any) -> None:
        file = traces.pop(id(dbapi_connection), None)
        if file is None:
            return
        if not dbapi_connection.closed:
            dbapi_connection.pgconn.untrace()
        file.seek(0)
        trips.add(file.read())
        file.close()

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    try:
        yield trips
    finally:
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "checkin", checkin)
