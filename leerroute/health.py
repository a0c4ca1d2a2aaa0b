"""Health: is this process alive, and is leerroute ready to serve?

Ready means: the database answers, Redis answers (where configured), the database's migrations
are at the head this code knows, and every projection runs and lags behind the log by no more
than the configured bound (``LEERROUTE_READY_MAX_LAG_EVENTS`` events and
``LEERROUTE_READY_MAX_LAG_SECONDS`` seconds). A stopped projection (an event it could not
process) fails the check and names the event and the error.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters import health
from adapters.eventstore import EventStore
from adapters.health import Check
from adapters.projection_runner import ProjectionRunner


@dataclass(frozen=True)
class ProjectionLag:
    name: str
    position: int
    events: int
    seconds: float
    stopped_at: int | None
    error: str | None


@dataclass(frozen=True)
class Readiness:
    checks: list[Check]
    projections: list[ProjectionLag]

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]


@dataclass
class Health:
    database_url: str
    redis_url: str | None
    store: EventStore
    projections: ProjectionRunner
    max_lag_events: int
    max_lag_seconds: float

    def lags(self) -> list[ProjectionLag]:
        end = self.projections.log_size()
        lags = []
        for state in self.projections.states():
            seconds = health.lag_seconds(self.store, self.database_url, state.position) if state.position < end else 0.0
            stopped = state.stopped
            lags.append(ProjectionLag(
                state.name, state.position, max(0, end - state.position), seconds,
                stopped.position if stopped else None, stopped.error if stopped else None,
            ))
        return lags

    def readiness(self) -> Readiness:
        checks = [health.database(self.database_url)]
        if self.redis_url:
            checks.append(health.redis_ping(self.redis_url))
        if not checks[0].ok:
            return Readiness(checks, [])
        checks.append(health.migrations(self.database_url))
        lags = self.lags()
        for lag in lags:
            checks.append(self._projection_check(lag))
        return Readiness(checks, lags)

    def _projection_check(self, lag: ProjectionLag) -> Check:
        name = f"projection:{lag.name}"
        if lag.stopped_at is not None:
            return Check(name, False, f"stopped at log position {lag.stopped_at}: {lag.error}")
        if lag.events > self.max_lag_events or lag.seconds > self.max_lag_seconds:
            return Check(name, False, f"{lag.events} events and {lag.seconds:.1f} s behind the log")
        return Check(name, True, f"{lag.events} events and {lag.seconds:.1f} s behind the log")
