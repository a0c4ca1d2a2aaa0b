"""The time-driven milestones through ``Service.handle``: ``RecordDueMilestones`` (issued by the
system actor) records what time has made due by its date, once; it reports how many it recorded,
writes no access-log entry, and refuses a date after today."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain import commands as c
from domain.errors import RuleViolation
from domain.values import SYSTEM_ACTOR
from tests.unit.fakes import TODAY, World


def _milestones(t: UUID, on: date = TODAY) -> c.RecordDueMilestones:
    return c.RecordDueMilestones(trajectory_id=t, on=on)


def _placed_with_guarantee(world: World) -> UUID:
    """The contract started on 9 March (lasting six months later, 9 September); the guarantee was
    issued on 10 March (a check-in due every six months: 10 September)."""
    t = world.register()
    world.working(t)
    world.step(c.IssueGuarantee, t, on=date(2026, 3, 10), issued_by="OTIB")
    return t


def test_the_due_milestones_are_recorded_once():
    world = World()
    t = _placed_with_guarantee(world)
    first = world.handle(_milestones(t))
    assert first.recorded == 2 and first.position == world.log.last_position()
    assert world.log.event_names(t)[-2:] == ["LastingPlacementReached", "GuaranteeCheckInDue"]
    assert first.aggregate.lasting_placements == {next(iter(first.aggregate.placements)): date(2026, 9, 9)}
    assert first.aggregate.check_ins_due == [date(2026, 9, 10)]
    events, notified = world.log.snapshot()[1], world.notified
    second = world.handle(_milestones(t))
    assert second.recorded == 0 and second.position is None
    assert world.log.snapshot()[1] == events
    assert world.notified == notified  # nothing recorded, nothing to tell the workers


def test_milestones_are_recorded_as_of_the_date_named():
    world = World()
    t = _placed_with_guarantee(world)
    assert world.handle(_milestones(t, date(2026, 9, 9))).recorded == 1  # the check-in falls due a day later
    assert world.log.event_names(t)[-1] == "LastingPlacementReached"
    assert world.handle(_milestones(t, date(2026, 9, 10))).recorded == 1
    assert world.log.event_names(t)[-1] == "GuaranteeCheckInDue"


def test_a_route_without_a_step_for_eight_weeks_is_flagged_stalled_once():
    world = World()
    t = world.register()  # 5 January: stalled on 2 March
    outcome = world.handle(_milestones(t))
    assert outcome.recorded == 1 and outcome.aggregate.is_stalled and outcome.aggregate.stalled_since == date(2026, 1, 5)
    assert world.handle(_milestones(t)).recorded == 0


def test_the_milestones_are_the_system_actors_and_write_no_access_log_entry():
    world = World()
    t = _placed_with_guarantee(world)
    entries = list(world.log.access_log)
    world.handle(_milestones(t), trace_id="policy-run")
    assert world.log.access_log == entries
    assert {e.actor for e in world.log.history(t)[-2:]} == {SYSTEM_ACTOR}


def test_milestones_are_not_recorded_for_a_date_after_today():
    world = World()
    t = _placed_with_guarantee(world)
    assert world.refuses(_milestones(t, date(2026, 11, 23)), RuleViolation).rule == "no-future-dates"


def test_each_run_tells_the_workers_only_when_it_recorded_something():
    world = World()
    t = world.register()
    before = world.notified
    world.handle(_milestones(t))
    world.handle(_milestones(t))
    assert world.notified == before + 1
