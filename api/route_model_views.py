"""Request bodies and responses of ``/v1/route-models`` and ``/v1/route-variants`` (camelCase on
the wire). The content's shape is the dict the events carry (``domain.route_model.model_to_dict``
and ``variant_to_dict``): a body's content goes to the command as that dict, and an answer is that
dict with the version's status and validity around it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints
from pydantic.alias_generators import to_camel

from api.responses import ActorOut
from api.schemas import Input, IsoDate, NoControlInLine, Text
from domain.route_models import RouteModel, RouteVariant
from domain.values import Actor, CertificateKind, DropOutReason, SkipBasis, Stage

Weeks = Annotated[int, Strict(), Field(ge=1, le=520)]
Count = Annotated[int, Strict(), Field(ge=0, le=180)]
NormKey = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=60, pattern=r"^[a-z-]+(\.[a-z-]+)?$"),
                    NoControlInLine]
SubReason = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=60), NoControlInLine]
Component = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=40), NoControlInLine]
Region = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=100), NoControlInLine]


class NormIn(Input):
    weeks: Weeks = Field(description="The norm duration")
    min_weeks: Weeks = Field(description="The shortest norm a regional variant may set")
    max_weeks: Weeks = Field(description="The longest norm a regional variant may set")


class StageIn(Input):
    stage: Stage = Field(description="A stage of the route (intake is `registered`)")
    norm: NormIn | None = Field(default=None, description="null: no duration norm (the guarantee runs for its term)")
    optional: bool = Field(default=False, description="A region may leave this phase out (it is then not offered there)")
    skip_bases: list[SkipBasis] = Field(default_factory=list, max_length=10, description="Grounds on which one route may skip it")
    components: dict[Component, NormIn | None] = Field(default_factory=dict, description="Norms of the stage's components "
                                                       "(the pre-trajectory: vaktaal, practice, employee-skills)")
    certificates: list[CertificateKind] = Field(default_factory=list, max_length=10)


class RouteTermsIn(Input):
    lasting_placement_months: Annotated[int, Strict()] = Field(description="Months a placement lasts to count as lasting (1-60)")
    check_in_interval_months: Annotated[int, Strict()] = Field(description="Months between check-ins of the guarantee (1-24)")
    check_in_window_days: Annotated[int, Strict()] = Field(description="Days a check-in may be late (0-180)")
    guarantee_years: Annotated[int, Strict()] = Field(description="Years of the work and development guarantee (1-20)")
    stall_weeks: Annotated[int, Strict()] = Field(description="Weeks without a step after which a route is stalled (1-104)")


class _ModelFields(Input):
    stages: list[StageIn] = Field(min_length=1, max_length=12, description="Every stage of the route, once each, in route order")
    terms: RouteTermsIn
    drop_out_categories: list[DropOutReason] | None = Field(default=None, max_length=20,
                                                            description="The national drop-out categories (default: all)")


class RouteModelIn(_ModelFields):
    valid_from: IsoDate
    valid_until: IsoDate | None = Field(default=None, description="The last day it is valid; null: open-ended")


class RouteModelPatch(Input):
    """Only what changes."""

    valid_from: IsoDate | None = None
    valid_until: IsoDate | None = None
    stages: list[StageIn] | None = Field(default=None, min_length=1, max_length=12)
    terms: RouteTermsIn | None = None
    drop_out_categories: list[DropOutReason] | None = Field(default=None, max_length=20)


class _VariantFields(Input):
    region: Region = Field(description="The labour-market region (as the regions mapping names it)")
    offered: list[Stage] = Field(default_factory=list, max_length=6, description="The optional stages the region offers")
    norms: dict[NormKey, Weeks] = Field(default_factory=dict, description="Own norms within the national bounds, by norm key "
                                        "(`pre-trajectory` or `pre-trajectory.practice`)")
    providers: dict[Stage, list[Text]] = Field(default_factory=dict, description="The region's providers per stage")
    sub_reasons: dict[SubReason, DropOutReason] = Field(default_factory=dict,
                                                        description="Own drop-out sub-reasons, each to a national category")


class RouteVariantContentIn(_VariantFields):
    valid_from: IsoDate
    valid_until: IsoDate | None = Field(default=None, description="The last day it is valid; null: open-ended")


class RouteVariantIn(RouteVariantContentIn):
    model_version: Annotated[int, Strict(), Field(ge=1)] = Field(description="The national version it fills in")


class RouteVariantPatch(Input):
    """Only what changes."""

    valid_from: IsoDate | None = None
    valid_until: IsoDate | None = None
    offered: list[Stage] | None = Field(default=None, max_length=6)
    norms: dict[NormKey, Weeks] | None = None
    providers: dict[Stage, list[Text]] | None = None
    sub_reasons: dict[SubReason, DropOutReason] | None = None


def content_of(body: BaseModel) -> dict[str, Any]:
    """The content's dict of a body (camelCase, JSON values), without its validity."""
    return body.model_dump(mode="json", by_alias=True, exclude={"valid_from", "valid_until", "model_version"})


def changes_of(body: BaseModel) -> dict[str, Any]:
    """What a PATCH names (dates as dates), or what a PUT replaces: everything."""
    sent = body.model_dump(mode="json", by_alias=True, exclude_unset=True)
    for field_name, alias in (("valid_from", "validFrom"), ("valid_until", "validUntil")):
        if alias in sent:
            sent[alias] = getattr(body, field_name)
    return sent


def replacement_of(body: BaseModel) -> dict[str, Any]:
    return {**content_of(body), "validFrom": body.valid_from, "validUntil": body.valid_until}  # type: ignore[attr-defined]


# --- answers ----------------------------------------------------------------------------------------


class Output(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class NormOut(Output):
    weeks: int
    min_weeks: int
    max_weeks: int


class StageOut(Output):
    stage: Stage
    norm: NormOut | None
    optional: bool
    skip_bases: list[SkipBasis]
    components: dict[str, NormOut | None]
    certificates: list[CertificateKind]


class RouteTermsOut(Output):
    lasting_placement_months: int
    check_in_interval_months: int
    check_in_window_days: int
    guarantee_years: int
    stall_weeks: int


class _Versioned(Output):
    id: UUID
    status: str = Field(description="draft, published or succeeded (published, and closed by a successor)")
    valid_from: date
    valid_until: date | None
    published_on: date | None
    succeeded_by: UUID | None = Field(description="The successor that closed it")


class RouteModelOut(_Versioned):
    version: int
    stages: list[StageOut]
    terms: RouteTermsOut
    drop_out_categories: list[DropOutReason]


class RouteVariantOut(_Versioned):
    model_version: int
    model_id: UUID
    region: str
    offered: list[Stage]
    norms: dict[str, int]
    providers: dict[str, list[str]]
    sub_reasons: dict[str, DropOutReason]


class RouteModelsOut(Output):
    items: list[RouteModelOut]


class RouteVariantsOut(Output):
    items: list[RouteVariantOut]


class ChangeOut(Output):
    version: int
    type: str = Field(description="The event: RouteModelDrafted, ...Revised, ...Published, ...Succeeded (variants: ...Closed)")
    occurred_on: date | None = Field(description="The business date")
    recorded_at: datetime = Field(description="When it was recorded (UTC)")
    actor: ActorOut
    data: dict[str, Any] = Field(description="What it changed: content, validity, successor")


class RouteModelHistoryOut(Output):
    id: UUID
    events: list[ChangeOut]


def _versioned(aggregate: RouteModel | RouteVariant) -> dict[str, Any]:
    return {"id": aggregate.id, "status": str(aggregate.status), "validFrom": aggregate.valid_from,
            "validUntil": aggregate.valid_until, "publishedOn": aggregate.published_on, "succeededBy": aggregate.succeeded_by}


def model_out(model: RouteModel) -> RouteModelOut:
    return RouteModelOut.model_validate({**model.content_dict, **_versioned(model), "version": model.number})


def variant_out(variant: RouteVariant) -> RouteVariantOut:
    return RouteVariantOut.model_validate({**variant.content_dict, **_versioned(variant), "modelVersion": variant.model_version,
                                           "modelId": variant.model_id})


_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor", "on"}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


def history_out(aggregate_id: UUID, events: list[Any]) -> RouteModelHistoryOut:
    items = []
    for event in events:
        actor: Actor = event.actor
        items.append(ChangeOut(
            version=event.originator_version, type=type(event).__name__, occurred_on=getattr(event, "on", None),
            recorded_at=event.timestamp, actor=ActorOut(subject=actor.subject, role=actor.role, organisation=actor.organisation, source=actor.source),
            data={_camel(k): _plain(v) for k, v in vars(event).items() if k not in _ENVELOPE},
        ))
    return RouteModelHistoryOut(id=aggregate_id, events=items)
