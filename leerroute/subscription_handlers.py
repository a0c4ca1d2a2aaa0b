"""The handlers of the subscription commands: the same shape as ``leerroute.handlers`` (load,
authorise, one domain method, save), plus what a subscription keeps beside the log in the same
transaction: its encrypted secret and its cursor."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from domain import commands as c
from domain.errors import InvalidField, NotFound
from domain.notification_access import check_filters_visible, check_subscribable
from domain.subscriptions import Subscription, check_callback_url, check_event_types, check_filters
from domain.trajectory import Trajectory

if TYPE_CHECKING:
    from leerroute.handlers import Context, Outcome


def _outcome(subscription: Subscription) -> Outcome:
    from leerroute.handlers import Outcome

    return Outcome(subscription, None, recorded=1)


def register_subscription(command: c.RegisterSubscription, ctx: Context) -> Outcome:
    actor, uow = command.actor, ctx.uow
    url = check_callback_url(command.callback_url, ctx.subscription_terms.allowed_hosts)
    types = check_event_types(list(command.event_types))
    check_subscribable(actor, types)
    filters = check_filters(command.filters)
    named = uow.get(filters.trajectory_id) if filters.trajectory_id is not None else None
    check_filters_visible(ctx.access, actor, filters, named if isinstance(named, Trajectory) else None)
    subscription = Subscription.register(
        subscription_id=ctx.new_id(), callback_url=url, event_types=types, filters=filters, on=command.on, actor=actor,
    )
    uow.save(subscription)
    position = uow.flush()
    assert position is not None
    uow.keep_secret(subscription.id, subscription.secret_version, ctx.new_secret(), previous_valid_until=None)
    # Events after the registration: the cursor starts at its own event.
    uow.open_cursor(subscription.id, actor.organisation, str(actor.role), position)
    return _outcome(subscription)


def _own(command: c.SubscriptionCommand, ctx: Context) -> Subscription:
    ctx.uow.lock(command.subscription_id)
    subscription = ctx.uow.get(command.subscription_id)
    if not isinstance(subscription, Subscription) or not subscription.owned_by(command.actor):
        raise NotFound("subscription", f"no subscription {command.subscription_id}")
    if command.expected_version is not None:
        from leerroute.handlers import check_version

        check_version(subscription, command.expected_version)
    return subscription


def rotate_secret(command: c.RotateSubscriptionSecret, ctx: Context) -> Outcome:
    subscription = _own(command, ctx)
    until = ctx.now() + ctx.subscription_terms.secret_grace
    subscription.rotate_secret(previous_valid_until=until, on=command.on, actor=command.actor)
    ctx.uow.save(subscription)
    ctx.uow.keep_secret(subscription.id, subscription.secret_version, ctx.new_secret(), previous_valid_until=until)
    return _outcome(subscription)


def change_status(command: c.SubscriptionCommand, ctx: Context) -> Outcome:
    subscription = _own(command, ctx)
    if isinstance(command, c.PauseSubscription):
        subscription.pause(on=command.on, actor=command.actor)
    elif isinstance(command, c.ResumeSubscription):
        subscription.resume(on=command.on, actor=command.actor)
    else:
        subscription.delete(on=command.on, actor=command.actor)
    ctx.uow.save(subscription)
    ctx.uow.set_delivery_status(subscription.id, str(subscription.status))
    return _outcome(subscription)


def replay(command: c.ReplaySubscription, ctx: Context) -> Outcome:
    if (command.from_position is None) == (command.from_time is None):
        raise InvalidField("fromPosition", "give either fromPosition or fromTime")
    subscription = _own(command, ctx)
    if command.from_position is not None:
        start = command.from_position
    else:
        assert command.from_time is not None
        start = ctx.uow.position_at(command.from_time)
    subscription.request_replay(from_position=start, on=command.on, actor=command.actor)
    ctx.uow.save(subscription)
    ctx.uow.move_cursor(subscription.id, start)
    return _outcome(subscription)


HANDLERS: dict[type[c.Command], Callable[[Any, Context], Outcome]] = {
    c.RegisterSubscription: register_subscription,
    c.RotateSubscriptionSecret: rotate_secret,
    c.PauseSubscription: change_status,
    c.ResumeSubscription: change_status,
    c.DeleteSubscription: change_status,
    c.ReplaySubscription: replay,
}
