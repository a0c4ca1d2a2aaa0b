"""Routes of the query side: the klantmanager's worklist and the pipeline funnel.

Both read the read-model tables; neither replays the log per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api import responses
from api.deps import FunnelReader, MinPosition, QueriesDep, WorklistReader, at_position
from api.problems import READ_RESPONSES
from domain.funnel import FUNNEL_STAGES
from domain.values import Stage, TargetGroup
from leerroute.queries import FunnelLevel

router = APIRouter(prefix="/v1")


@router.get("/worklist", response_model=responses.WorklistOut, responses=READ_RESPONSES)
def worklist(
    response: Response,
    actor: WorklistReader,
    queries: QueriesDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    min_position: MinPosition = None,
) -> responses.WorklistOut:
    """What needs the klantmanager now: placements awaiting the employer, guarantee check-ins
    due, stalled routes, maatwerk deviations ending soon and stages running past the norm of
    their route's model, in the own municipality."""
    today, result, position = queries.worklist(actor, limit=limit, min_position=min_position)
    at_position(response, position)
    return responses.WorklistOut(
        municipality=actor.organisation,
        today=today,
        placements_awaiting_employer=[
            responses.PlacementSummaryOut(
                id=r["placement_id"], candidate_name=None, **{k: v for k, v in r.items() if k != "placement_id"}
            )
            for r in result.placements_awaiting_employer
        ],
        check_ins_due=[
            responses.CheckInDueOut(trajectory_id=r["trajectory_id"], due_on=r["check_in_due_on"], stage=r["stage"])
            for r in result.check_ins_due
        ],
        stalled_routes=[responses.StalledRouteOut(**r) for r in result.stalled_routes],
        deviations_ending_soon=[responses.DeviationEndingOut(**r) for r in result.deviations_ending_soon],
        over_norm=[
            responses.OverNormOut(trajectory_id=r["trajectory_id"], norm=r["norm"], stage=r["stage"], started_on=r["started_on"],
                                  norm_weeks=r["norm_weeks"], within_norm_until=r["within_until"])
            for r in result.over_norm
        ],
    )


@router.get("/funnel", response_model=responses.FunnelOut, responses=READ_RESPONSES)
def funnel(
    response: Response,
    actor: FunnelReader,
    queries: QueriesDep,
    level: FunnelLevel = FunnelLevel.NATIONAL,
    municipality: Annotated[str | None, Query(pattern=r"^GM\d{4}$")] = None,
    region: Annotated[str | None, Query(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")] = None,
    cohort: Annotated[str | None, Query(pattern=r"^\d{4}-Q[1-4]$", description="Registration quarter, such as 2026-Q1")] = None,
    target_group: Annotated[TargetGroup | None, Query(alias="targetGroup")] = None,
    min_position: MinPosition = None,
) -> responses.FunnelOut:
    """How many entered and completed each stage, drop-outs by stage and reason, and median and
    90th-percentile lead times, by registration cohort and target group; per municipality,
    labour-market region or national. A klantmanager sees the own municipality."""
    found = queries.funnel(
        actor, level=level, municipality=municipality, region=region, cohort=cohort, target_group=target_group,
        min_position=min_position,
    )
    at_position(response, found.position)
    order = {str(stage): n for n, stage in enumerate(FUNNEL_STAGES)}
    return responses.FunnelOut(
        scope=str(level),
        municipality=found.municipality,
        region=found.region,
        groups=[
            responses.FunnelGroupOut(
                cohort=g.cohort,
                target_group=TargetGroup(g.target_group),
                stages=[
                    responses.FunnelStageOut(stage=Stage(name), **stats)
                    for name, stats in sorted(g.stages.items(), key=lambda item: order[item[0]])
                ],
                drop_outs=[responses.DropOutCountOut(**d) for d in g.drop_outs],
            )
            for g in found.groups
        ],
    )
