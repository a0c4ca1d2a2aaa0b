"""The pipeline funnel: what counts as entering and completing each stage of a route.

The stages are the route's own: registered, orientation, pre-trajectory, bedrijfsvakschool,
placement and guarantee. A phase is entered when it first starts and completed when it is
completed; a skipped phase is neither. A placement is entered when an employer first confirms
one, and completed when a placement first becomes lasting. The guarantee is entered when it
is issued and completed when it ends at the end of its term.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.trajectory import Trajectory
from domain.values import GuaranteeEndReason, Phase, PhaseStatus, Stage

FUNNEL_STAGES: tuple[Stage, ...] = tuple(Stage)


@dataclass(frozen=True)
class StageFact:
    stage: Stage
    entered_on: date | None
    completed_on: date | None
    skipped: bool = False

    @property
    def lead_days(self) -> int | None:
        if self.entered_on is None or self.completed_on is None:
            return None
        return (self.completed_on - self.entered_on).days


@dataclass(frozen=True)
class DropOutFact:
    sequence: int
    stage: Stage
    reason: str
    on: date


def cohort_of(day: date) -> str:
    """The registration cohort: the calendar quarter, such as 2026-Q1."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def stage_facts(trajectory: Trajectory) -> list[StageFact]:
    facts = [StageFact(Stage.REGISTERED, trajectory.registered_on, None)]
    for phase in Phase:
        state = trajectory.phases[phase]
        completed = state.ended_on if state.status is PhaseStatus.COMPLETED else None
        facts.append(
            StageFact(Stage(phase.value), state.first_started_on, completed, skipped=state.status is PhaseStatus.SKIPPED)
        )
    confirmed = [p.confirmed_on for p in trajectory.placements.values() if p.confirmed_on is not None]
    lasting = list(trajectory.lasting_placements.values())
    facts.append(StageFact(Stage.PLACEMENT, min(confirmed, default=None), min(lasting, default=None)))
    guarantee = trajectory.guarantee
    facts.append(
        StageFact(
            Stage.GUARANTEE,
            guarantee.issued_on if guarantee else None,
            guarantee.ended_on if guarantee and guarantee.end_reason is GuaranteeEndReason.TERM_COMPLETED else None,
        )
    )
    return facts


def drop_out_facts(trajectory: Trajectory) -> list[DropOutFact]:
    return [
        DropOutFact(sequence=n, stage=Stage(d["stage"]), reason=str(d["reason"]), on=d["on"])
        for n, d in enumerate(trajectory.drop_outs)
    ]


def percentile(sorted_values: list[int], fraction: float) -> float | None:
    """The value below which ``fraction`` of the values lie, interpolated between neighbours
    (the same definition as PostgreSQL's percentile_cont)."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    weight = position - lower
    return round(sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * weight, 2)


def percentile_of_counts(value_counts: list[tuple[int, int]], fraction: float) -> float | None:
    """``percentile`` of the values given as (value, how often) pairs in ascending value order:
    the same result without listing every value."""
    total = sum(count for _, count in value_counts)
    if not total:
        return None
    position = fraction * (total - 1)
    lower = int(position)
    upper = min(lower + 1, total - 1)
    weight = position - lower
    lower_value = upper_value = None
    seen = 0
    for value, count in value_counts:
        if lower_value is None and lower < seen + count:
            lower_value = value
        if upper < seen + count:
            upper_value = value
            break
        seen += count
    assert lower_value is not None and upper_value is not None
    return round(lower_value + (upper_value - lower_value) * weight, 2)
