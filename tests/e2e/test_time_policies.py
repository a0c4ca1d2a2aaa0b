"""Milestones that arise from time alone, with an injected clock moved across month and year
boundaries and across the configured limits. Each is recorded once, however often the policies
run."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from adapters.clock import FixedClock
from adapters.queries import due_trajectories
from domain.values import MilestoneTerms
from leerroute.policies import TimePolicies
from leerroute.route_models import BaselineRouteModels
from leerroute.service import Service
from tests.conftest import new_kvk, new_municipality, registration

TERMS = MilestoneTerms(
    lasting_placement_months=6, check_in_interval_months=6, check_in_window_days=30, guarantee_years=10, stall_weeks=8
)


class WithTerms:
    """The container's unit of work, with routes that follow a version 1 of ``terms`` (a route's
    milestone terms are its route model's; these tests move them without publishing versions)."""

    def __init__(self, uow: Any, terms: MilestoneTerms) -> None:
        self._uow = uow
        self.route_models = BaselineRouteModels(terms)

    def __enter__(self) -> WithTerms:
        self._uow.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._uow.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._uow, name)


class Clocked:
    def __init__(self, container, terms: MilestoneTerms = TERMS) -> None:
        self.clock = FixedClock(datetime(2025, 1, 1, 12, tzinfo=UTC))
        service = Service(
            lambda: WithTerms(container.unit_of_work(), terms), today=self.clock.today, access=container.access,
            region_of=container.region_of, terms=terms,
        )
        self.policies = TimePolicies(service, lambda today: due_trajectories(container.database_url, today), self.clock.today)

    def run_on(self, day: date, trajectory_id: str) -> int:
        from uuid import UUID

        self.clock.move_to(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
        return self.policies.run_one(UUID(trajectory_id), self.clock.today())


def _milestones(api, headers, trajectory_id: str) -> list[tuple[str, str]]:
    events = api.get(f"/v1/trajectories/{trajectory_id}/history", headers=headers).json()["events"]
    return [
        (e["type"], e["occurredOn"])
        for e in events
        if e["type"] in ("LastingPlacementReached", "GuaranteeCheckInDue", "RouteStalled")
    ]


def _placed(api, tokens, *, registered_on: str, proposed_on: str, confirmed_on: str, contract_on: str):
    km = tokens.klantmanager(new_municipality())
    kvk = new_kvk()
    body = registration(registered_on=registered_on, benefit={"monthlyAmountCents": 125_000, "since": "2023-01-02"})
    trajectory_id = api.post("/v1/trajectories", json=body, headers=km).json()["id"]
    base = f"/v1/trajectories/{trajectory_id}"
    proposed = api.post(
        f"{base}/placements",
        json={"date": proposed_on, "employer": {"kvkNumber": kvk, "name": "Bouw BV"}, "function": "monteur",
              "hoursPerWeek": 36, "level": "full"},
        headers=km,
    )
    placement = proposed.headers["Location"]
    employer = tokens.employer(kvk)
    assert api.post(f"{placement}/confirmation", json={"date": confirmed_on}, headers=employer).status_code == 200
    assert api.post(f"{placement}/contract-start", json={"date": contract_on, "hoursPerWeek": 36}, headers=employer).status_code == 200
    return km, trajectory_id, base, placement


@pytest.mark.parametrize(
    ("contract_on", "months", "day_before", "reached_on"),
    [
        ("2025-08-31", 6, date(2026, 2, 27), date(2026, 2, 28)),  # 31 August + 6 months: end of February
        ("2025-10-31", 3, date(2026, 1, 30), date(2026, 1, 31)),  # across the year boundary
        ("2024-02-29", 12, date(2025, 2, 27), date(2025, 2, 28)),  # a leap day, a year on
    ],
)
def test_a_placement_lasting_the_configured_months_is_recorded_once(api, tokens, container, contract_on, months, day_before, reached_on):
    km, trajectory_id, _, _ = _placed(
        api, tokens, registered_on="2023-12-04", proposed_on="2024-01-08", confirmed_on="2024-01-15", contract_on=contract_on
    )
    clocked = Clocked(container, MilestoneTerms(months, 6, 30, 10, 8))
    assert clocked.run_on(day_before, trajectory_id) == 0
    assert clocked.run_on(reached_on, trajectory_id) == 1
    assert clocked.run_on(reached_on, trajectory_id) == 0
    assert clocked.run_on(date(2027, 1, 1), trajectory_id) == 0
    assert _milestones(api, km, trajectory_id) == [("LastingPlacementReached", reached_on.isoformat())]


def test_a_placement_ended_inside_the_period_never_becomes_lasting(api, tokens, container):
    km, trajectory_id, _, placement = _placed(
        api, tokens, registered_on="2025-01-06", proposed_on="2025-02-01", confirmed_on="2025-02-03", contract_on="2025-03-01"
    )
    assert api.post(f"{placement}/ending", json={"date": "2025-08-31", "reason": "dismissed"}, headers=km).status_code == 200
    clocked = Clocked(container)
    clocked.run_on(date(2026, 6, 1), trajectory_id)
    # Without a placement the route has stood still since the placement ended; no lasting placement.
    assert _milestones(api, km, trajectory_id) == [("RouteStalled", "2025-10-26")]


def test_a_placement_ended_after_the_period_was_lasting_even_if_the_policy_ran_late(api, tokens, container):
    km, trajectory_id, _, placement = _placed(
        api, tokens, registered_on="2025-01-06", proposed_on="2025-02-01", confirmed_on="2025-02-03", contract_on="2025-03-01"
    )
    assert api.post(f"{placement}/ending", json={"date": "2025-09-15", "reason": "resigned"}, headers=km).status_code == 200
    clocked = Clocked(container)
    clocked.run_on(date(2026, 6, 1), trajectory_id)
    assert _milestones(api, km, trajectory_id) == [("LastingPlacementReached", "2025-09-01"), ("RouteStalled", "2025-11-10")]


def test_guarantee_check_ins_fall_due_on_schedule_across_the_year(api, tokens, container):
    km, trajectory_id, base, _ = _placed(
        api, tokens, registered_on="2026-01-05", proposed_on="2026-02-01", confirmed_on="2026-02-03", contract_on="2026-03-01"
    )
    assert api.post(f"{base}/guarantee", json={"date": "2026-07-15", "issuedBy": "sociale partners"}, headers=km).status_code == 201
    clocked = Clocked(container, MilestoneTerms(120, 6, 30, 10, 8))
    assert clocked.run_on(date(2027, 1, 14), trajectory_id) == 0
    assert clocked.run_on(date(2027, 1, 15), trajectory_id) == 1
    assert clocked.run_on(date(2027, 1, 15), trajectory_id) == 0
    assert clocked.run_on(date(2027, 7, 14), trajectory_id) == 0
    # A run that was missed for a year catches up on every due date, once each.
    assert clocked.run_on(date(2028, 8, 1), trajectory_id) == 3
    assert _milestones(api, km, trajectory_id) == [
        ("GuaranteeCheckInDue", "2027-01-15"),
        ("GuaranteeCheckInDue", "2027-07-15"),
        ("GuaranteeCheckInDue", "2028-01-15"),
        ("GuaranteeCheckInDue", "2028-07-15"),
    ]


def test_a_route_without_steps_for_the_configured_weeks_is_flagged_stalled_once_per_standstill(api, tokens, container):
    km = tokens.klantmanager(new_municipality())
    trajectory_id = api.post("/v1/trajectories", json=registration(registered_on="2026-01-05"), headers=km).json()["id"]
    assert api.post(f"/v1/trajectories/{trajectory_id}/phases/orientation/start", json={"date": "2026-10-01"}, headers=km).status_code == 200
    clocked = Clocked(container)
    assert clocked.run_on(date(2026, 11, 25), trajectory_id) == 0  # 8 weeks after 1 October is 26 November
    assert clocked.run_on(date(2026, 11, 26), trajectory_id) == 1
    assert clocked.run_on(date(2026, 12, 31), trajectory_id) == 0
    # A new step ends the standstill; the next one is flagged again, in the next year.
    assert api.post(f"/v1/trajectories/{trajectory_id}/phases/orientation/completion", json={"date": "2026-11-20"}, headers=km).status_code == 200
    assert clocked.run_on(date(2027, 1, 14), trajectory_id) == 0
    assert clocked.run_on(date(2027, 1, 15), trajectory_id) == 1
    assert _milestones(api, km, trajectory_id) == [("RouteStalled", "2026-11-26"), ("RouteStalled", "2027-01-15")]


def test_dropped_out_routes_do_not_stall(api, tokens, container):
    km = tokens.klantmanager(new_municipality())
    trajectory_id = api.post("/v1/trajectories", json=registration(registered_on="2026-01-05"), headers=km).json()["id"]
    dropped = api.post(f"/v1/trajectories/{trajectory_id}/drop-out", json={"date": "2026-01-10", "reason": "health", "explanation": "ziek"}, headers=km)
    assert dropped.status_code == 200
    assert Clocked(container).run_on(date(2026, 11, 1), trajectory_id) == 0


def test_the_worklist_shows_what_needs_the_klantmanager(api, tokens, container):
    municipality = new_municipality()
    km = tokens.klantmanager(municipality)
    kvk = new_kvk()

    stalled_id = api.post("/v1/trajectories", json=registration(registered_on="2026-08-03"), headers=km).json()["id"]
    awaiting_id = api.post("/v1/trajectories", json=registration(registered_on="2026-08-03"), headers=km).json()["id"]
    proposal = api.post(
        f"/v1/trajectories/{awaiting_id}/placements",
        json={"date": "2026-11-02", "employer": {"kvkNumber": kvk, "name": "Bouw BV"}, "function": "monteur",
              "hoursPerWeek": 36, "level": "full"},
        headers=km,
    )
    deviation = api.post(
        f"/v1/trajectories/{awaiting_id}/deviations",
        json={"rule": "training-duration", "reason": "langere opleiding", "startsOn": "2026-09-01", "endsOn": "2026-11-30",
              "grantedBy": "teamleider"},
        headers=km,
    )
    api.post(
        f"/v1/trajectories/{awaiting_id}/deviations",
        json={"rule": "working-hours", "reason": "minder uren", "startsOn": "2026-09-01", "endsOn": "2027-03-01",
              "grantedBy": "teamleider"},
        headers=km,
    )
    guarantee_id, base, _ = _placed_in(api, tokens, km, municipality)
    assert api.post(f"{base}/guarantee", json={"date": "2026-01-10", "issuedBy": "sociale partners"}, headers=km).status_code == 201

    clocked = Clocked(container)
    for trajectory_id in (stalled_id, guarantee_id):
        clocked.run_on(date(2026, 11, 22), trajectory_id)
    position = container.store.log_size()

    worklist = api.get(f"/v1/worklist?minPosition={position}", headers=km)
    assert worklist.status_code == 200, worklist.text
    body = worklist.json()
    assert [p["id"] for p in body["placementsAwaitingEmployer"]] == [proposal.headers["Location"].rsplit("/", 1)[1]]
    assert [(c["trajectoryId"], c["dueOn"]) for c in body["checkInsDue"]] == [(guarantee_id, "2026-07-10")]
    assert [s["trajectoryId"] for s in body["stalledRoutes"]] == [stalled_id]
    assert body["stalledRoutes"][0]["stalledSince"] == "2026-08-03"
    assert [d["endsOn"] for d in body["deviationsEndingSoon"]] == ["2026-11-30"]
    assert deviation.status_code == 201

    # Holding the check-in takes it off the list.
    held = api.post(f"{base}/guarantee/check-ins", json={"date": "2026-11-21", "summary": "loopbaangesprek"}, headers=km)
    position = int(held.headers["Leerroute-Log-Position"])
    after = api.get(f"/v1/worklist?minPosition={position}", headers=km).json()
    assert after["checkInsDue"] == []

    other = api.get("/v1/worklist", headers=tokens.klantmanager(new_municipality())).json()
    assert other["placementsAwaitingEmployer"] == [] and other["stalledRoutes"] == []


def _placed_in(api, tokens, km, municipality: str):
    kvk = new_kvk()
    trajectory_id = api.post("/v1/trajectories", json=registration(registered_on="2025-09-01"), headers=km).json()["id"]
    base = f"/v1/trajectories/{trajectory_id}"
    placement = api.post(
        f"{base}/placements",
        json={"date": "2025-10-01", "employer": {"kvkNumber": kvk, "name": "Bouw BV"}, "function": "monteur",
              "hoursPerWeek": 36, "level": "full"},
        headers=km,
    ).headers["Location"]
    employer = tokens.employer(kvk)
    assert api.post(f"{placement}/confirmation", json={"date": "2025-10-03"}, headers=employer).status_code == 200
    assert api.post(f"{placement}/contract-start", json={"date": "2025-11-01", "hoursPerWeek": 36}, headers=employer).status_code == 200
    return trajectory_id, base, placement
