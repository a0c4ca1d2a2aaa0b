"""Comparable results across regions: a route's stages measured, and read against the norms.

One definition of measuring a stage, used by the comparison and by the worklist alike
(``measure_stages``):

- intake (``registered``): from the registration to the first phase started or skipped (or the
  first placement proposed, for a route that goes to work directly);
- a phase: from its first start to its end (completed, or ended without completion; a drop-out
  ends a running phase); while it runs it is open;
- placement: from the first placement proposed to the first contract start;
- the practice component (``pre-trajectory.practice``): from the first practice period's start
  to the last practice period's end; open while a period has no end or ends after the date asked.

An open stage is measured to the date asked, or to the drop-out of a route that dropped out
(and did not re-enter) by then. A measured stage is within norm when it ended (or, open, had
run) no later than the last day within the national norm of the route's version, where a
maatwerk deviation of rule ``training-duration`` naming that norm sets its weeks for its period
(``domain.norms.within_norm_until``, as the worklist reads it); a stage with such a deviation
overlapping it counts as maatwerk.

The facts of a route come from its events as of a moment (``route_facts``, with ``AsOf``: what
had happened by a business date, and what had been recorded by a moment) or from a trajectory as
it stands (``RouteFacts.of``). Everything here is pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from domain.money import AsOf, LoggedEvent
from domain.norms import within_norm_until
from domain.route_model import EffectiveRoute, norm_key
from domain.values import DeviationRule, DropOutReason, Phase, PhaseStatus, Stage

# The trajectory events the comparison reads, and of each the fields it reads: no free text,
# nothing of the candidate. Fields of later event versions (the route's model and variant, a
# drop-out's sub-reason, a deviation's norm) are read when present.
COMPARISON_FIELDS: dict[str, tuple[str, ...]] = {
    "TrajectoryRegistered": ("municipality", "route_model", "route_variant"),
    "PhaseStarted": ("phase",),
    "PhaseCompleted": ("phase",),
    "PhaseEndedWithoutCompletion": ("phase",),
    "PhaseSkipped": ("phase",),
    "PracticePeriodRecorded": ("until",),
    "PlacementProposed": ("placement_id",),
    "ContractStarted": ("placement_id",),
    "DroppedOut": ("reason", "sub_reason", "stage"),
    "ReEntered": (),
    "DeviationGranted": ("rule", "until", "norm", "norm_weeks"),
    "RouteModelChanged": ("route_model", "route_variant"),
}

PRACTICE = norm_key(Stage.PRE_TRAJECTORY, "practice")
# What is measured, in route order: the stages with a duration norm, and the practice component.
MEASURED: tuple[str, ...] = (
    str(Stage.REGISTERED), str(Stage.ORIENTATION), str(Stage.PRE_TRAJECTORY), PRACTICE, str(Stage.BEDRIJFSVAKSCHOOL),
    str(Stage.PLACEMENT),
)


def comparison_event(event: LoggedEvent) -> LoggedEvent | None:
    """The part of a trajectory event the comparison reads; None for one it does not read."""
    fields = COMPARISON_FIELDS.get(event.name)
    if fields is None:
        return None
    return LoggedEvent(event.name, event.on, event.recorded_at, {k: event.data[k] for k in fields if k in event.data})


@dataclass
class PhaseSpan:
    first_started_on: date | None = None
    ended_on: date | None = None
    running: bool = False
    skipped_on: date | None = None


@dataclass(frozen=True)
class DropOut:
    on: date
    stage: Stage
    category: DropOutReason
    sub_reason: str | None


@dataclass(frozen=True)
class Deviation:
    rule: DeviationRule
    on: date
    until: date
    norm: str | None
    norm_weeks: int | None


@dataclass
class RouteFacts:
    """What the measurement of one route reads, as of a moment."""

    municipality: str
    registered_on: date
    route_model: Any = None  # None: version 1 (the baseline)
    route_variant: Any = None
    phases: dict[Phase, PhaseSpan] = field(default_factory=lambda: {p: PhaseSpan() for p in Phase})
    first_proposed_on: date | None = None
    first_contract_on: date | None = None
    practice: list[tuple[date, date | None]] = field(default_factory=list)
    drop_outs: list[DropOut] = field(default_factory=list)
    re_entries: list[date] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)

    @property
    def dropped_out_on(self) -> date | None:
        """The last drop-out's date when the route has not re-entered since."""
        if not self.drop_outs or len(self.re_entries) >= len(self.drop_outs):
            return None
        return self.drop_outs[-1].on

    @classmethod
    def of(cls, trajectory: Any) -> RouteFacts:
        """The facts of a trajectory as it stands (``domain.trajectory.Trajectory``)."""
        facts = cls(trajectory.municipality, trajectory.registered_on,
                    getattr(trajectory, "route_model", None), getattr(trajectory, "route_variant", None))
        for phase, state in trajectory.phases.items():
            facts.phases[Phase(phase)] = PhaseSpan(
                first_started_on=state.first_started_on,
                ended_on=state.ended_on if state.status in (PhaseStatus.COMPLETED, PhaseStatus.ENDED_WITHOUT_COMPLETION) else None,
                running=state.status is PhaseStatus.IN_PROGRESS,
                skipped_on=state.ended_on if state.status is PhaseStatus.SKIPPED else None,
            )
        placements = trajectory.placements.values()
        facts.first_proposed_on = min((p.proposed_on for p in placements), default=None)
        facts.first_contract_on = min((p.contract_start_on for p in placements if p.contract_start_on), default=None)
        facts.practice = [(p["on"], p["until"]) for p in trajectory.practice_periods]
        facts.drop_outs = [
            DropOut(d["on"], Stage(d["stage"]), DropOutReason(d["reason"]), d.get("sub_reason")) for d in trajectory.drop_outs
        ]
        facts.re_entries = [r["on"] for r in trajectory.re_entries]
        facts.deviations = [
            Deviation(DeviationRule(d["rule"]), d["on"], d["until"], d.get("norm"), d.get("norm_weeks")) for d in trajectory.deviations
        ]
        return facts


def route_facts(events: Sequence[LoggedEvent], as_of: AsOf) -> RouteFacts | None:
    """The facts of one route from its events (in log order) as of a moment; None when it was
    not registered by then."""
    seen = [e for e in events if as_of.includes(e)]
    if not seen or seen[0].name != "TrajectoryRegistered":
        return None
    first = seen[0]
    assert first.on is not None
    facts = RouteFacts(first.data["municipality"], first.on, first.data.get("route_model"), first.data.get("route_variant"))
    for e in seen[1:]:
        on = e.on
        assert on is not None
        data = e.data
        if e.name == "PhaseStarted":
            span = facts.phases[Phase(data["phase"])]
            span.first_started_on = span.first_started_on or on
            span.running, span.ended_on = True, None
        elif e.name in ("PhaseCompleted", "PhaseEndedWithoutCompletion"):
            span = facts.phases[Phase(data["phase"])]
            span.running, span.ended_on = False, on
        elif e.name == "PhaseSkipped":
            facts.phases[Phase(data["phase"])].skipped_on = on
        elif e.name == "PracticePeriodRecorded":
            facts.practice.append((on, data.get("until")))
        elif e.name == "PlacementProposed":
            facts.first_proposed_on = min(facts.first_proposed_on or on, on)
        elif e.name == "ContractStarted":
            facts.first_contract_on = min(facts.first_contract_on or on, on)
        elif e.name == "DroppedOut":
            for span in facts.phases.values():
                if span.running:
                    span.running, span.ended_on = False, on
            facts.drop_outs.append(DropOut(on, Stage(data["stage"]), DropOutReason(data["reason"]), data.get("sub_reason")))
        elif e.name == "ReEntered":
            facts.re_entries.append(on)
        elif e.name == "DeviationGranted":
            facts.deviations.append(Deviation(DeviationRule(data["rule"]), on, data["until"], data.get("norm"), data.get("norm_weeks")))
        elif e.name == "RouteModelChanged":
            facts.route_model, facts.route_variant = data.get("route_model"), data.get("route_variant")
    return facts


# -- measuring a stage ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageMeasure:
    """One stage (or component) of one route, measured: from ``started_on`` to ``ended_on``
    (None: still open, measured to the date asked or the drop-out)."""

    key: str
    started_on: date
    ended_on: date | None
    days: int

    @property
    def open(self) -> bool:
        return self.ended_on is None


def measure_stages(facts: RouteFacts, on: date) -> list[StageMeasure]:
    """Every stage of the route that has begun by ``on``, measured, in route order."""
    stop = min(on, facts.dropped_out_on or on)

    def measured(key: str, start: date, end: date | None) -> StageMeasure:
        return StageMeasure(key, start, end, max(0, ((end or stop) - start).days))

    found: list[StageMeasure] = []
    left_intake = [d for s in facts.phases.values() for d in (s.first_started_on, s.skipped_on) if d is not None]
    left_intake += [facts.first_proposed_on] if facts.first_proposed_on is not None else []
    found.append(measured(str(Stage.REGISTERED), facts.registered_on, min(left_intake, default=None)))
    for phase in Phase:
        span = facts.phases[phase]
        if span.first_started_on is not None:
            found.append(measured(str(phase), span.first_started_on, None if span.running else span.ended_on))
        if phase is Phase.PRE_TRAJECTORY and facts.practice:
            start = min(p[0] for p in facts.practice)
            ends = [p[1] for p in facts.practice]
            last = None if any(e is None for e in ends) else max(e for e in ends if e is not None)
            found.append(measured(PRACTICE, start, last if last is not None and last <= on else None))
    if facts.first_proposed_on is not None:
        found.append(measured(str(Stage.PLACEMENT), facts.first_proposed_on, facts.first_contract_on))
    return found


def national_norm_weeks(route: EffectiveRoute, key: str) -> int | None:
    """The national version's norm of a stage or component (not the region's own)."""
    stage_code, _, component = key.partition(".")
    model = route.national.stage(Stage(stage_code))
    norm = model.norm if not component else model.components.get(component)
    return None if norm is None else norm.weeks


def _deviations(facts: RouteFacts, key: str) -> list[dict[str, Any]]:
    return [
        {"on": d.on, "until": d.until, "norm_weeks": d.norm_weeks} for d in facts.deviations
        if d.rule is DeviationRule.TRAINING_DURATION and d.norm == key and d.norm_weeks is not None
    ]


@dataclass(frozen=True)
class NormReading:
    """A measured stage read against its norms."""

    measure: StageMeasure
    norm_weeks: int | None  # the national version's
    own_norm_weeks: int | None  # the route's own: its region's variant, else the national
    within: bool | None  # within the national norm (or a deviation granted of it); None without a norm
    within_own: bool | None  # the same against the route's own norm
    maatwerk: bool  # a deviation granted of this norm overlaps the stage

    @property
    def within_by_deviation(self) -> bool:
        """Within norm only thanks to a deviation."""
        return self.norm_weeks is not None and bool(self.within) and self.measure.days > self.norm_weeks * 7

    @property
    def past_norm(self) -> bool:
        """Still open and already beyond the route's own norm (and any deviation)."""
        return self.measure.open and self.within_own is False


def read_against_norms(facts: RouteFacts, route: EffectiveRoute, on: date) -> list[NormReading]:
    readings = []
    for m in measure_stages(facts, on):
        stage_code, _, component = m.key.partition(".")
        deviations = _deviations(facts, m.key)
        reached = m.started_on + timedelta(days=m.days)
        national, own = national_norm_weeks(route, m.key), route.norm_weeks(Stage(stage_code), component or None)
        maatwerk = any(d["on"] <= reached and d["until"] >= m.started_on for d in deviations)
        readings.append(NormReading(
            m, national, own, _within(m, reached, national, deviations), _within(m, reached, own, deviations), maatwerk,
        ))
    return readings


def _within(m: StageMeasure, reached: date, weeks: int | None, deviations: list[dict[str, Any]]) -> bool | None:
    return None if weeks is None else reached <= within_norm_until(m.started_on, weeks, deviations)


def quarter_end(day: date) -> bool:
    return (day.month, day.day) in ((3, 31), (6, 30), (9, 30), (12, 31))
