"""Routes of the query side: the klantmanager's worklist and the pipeline funnel.

Both read the read-model tables; neither replays the log per request.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from adapters import queries
from api import schemas
from api.auth import require_role
from api.problems import READ_PROBLEMS, ApiProblem
from api.writes import MinPosition, container_of, wait_for_read_models
from domain.access import FUNNEL_READERS, WORKLIST_READERS
from domain.funnel import FUNNEL_STAGES
from domain.values import Actor, TargetGroup

router = APIRouter(prefix="/v1")


class FunnelLevel(StrEnum):
    MUNICIPALITY = "municipality"
    REGION = "region"
    NATIONAL = "national"


@router.get("/worklist", response_model=schemas.WorklistOut, responses=READ_PROBLEMS)
def worklist(
    request: Request,
    response: Response,
    actor: Annotated[Actor, Depends(require_role(WORKLIST_READERS))],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    min_position: MinPosition = None,
) -> schemas.WorklistOut:
    """What needs the klantmanager now: placements awaiting the employer, guarantee check-ins
    due, stalled routes and maatwerk deviations ending soon, in the own municipality."""
    container = container_of(request)
    wait_for_read_models(request, response, min_position)
    today = container.clock.today()
    result = queries.worklist(
        container.database_url,
        actor.organisation,
        today=today,
        deviation_horizon=today + timedelta(days=container.settings.deviation_ending_days),
        limit=limit,
    )
    return schemas.WorklistOut(
        municipality=actor.organisation,
        today=today,
        placements_awaiting_employer=[
            schemas.PlacementSummaryOut(id=r["placement_id"], candidate_name=None, **{k: v for k, v in r.items() if k != "placement_id"})
            for r in result.placements_awaiting_employer
        ],
        check_ins_due=[
            schemas.CheckInDueOut(trajectory_id=r["trajectory_id"], due_on=r["check_in_due_on"], stage=r["stage"])
            for r in result.check_ins_due
        ],
        stalled_routes=[schemas.StalledRouteOut(**r) for r in result.stalled_routes],
        deviations_ending_soon=[schemas.DeviationEndingOut(**r) for r in result.deviations_ending_soon],
    )


@router.get("/funnel", response_model=schemas.FunnelOut, responses=READ_PROBLEMS)
def funnel(
    request: Request,
    response: Response,
    actor: Annotated[Actor, Depends(require_role(FUNNEL_READERS))],
    level: FunnelLevel = FunnelLevel.NATIONAL,
    municipality: Annotated[str | None, Query(pattern=r"^GM\d{4}$")] = None,
    region: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    cohort: Annotated[str | None, Query(pattern=r"^\d{4}-Q[1-4]$", description="Registration quarter, such as 2026-Q1")] = None,
    target_group: Annotated[TargetGroup | None, Query(alias="targetGroup")] = None,
    min_position: MinPosition = None,
) -> schemas.FunnelOut:
    """How many entered and completed each stage, drop-outs by stage and reason, and median and
    90th-percentile lead times, by registration cohort and target group; per municipality,
    labour-market region or national. A klantmanager sees the own municipality."""
    municipality = container_of(request).policy.municipality_scope(
        actor, municipality, whole_country=level is not FunnelLevel.MUNICIPALITY
    )
    if level is FunnelLevel.MUNICIPALITY and municipality is None:
        raise ApiProblem(400, "invalid-params", "Invalid request", "name the municipality",
                         invalidParams=[{"name": "query.municipality", "reason": "required for level=municipality"}])
    if level is FunnelLevel.REGION and region is None:
        raise ApiProblem(400, "invalid-params", "Invalid request", "name the region",
                         invalidParams=[{"name": "query.region", "reason": "required for level=region"}])
    wait_for_read_models(request, response, min_position)
    scope = queries.FunnelScope(
        municipality=municipality if level is FunnelLevel.MUNICIPALITY else None,
        region=region if level is FunnelLevel.REGION else None,
        cohort=cohort,
        target_group=target_group,
    )
    groups = queries.funnel(container_of(request).database_url, scope)
    order = {str(stage): n for n, stage in enumerate(FUNNEL_STAGES)}
    return schemas.FunnelOut(
        scope=str(level),
        municipality=scope.municipality,
        region=scope.region,
        groups=[
            schemas.FunnelGroupOut(
                cohort=g.cohort,
                target_group=g.target_group,
                stages=[
                    schemas.FunnelStageOut(stage=name, **stats)
                    for name, stats in sorted(g.stages.items(), key=lambda item: order[item[0]])
                ],
                drop_outs=[schemas.DropOutCountOut(**d) for d in g.drop_outs],
            )
            for g in groups
        ],
    )
