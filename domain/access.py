"""Who may see and do what: decided here, once, for every entry point.

Invisible things are reported as not found by the entry points, so their existence does not
leak; a visible thing the role may not change is forbidden.
"""

from __future__ import annotations

from domain.trajectory import Trajectory
from domain.values import Actor, Role


def can_see_trajectory(actor: Actor, trajectory: Trajectory) -> bool:
    if actor.role is Role.KLANTMANAGER:
        return actor.organisation == trajectory.municipality
    if actor.role is Role.PROCESREGIE:
        return True
    if actor.role is Role.EMPLOYER:
        return any(p.employer_kvk == actor.organisation for p in trajectory.placements.values())
    return False


def can_see_personal_data(actor: Actor, trajectory: Trajectory) -> bool:
    return actor.role is Role.KLANTMANAGER and actor.organisation == trajectory.municipality


def can_see_placement(actor: Actor, trajectory: Trajectory, placement_id: str) -> bool:
    placement = trajectory.placements.get(placement_id)
    if placement is None or not can_see_trajectory(actor, trajectory):
        return False
    if actor.role is Role.EMPLOYER:
        return placement.employer_kvk == actor.organisation
    return True


def can_manage_route(actor: Actor, trajectory: Trajectory) -> bool:
    """Log steps, benefit changes and maatwerk: the municipality's own klantmanagers."""
    return actor.role is Role.KLANTMANAGER and actor.organisation == trajectory.municipality


# Roles that may call each kind of write at all (checked before the body is even read).
ROUTE_WRITERS = frozenset({Role.KLANTMANAGER})
PLACEMENT_ANSWERERS = frozenset({Role.EMPLOYER})
PLACEMENT_PARTIES = frozenset({Role.KLANTMANAGER, Role.EMPLOYER})
TRAJECTORY_READERS = frozenset({Role.KLANTMANAGER, Role.PROCESREGIE})
LIST_READERS = frozenset({Role.KLANTMANAGER, Role.PROCESREGIE})
PLACEMENT_LIST_READERS = frozenset({Role.KLANTMANAGER, Role.EMPLOYER, Role.PROCESREGIE})
