"""The bewaartermijn: how long a candidate's personal data is kept after the route ended.

A route ends when the candidate dropped out (and did not re-enter: the last drop-out counts),
when the work and development guarantee ended, or when the guarantee ran its full term (the
route completed). The personal data is erased, by the same crypto-shredding as an erasure on
request, the configured months (``MilestoneTerms.retention_months``) after that end, unless the
privacy officer recorded a documented hold on the route (``Trajectory.hold_retention``). As in
Open Zaak's archiving, the end date plus the term is the date of the archive action.

Who sees what falls due, and who may hold a route: the privacy officer of the route's
municipality (``retention_scope``, ``can_hold``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.errors import Forbidden
from domain.trajectory import Trajectory
from domain.values import Actor, MilestoneTerms, Role, TrajectoryStatus, add_months

SCHEDULE_READERS = frozenset({Role.PRIVACY_OFFICER})
HOLDERS = frozenset({Role.PRIVACY_OFFICER})
# How far ahead the privacy officer's list looks.
LOOK_AHEAD_MONTHS = 1


def route_ended_on(trajectory: Trajectory, terms: MilestoneTerms) -> date | None:
    """The day the route ended; None while it runs."""
    if trajectory.status is TrajectoryStatus.DROPPED_OUT:
        return trajectory.drop_outs[-1]["on"]
    guarantee = trajectory.guarantee
    if guarantee is not None:
        if guarantee.ended_on is not None:
            return guarantee.ended_on
        return add_months(guarantee.issued_on, 12 * terms.guarantee_years)  # completed: the guarantee ran its term
    return None


def erasure_due_on(trajectory: Trajectory, terms: MilestoneTerms) -> date | None:
    """The day the candidate's personal data falls due for erasure (held or not)."""
    ended = route_ended_on(trajectory, terms)
    return add_months(ended, terms.retention_months) if ended is not None else None


def erasure_due(trajectory: Trajectory, *, erased: bool, today: date, terms: MilestoneTerms) -> bool:
    """Whether the retention term erases the candidate's personal data today: it is due, not
    held, and not erased already (so a second run erases nothing)."""
    due = erasure_due_on(trajectory, terms)
    return not erased and trajectory.retention_hold is None and due is not None and due <= today


@dataclass(frozen=True)
class RetentionScope:
    municipality: str
    until: date  # due on or before this day


def retention_scope(actor: Actor, today: date) -> RetentionScope:
    """The privacy officer sees what falls due in the own municipality within the coming month."""
    if actor.role not in SCHEDULE_READERS:
        raise Forbidden(f"role {actor.role} sees no retention schedule")
    return RetentionScope(actor.organisation, add_months(today, LOOK_AHEAD_MONTHS))


def can_hold(actor: Actor, trajectory: Trajectory) -> bool:
    return actor.role in HOLDERS and actor.organisation == trajectory.municipality
