"""What the read models must hold: their rows as stored, and the same rows computed here from each
trajectory in the log (shared by the tests that compare the two)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from adapters.database import read_session
from adapters.projections import deviation_rows, placement_rows, summary_row
from adapters.tables import (
    deviation_summaries,
    drop_out_facts,
    placement_summaries,
    stage_facts,
    trajectory_summaries,
)
from domain.funnel import cohort_of
from domain.funnel import drop_out_facts as domain_drop_outs
from domain.funnel import stage_facts as domain_stages
from domain.trajectory import Trajectory

TABLES = {
    "trajectory_summaries": (trajectory_summaries, ("trajectory_id",)),
    "placement_summaries": (placement_summaries, ("placement_id",)),
    "deviation_summaries": (deviation_summaries, ("deviation_id",)),
    "stage_facts": (stage_facts, ("trajectory_id", "stage")),
    "drop_out_facts": (drop_out_facts, ("trajectory_id", "sequence")),
}


def table_contents(url: str) -> dict[str, list[tuple]]:
    contents = {}
    with read_session(url) as session:
        for name, (table, _keys) in TABLES.items():
            rows = session.execute(select(table)).all()
            contents[name] = sorted(tuple(str(v) for v in row) for row in rows)
    return contents


def full_replay(container) -> dict[str, list[tuple]]:
    """The rows every read model must hold, computed here from each trajectory in the log."""
    terms = container.settings.milestone_terms
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    ids = {
        n.originator_id
        for n in container.store.recorder.select_notifications(start=1, limit=10**9)
        if n.topic.endswith(":Trajectory.TrajectoryRegistered")
    }
    for trajectory_id in ids:
        t: Trajectory = container.store.repository.get(trajectory_id)
        rows["trajectory_summaries"].append(summary_row(t, terms))
        rows["placement_summaries"].extend(placement_rows(t))
        rows["deviation_summaries"].extend(deviation_rows(t))
        scope = {"trajectory_id": t.id, "municipality": t.municipality, "cohort": cohort_of(t.registered_on),
                 "target_group": str(t.target_group)}
        for f in domain_stages(t):
            rows["stage_facts"].append({**scope, "stage": str(f.stage), "entered_on": f.entered_on,
                                        "completed_on": f.completed_on, "skipped": f.skipped, "lead_days": f.lead_days})
        for f in domain_drop_outs(t):
            rows["drop_out_facts"].append({**scope, "sequence": f.sequence, "stage": str(f.stage), "reason": f.reason,
                                           "dropped_on": f.on})
    result = {}
    for name, (table, _keys) in TABLES.items():
        result[name] = sorted(tuple(str(r[c.name]) for c in table.columns) for r in rows[name])
    return result


