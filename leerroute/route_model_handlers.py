"""The handlers of the route-model commands (``domain.route_model_commands``): the same shape as
``leerroute.handlers`` (lock, load, authorise through ``domain.access``, one domain method, save).

Publications are serialised: of the national model under one lock, of a region's variants under
one lock per region, so two publications never both pass the check on overlapping validity. What
a publication closes (a predecessor, and the predecessor's variants that ran past its new end) is
saved in the same transaction as the publication itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain import access
from domain import route_model_commands as rm
from domain.errors import Forbidden, InvalidField, NotFound
from domain.route_model import baseline_model, model_from_dict, variant_from_dict
from domain.route_models import (
    BASELINE_MODEL_ID,
    BASELINE_VALID_FROM,
    Published,
    RouteModel,
    RouteVariant,
    Validity,
    as_published,
    model_id_of,
)

if TYPE_CHECKING:
    from leerroute.handlers import Context, Outcome

NATIONAL_LOCK = uuid5(NAMESPACE_URL, "leerroute:route-models")
MODEL_KEYS = ("stages", "terms", "dropOutCategories")
VARIANT_KEYS = ("region", "offered", "norms", "providers", "subReasons")


def region_lock(region: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"leerroute:route-variants:{region}")


def _outcome(aggregate: Any, position: int | None, recorded: int, created: str | None = None) -> Outcome:
    from leerroute.handlers import Outcome

    return Outcome(aggregate, position, created, recorded=recorded)


def _check_version(aggregate: Any, expected: int | None) -> None:
    from leerroute.handlers import check_version

    check_version(aggregate, expected)


def revised(current: Mapping[str, Any], validity: Validity, changes: Mapping[str, Any],
            keys: tuple[str, ...]) -> tuple[dict[str, Any], Validity]:
    """The content and validity after a revision that names only what it changes."""
    unknown = sorted(set(changes) - {*keys, "validFrom", "validUntil"})
    if unknown:
        raise InvalidField(unknown[0], f"not a field of this resource (fields: validFrom, validUntil, {', '.join(keys)})")
    valid_from = changes.get("validFrom", validity.valid_from)
    if not isinstance(valid_from, date):
        raise InvalidField("validFrom", "a date")
    valid_until = changes.get("validUntil", validity.valid_until)
    content = {**current, **{k: changes[k] for k in keys if k in changes}}
    return content, Validity(valid_from, valid_until)


# --- the national model ----------------------------------------------------------------------------


def _national(ctx: Context, version: int, *, field: str | None = None) -> RouteModel:
    model = ctx.uow.get(model_id_of(version)) if version >= 1 else None
    if not isinstance(model, RouteModel):
        if field is not None:  # named in a body: the field is wrong
            raise InvalidField(field, f"no version {version} of the national model")
        raise NotFound("route model", f"no version {version} of the national model")
    return model


def _check_writer(command: Any) -> None:
    if not access.can_write_route_model(command.actor):
        raise Forbidden("only procesregie changes the national model")


def draft_model(command: rm.DraftRouteModel, ctx: Context) -> Outcome:
    _check_writer(command)
    uow = ctx.uow
    uow.lock(NATIONAL_LOCK)
    # Version 1 is the baseline; the next one takes the next number (a racing draft of the same
    # number loses on the event store's unique index and runs again).
    number = max((e.version for e in uow.route_models.entries() if e.kind == "national"), default=1) + 1
    model = RouteModel.draft(version=number, content=model_from_dict(command.content),
                             validity=Validity(command.valid_from, command.valid_until), on=command.on, actor=command.actor)
    return _outcome(model, _saved(uow, model), 1, str(number))


def revise_model(command: rm.ReviseRouteModel, ctx: Context) -> Outcome:
    _check_writer(command)
    ctx.uow.lock(model_id_of(command.model_version))
    model = _national(ctx, command.model_version)
    _check_version(model, command.expected_version)
    model.check_draft(model.name)
    content, validity = revised(model.content_dict, model.validity, command.changes, MODEL_KEYS)
    model.revise(content=model_from_dict(content), validity=validity, on=command.on, actor=command.actor)
    return _outcome(model, _saved(ctx.uow, model), 1)


def publish_model(command: rm.PublishRouteModel, ctx: Context) -> Outcome:
    _check_writer(command)
    uow = ctx.uow
    uow.lock(NATIONAL_LOCK)
    model = _national(ctx, command.model_version)
    _check_version(model, command.expected_version)
    entries = uow.route_models.entries()
    closes = model.publish(published=as_published(entries, kind="national"), on=command.on, actor=command.actor)
    changed: list[Any] = [model]
    if closes is not None:
        predecessor = uow.get(closes.id)
        assert isinstance(predecessor, RouteModel)
        predecessor.close_for(Published(model.id, model.name, model.validity), on=command.on, actor=command.actor)
        changed.append(predecessor)
        changed.extend(_close_variants(ctx, predecessor, entries, command))
    return _outcome(model, _saved(uow, *changed), len(changed))


def _close_variants(ctx: Context, national: RouteModel, entries: list[Any], command: Any) -> list[RouteVariant]:
    """The published variants of a national version that now ends: those running past its end end with it."""
    closed = []
    end = national.valid_until
    assert end is not None
    for entry in entries:
        if entry.kind != "regional" or entry.model_id != national.id or not entry.is_published:
            continue
        if entry.validity.valid_until is not None and entry.validity.valid_until <= end:
            continue
        variant = ctx.uow.get(entry.id)
        assert isinstance(variant, RouteVariant)
        variant.close_with_national(national, on=command.on, actor=command.actor)
        closed.append(variant)
    return closed


def publish_baseline(command: rm.PublishBaselineModel, ctx: Context) -> Outcome:
    """Version 1 when it does not exist yet; the existing one (nothing recorded) when it does.
    Processes starting at the same moment race on the version's fixed id: one wins, the others
    run again and find it."""
    uow = ctx.uow
    uow.lock(NATIONAL_LOCK)
    existing = uow.get(BASELINE_MODEL_ID)
    if isinstance(existing, RouteModel):
        return _outcome(existing, None, 0)
    model = RouteModel.draft(version=1, content=baseline_model(ctx.terms), validity=Validity(BASELINE_VALID_FROM),
                             on=command.on, actor=command.actor)
    model.publish(published=[], on=command.on, actor=command.actor)
    return _outcome(model, _saved(uow, model), 2)


# --- regional variants -------------------------------------------------------------------------------


def _check_region(ctx: Context, region: str) -> None:
    known = ctx.regions.regions()
    if region not in known:
        raise InvalidField("region", f"unknown labour-market region {region!r} (known: {', '.join(known) or 'none'})")


def _check_variant_writer(command: Any, ctx: Context, region: str) -> None:
    if not access.can_write_variant(command.actor, ctx.regions.centre_of(region)):
        raise Forbidden(f"a variant of {region} is written by procesregie or a klantmanager of the region's centrumgemeente")


def _variant(command: rm.RouteVariantCommand, ctx: Context) -> RouteVariant:
    variant = ctx.uow.get(command.variant_id)
    if not isinstance(variant, RouteVariant):
        raise NotFound("route variant", f"no route variant {command.variant_id}")
    if not variant.is_published and not access.can_write_variant(command.actor, ctx.regions.centre_of(variant.region)):
        raise NotFound("route variant", f"no route variant {command.variant_id}")  # a draft is its writers' alone
    _check_variant_writer(command, ctx, variant.region)
    return variant


def draft_variant(command: rm.DraftRouteVariant, ctx: Context) -> Outcome:
    content = variant_from_dict(command.content)
    _check_region(ctx, content.region)
    _check_variant_writer(command, ctx, content.region)
    national = _national(ctx, command.model_version, field="modelVersion")
    variant = RouteVariant.draft(variant_id=ctx.new_id(), national=national, content=content,
                                 validity=Validity(command.valid_from, command.valid_until), on=command.on, actor=command.actor)
    return _outcome(variant, _saved(ctx.uow, variant), 1, str(variant.id))


def revise_variant(command: rm.ReviseRouteVariant, ctx: Context) -> Outcome:
    ctx.uow.lock(command.variant_id)
    variant = _variant(command, ctx)
    _check_version(variant, command.expected_version)
    variant.check_draft(variant.name)
    content, validity = revised(variant.content_dict, variant.validity, command.changes, VARIANT_KEYS)
    national = _national(ctx, variant.model_version)
    variant.revise(national=national, content=variant_from_dict(content), validity=validity, on=command.on, actor=command.actor)
    return _outcome(variant, _saved(ctx.uow, variant), 1)


def publish_variant(command: rm.PublishRouteVariant, ctx: Context) -> Outcome:
    uow = ctx.uow
    found = uow.get(command.variant_id)
    if isinstance(found, RouteVariant):
        uow.lock(region_lock(found.region))
    variant = _variant(command, ctx)
    _check_version(variant, command.expected_version)
    national = _national(ctx, variant.model_version)
    published = as_published(uow.route_models.entries(), kind="regional", model_id=national.id, region=variant.region)
    closes = variant.publish(national=national, published=published, on=command.on, actor=command.actor)
    changed: list[Any] = [variant]
    if closes is not None:
        predecessor = uow.get(closes.id)
        assert isinstance(predecessor, RouteVariant)
        predecessor.close_for(Published(variant.id, variant.name, variant.validity), on=command.on, actor=command.actor)
        changed.append(predecessor)
    return _outcome(variant, _saved(uow, *changed), len(changed))



def _saved(uow: Any, *aggregates: Any) -> int | None:
    """Save; no position yet: it comes with the commit (``Service.handle`` sets it)."""
    uow.save(*aggregates)
    return None


HANDLERS: dict[type, Callable[[Any, Context], Outcome]] = {
    rm.DraftRouteModel: draft_model,
    rm.ReviseRouteModel: revise_model,
    rm.PublishRouteModel: publish_model,
    rm.PublishBaselineModel: publish_baseline,
    rm.DraftRouteVariant: draft_variant,
    rm.ReviseRouteVariant: revise_variant,
    rm.PublishRouteVariant: publish_variant,
}
