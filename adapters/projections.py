"""Read models: the log projected into tables that lists and worklists query.

A projection reads the log from its last position onward, in batches. Each batch's rows and the
new position are written in one transaction (the position row is locked first), so a batch
processed twice is never counted twice and a crash leaves nothing half-applied.

The summary rows are computed from the aggregate's own state (``Trajectory.stage`` and so on),
so the rules of the route stay in ``domain/``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Notification
from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from adapters.database import is_sqlite, read_session, write_session
from adapters.tables import placement_summaries, projection_positions, trajectory_summaries
from domain.trajectory import Trajectory
from leerroute.application import LeerrouteApplication


class Projection(Protocol):
    name: str

    def apply(self, session: Session, app: LeerrouteApplication, notifications: Sequence[Notification]) -> None: ...


def upsert(session: Session, table: Table, rows: list[dict[str, Any]], keys: Sequence[str]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_fn(table)
    columns = [c for c in rows[0] if c not in keys]
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={c: statement.excluded[c] for c in columns}
    )
    session.execute(statement, rows)


class RouteSummaries:
    """One row per trajectory and one per placement: the lists of the API."""

    name = "route-summaries"

    def apply(self, session: Session, app: LeerrouteApplication, notifications: Sequence[Notification]) -> None:
        trajectory_topic = f"{Trajectory.__module__}:{Trajectory.__qualname__}."
        latest: dict[UUID, int] = {}
        for notification in notifications:
            if notification.topic.startswith(trajectory_topic):
                latest[notification.originator_id] = notification.originator_version
        summaries: list[dict[str, Any]] = []
        placements: list[dict[str, Any]] = []
        for trajectory_id, version in latest.items():
            trajectory = app.repository.get(trajectory_id, version=version)
            summaries.append(summary_row(trajectory))
            placements.extend(placement_rows(trajectory))
        upsert(session, trajectory_summaries, summaries, ["trajectory_id"])
        upsert(session, placement_summaries, placements, ["placement_id"])


def summary_row(trajectory: Trajectory) -> dict[str, Any]:
    return {
        "trajectory_id": trajectory.id,
        "municipality": trajectory.municipality,
        "target_group": str(trajectory.target_group),
        "stage": str(trajectory.stage),
        "status": str(trajectory.status),
        "registered_on": trajectory.registered_on,
        "last_step_on": trajectory.last_step_on,
        "version": trajectory.version,
    }


def placement_rows(trajectory: Trajectory) -> Iterable[dict[str, Any]]:
    for p in trajectory.placements.values():
        yield {
            "placement_id": p.placement_id,
            "trajectory_id": trajectory.id,
            "municipality": trajectory.municipality,
            "employer_kvk": p.employer_kvk,
            "employer_name": p.employer_name,
            "function": p.function,
            "hours_per_week": p.hours_per_week,
            "level": str(p.level),
            "status": str(p.status),
            "proposed_on": p.proposed_on,
            "confirmed_on": p.confirmed_on,
            "declined_on": p.declined_on,
            "contract_start_on": p.contract_start_on,
            "ended_on": p.ended_on,
        }


@dataclass
class ProjectionRunner:
    app: LeerrouteApplication
    database_url: str
    projections: Sequence[Projection]
    batch_size: int = 500

    def position(self, name: str) -> int:
        with read_session(self.database_url) as session:
            value = session.execute(
                select(projection_positions.c.position).where(projection_positions.c.name == name)
            ).scalar_one_or_none()
        return value or 0

    def lowest_position(self) -> int:
        return min((self.position(p.name) for p in self.projections), default=0)

    def catch_up(self, *, on_batch: Callable[[int], None] | None = None) -> int:
        """Bring every projection up to the end of the log; returns how many events were applied."""
        applied = 0
        for projection in self.projections:
            while True:
                count = self._run_batch(projection)
                if on_batch is not None and count:
                    on_batch(count)
                applied += count
                if count < self.batch_size:
                    break
        return applied

    def _run_batch(self, projection: Projection) -> int:
        with write_session(self.database_url) as session:
            position = self._lock_position(session, projection.name)
            notifications = self.app.recorder.select_notifications(
                start=position, limit=self.batch_size, inclusive_of_start=False
            )
            if not notifications:
                return 0
            projection.apply(session, self.app, notifications)
            session.execute(
                update(projection_positions)
                .where(projection_positions.c.name == projection.name)
                .values(position=notifications[-1].id)
            )
            return len(notifications)

    def _lock_position(self, session: Session, name: str) -> int:
        upsert_if_missing = (postgresql.insert if not is_sqlite(self.database_url) else sqlite.insert)(
            projection_positions
        ).values(name=name, position=0).on_conflict_do_nothing(index_elements=["name"])
        session.execute(upsert_if_missing)
        query = select(projection_positions.c.position).where(projection_positions.c.name == name)
        if not is_sqlite(self.database_url):
            query = query.with_for_update()
        return int(session.execute(query).scalar_one())

    def wait_for(self, position: int, timeout: float) -> bool:
        """Bounded wait until every projection has reached ``position``."""
        deadline = time.monotonic() + timeout
        delay = 0.005
        while self.lowest_position() < position:
            if time.monotonic() >= deadline:
                return False
            threading.Event().wait(delay)
            delay = min(delay * 2, 0.1)
        return True

    def reset(self, session: Session, projection_name: str, tables: Sequence[Table]) -> None:
        for table in tables:
            session.execute(delete(table))
        session.execute(
            update(projection_positions).where(projection_positions.c.name == projection_name).values(position=0)
        )
