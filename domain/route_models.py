"""The national basic model and its regional variants in the log: versioned, event-sourced.

``RouteModel`` is one version of the national basic model. Procesregie (APT) drafts it, revises
it while it is a draft and publishes it; a published version is never edited. Its validity runs
from ``valid_from`` up to and including ``valid_until`` (None: open). Publishing a successor that
starts while an open predecessor runs closes the predecessor the day before
(``RouteModelSucceeded``, on the predecessor); any other overlap with a published version is
refused (``validity-periods-do-not-overlap``). Version N has the aggregate id ``model_id_of(N)``,
so version 1, the baseline, is ``BASELINE_MODEL_ID`` everywhere.

``RouteVariant`` is one region's local filling of one national version, with the same life
cycle, a validity inside its national version's, and the same rule on overlap and succession
among the published variants of that region and version. Its content must keep the national
bounds (``RegionalVariant.check``).

The events carry the content as plain dicts (``domain.route_model.model_to_dict`` and
``variant_to_dict``); the aggregates give it back as values (``content``). Who may do what is in
``domain.access``; which version is in force on a day is ``choose``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidField, RuleViolation
from domain.route_model import BASELINE_MODEL_ID as BASELINE_MODEL_ID
from domain.route_model import (
    NationalModel,
    RegionalVariant,
    model_from_dict,
    model_to_dict,
    route_model_id,
    variant_from_dict,
    variant_to_dict,
)
from domain.values import Actor, Role

model_id_of = route_model_id  # the aggregate id of version N (BASELINE_MODEL_ID: of version 1)
BASELINE_VALID_FROM = date(2000, 1, 1)
# Who publishes version 1 when a process starts and finds none.
STARTUP_ACTOR = Actor(subject="system", role=Role.SYSTEM, organisation="leerroute")


class ModelStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUCCEEDED = "succeeded"  # published, and closed by a successor


@dataclass(frozen=True)
class Validity:
    """From ``valid_from`` up to and including ``valid_until`` (None: open-ended)."""

    valid_from: date
    valid_until: date | None = None

    def check(self) -> Validity:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise InvalidField("validUntil", f"{self.valid_until} lies before validFrom {self.valid_from}")
        return self

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def overlaps(self, other: Validity) -> bool:
        return (other.valid_until is None or self.valid_from <= other.valid_until) and (
            self.valid_until is None or other.valid_from <= self.valid_until
        )

    def within(self, outer: Validity) -> bool:
        ends_inside = outer.valid_until is None or (self.valid_until is not None and self.valid_until <= outer.valid_until)
        return outer.valid_from <= self.valid_from and ends_inside

    def __str__(self) -> str:
        return f"{self.valid_from} to {self.valid_until or 'open'}"


@dataclass(frozen=True)
class Published:
    """A published version or variant as the succession rule sees it."""

    id: UUID
    name: str  # "version 2", "variant <id>": for the problem's detail
    validity: Validity


def succession(new: Validity, published: Iterable[Published]) -> Published | None:
    """Which published one the new one closes (None: none), or ``validity-periods-do-not-overlap``.

    An open one that started before ``new`` is closed the day before ``new`` starts; after that
    no published validity may overlap ``new``'s."""
    closes = None
    for other in published:
        v = other.validity
        if v.valid_until is None and v.valid_from < new.valid_from:
            closes = other
            v = Validity(v.valid_from, new.valid_from - timedelta(days=1))
        if v.overlaps(new):
            raise RuleViolation(
                "validity-periods-do-not-overlap",
                f"the validity {new} overlaps that of published {other.name} ({other.validity})",
            )
    return closes


class _Versioned(Aggregate):
    """What a national version and a regional variant share: status, validity and the content's dict."""

    @property
    def validity(self) -> Validity:
        return Validity(self.valid_from, self.valid_until)

    @property
    def is_published(self) -> bool:
        return self.status is not ModelStatus.DRAFT

    def check_draft(self, what: str) -> None:
        if self.status is not ModelStatus.DRAFT:
            raise RuleViolation("published-version-is-not-edited", f"{what} is {self.status}: a published one is never edited")

    def _start(self, valid_from: date, valid_until: date | None, content: dict[str, Any]) -> None:
        self.status = ModelStatus.DRAFT
        self.valid_from, self.valid_until = valid_from, valid_until
        self.content_dict = content
        self.succeeded_by: UUID | None = None
        self.published_on: date | None = None

    def _apply_revision(self, valid_from: date, valid_until: date | None, content: dict[str, Any]) -> None:
        self.valid_from, self.valid_until = valid_from, valid_until
        self.content_dict = content

    def _apply_publication(self, on: date) -> None:
        self.status = ModelStatus.PUBLISHED
        self.published_on = on

    def _apply_succession(self, successor: UUID, valid_until: date) -> None:
        self.status = ModelStatus.SUCCEEDED
        self.succeeded_by = successor
        self.valid_until = valid_until


class RouteModel(_Versioned):
    """One version of the national basic model."""

    @classmethod
    def draft(cls, *, version: int, content: NationalModel, validity: Validity, on: date, actor: Actor) -> RouteModel:
        if version < 1:
            raise InvalidField("version", "versions are numbered from 1")
        content.check()
        validity.check()
        return cls(id=model_id_of(version), version_number=version, content=model_to_dict(content),
                   valid_from=validity.valid_from, valid_until=validity.valid_until, on=on, actor=actor)

    @event("RouteModelDrafted")
    def __init__(self, *, id: UUID, version_number: int, content: dict[str, Any], valid_from: date, valid_until: date | None, on: date,
                 actor: Actor) -> None:
        self.number = version_number
        self._start(valid_from, valid_until, content)

    @property
    def content(self) -> NationalModel:
        return model_from_dict(self.content_dict)

    @property
    def name(self) -> str:
        return f"version {self.number}"

    def revise(self, *, content: NationalModel, validity: Validity, on: date, actor: Actor) -> None:
        self.check_draft(self.name)
        content.check()
        validity.check()
        self._revised(content=model_to_dict(content), valid_from=validity.valid_from, valid_until=validity.valid_until, on=on,
                      actor=actor)

    @event("RouteModelRevised")
    def _revised(self, *, content: dict[str, Any], valid_from: date, valid_until: date | None, on: date, actor: Actor) -> None:
        self._apply_revision(valid_from, valid_until, content)

    def publish(self, *, published: Sequence[Published], on: date, actor: Actor) -> Published | None:
        """Publish; returns the published predecessor this one closes (its caller records that
        on the predecessor, in the same transaction)."""
        self.check_draft(self.name)
        closes = succession(self.validity, [p for p in published if p.id != self.id])
        self._published(on=on, actor=actor)
        return closes

    @event("RouteModelPublished")
    def _published(self, *, on: date, actor: Actor) -> None:
        self._apply_publication(on)

    def close_for(self, successor: Published, *, on: date, actor: Actor) -> None:
        self._succeeded(successor=successor.id, valid_until=successor.validity.valid_from - timedelta(days=1), on=on, actor=actor)

    @event("RouteModelSucceeded")
    def _succeeded(self, *, successor: UUID, valid_until: date, on: date, actor: Actor) -> None:
        self._apply_succession(successor, valid_until)


class RouteVariant(_Versioned):
    """One region's local filling of one national version."""

    @classmethod
    def draft(cls, *, variant_id: UUID, national: RouteModel, content: RegionalVariant, validity: Validity, on: date,
              actor: Actor) -> RouteVariant:
        content.check(national.content)
        validity.check()
        return cls(id=variant_id, model_id=national.id, model_version=national.number, region=content.region,
                   content=variant_to_dict(content), valid_from=validity.valid_from, valid_until=validity.valid_until, on=on,
                   actor=actor)

    @event("RouteVariantDrafted")
    def __init__(self, *, id: UUID, model_id: UUID, model_version: int, region: str, content: dict[str, Any], valid_from: date,
                 valid_until: date | None, on: date, actor: Actor) -> None:
        self.model_id = model_id
        self.model_version = model_version
        self.region = region
        self._start(valid_from, valid_until, content)

    @property
    def content(self) -> RegionalVariant:
        return variant_from_dict(self.content_dict)

    @property
    def name(self) -> str:
        return f"variant {self.id} of {self.region}"

    def revise(self, *, national: RouteModel, content: RegionalVariant, validity: Validity, on: date, actor: Actor) -> None:
        self.check_draft(self.name)
        if content.region != self.region:
            raise InvalidField("region", f"a variant stays the variant of its region ({self.region})")
        content.check(national.content)
        validity.check()
        self._revised(content=variant_to_dict(content), valid_from=validity.valid_from, valid_until=validity.valid_until, on=on,
                      actor=actor)

    @event("RouteVariantRevised")
    def _revised(self, *, content: dict[str, Any], valid_from: date, valid_until: date | None, on: date, actor: Actor) -> None:
        self._apply_revision(valid_from, valid_until, content)

    def publish(self, *, national: RouteModel, published: Sequence[Published], on: date, actor: Actor) -> Published | None:
        """Publish within the national version's validity; returns the predecessor it closes."""
        self.check_draft(self.name)
        if not national.is_published:
            raise RuleViolation("national-version-published", f"national {national.name} is a draft: publish it first")
        if not self.validity.within(national.validity):
            raise RuleViolation(
                "variant-within-national-validity",
                f"the variant's validity {self.validity} lies outside that of national {national.name} ({national.validity})",
            )
        self.content.check(national.content)
        closes = succession(self.validity, [p for p in published if p.id != self.id])
        self._published(on=on, actor=actor)
        return closes

    @event("RouteVariantPublished")
    def _published(self, *, on: date, actor: Actor) -> None:
        self._apply_publication(on)

    def close_for(self, successor: Published, *, on: date, actor: Actor) -> None:
        self._succeeded(successor=successor.id, valid_until=successor.validity.valid_from - timedelta(days=1), on=on, actor=actor)

    def close_with_national(self, national: RouteModel, *, on: date, actor: Actor) -> None:
        """The national version closed before this variant's end: the variant ends with it."""
        until = national.valid_until
        assert until is not None
        if self.valid_from > until:
            raise RuleViolation(
                "variant-within-national-validity",
                f"published {self.name} starts {self.valid_from}, after national {national.name} would end ({until})",
            )
        self._closed(valid_until=until, on=on, actor=actor)

    @event("RouteVariantSucceeded")
    def _succeeded(self, *, successor: UUID, valid_until: date, on: date, actor: Actor) -> None:
        self._apply_succession(successor, valid_until)

    @event("RouteVariantClosed")
    def _closed(self, *, valid_until: date, on: date, actor: Actor) -> None:
        self.valid_until = valid_until


@dataclass(frozen=True)
class Entry:
    """One version or variant as the read model lists it."""

    id: UUID
    kind: str  # "national" or "regional"
    model_id: UUID  # the national version (itself for a national one)
    version: int  # the national version's number
    region: str | None
    status: ModelStatus
    validity: Validity

    @property
    def is_published(self) -> bool:
        return self.status is not ModelStatus.DRAFT


def entry_of(aggregate: RouteModel | RouteVariant) -> Entry:
    if isinstance(aggregate, RouteModel):
        return Entry(aggregate.id, "national", aggregate.id, aggregate.number, None, aggregate.status, aggregate.validity)
    return Entry(aggregate.id, "regional", aggregate.model_id, aggregate.model_version, aggregate.region, aggregate.status,
                 aggregate.validity)


def choose(entries: Iterable[Entry], region: str | None, on: date) -> tuple[Entry | None, Entry | None]:
    """The published national version valid on ``on`` and the region's published variant of it
    valid on ``on`` (each None when there is none)."""
    published = [e for e in entries if e.is_published and e.validity.covers(on)]
    national = next((e for e in published if e.kind == "national"), None)
    if national is None or region is None:
        return national, None
    variant = next((e for e in published if e.kind == "regional" and e.model_id == national.id and e.region == region), None)
    return national, variant


def as_published(entries: Iterable[Entry], *, kind: str, model_id: UUID | None = None, region: str | None = None) -> list[Published]:
    """The published ones among ``entries`` that a new one of this kind (for this national version
    and region) must not overlap."""
    chosen = [e for e in entries if e.is_published and e.kind == kind]
    if kind == "regional":
        chosen = [e for e in chosen if e.model_id == model_id and e.region == region]
    return [Published(e.id, f"version {e.version}" if kind == "national" else f"variant {e.id} of {e.region}", e.validity)
            for e in chosen]
