"""The service layer: every write of every entry point goes through ``Service.handle``.

``handle(command)`` runs the command's handler (``leerroute.handlers``) in one unit of work and
returns an ``Outcome``: the aggregate as it stands afterwards, the log position of its last event
and the id of what the command created. It owns

- the transaction: the events (with their hash-chain records), the access-log entry and the
  idempotency record commit together or not at all;
- concurrency: handlers lock the aggregate they change, so writers of one aggregate queue; a
  command that still loses a race (``Conflict``) runs again on the new state, unless it named the
  version it expects (``expected_version``): then it fails with ``ConcurrentWriteConflict``;
- idempotency: with an ``idempotency_key``, a repeat of the command (also one sent at the same
  moment) gets the first outcome again, marked ``replayed``, and records nothing; the same key with
  another command is ``IdempotencyKeyReused``. What is kept is the outcome (aggregate, version,
  position, created id), not a response: every entry point presents a replay as it presents the
  first answer, by reading the aggregate at that version, and no presentation or personal data is
  copied into the records;
- telling the workers, after the commit, that the log has grown;
- telling ``observe`` how each command ended (its type, the error or None, whether replayed):
  the metrics count commands here, where every entry point passes.

Errors are the domain's (``domain.errors``: not found, forbidden, a rule, an invalid field) and
the three above. Nothing here knows HTTP.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import random
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any
from uuid import UUID, uuid4

from domain.access import AccessPolicy, check_role, roles_for
from domain.commands import Command
from domain.errors import DomainError, InvalidField
from domain.municipalities import Municipalities
from domain.subscriptions import SubscriptionTerms
from domain.values import Actor, MilestoneTerms
from leerroute import handlers
from leerroute.errors import ConcurrentWriteConflict, IdempotencyKeyReused, VersionMismatch
from leerroute.handlers import Context, Outcome
from leerroute.route_models import NoRegions, Regions, RouteModels
from leerroute.unit_of_work import Conflict, RequestKey, StoredOutcome, StoredRequest, UnitOfWork

_pause = threading.Event()  # never set: a sleep that lets other threads' signals through


class Service:
    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        *,
        today: Callable[[], date],
        access: AccessPolicy,
        region_of: Callable[[str], str],
        municipalities: Callable[[], Municipalities],
        terms: MilestoneTerms,
        notify: Callable[[], None] = lambda: None,
        new_id: Callable[[], UUID] = uuid4,
        retries: int = 5,
        subscription_terms: SubscriptionTerms | None = None,
        now: Callable[[], datetime] | None = None,
        observe: Callable[[str, BaseException | None, bool], None] = lambda command, error, replayed: None,
        regions: Regions | None = None,
        route_models: RouteModels | None = None,
    ):
        self._unit_of_work = unit_of_work
        self._today = today
        self._access = access
        self._region_of = region_of
        self._municipalities = municipalities
        self._terms = terms
        self._notify = notify
        self._new_id = new_id
        self._retries = retries
        self._observe = observe
        self._subscription_terms = subscription_terms or SubscriptionTerms()
        self._now = now or (lambda: datetime.now(UTC))
        self._regions = regions or NoRegions()
        self._route_models = route_models

    def today(self) -> date:
        """Today, by the service's clock: the business date of a command that has none of its own."""
        return self._today()

    def with_unit_of_work(self, unit_of_work: Callable[[], UnitOfWork], *, notify: Callable[[], None] = lambda: None) -> Service:
        """The same service (the same handlers, rules, clock and access policy) on other units of
        work: the spreadsheet import runs commands in savepoints of a transaction it holds."""
        other = copy.copy(self)
        other._unit_of_work = unit_of_work
        other._notify = notify
        return other

    def handle(self, command: Command, *, idempotency_key: str | None = None, trace_id: str | None = None) -> Outcome:
        try:
            outcome = self._handle(command, idempotency_key, trace_id)
        except Exception as error:
            self._observe(type(command).__name__, error, False)
            raise
        self._observe(type(command).__name__, None, outcome.replayed)
        return outcome

    def _handle(self, command: Command, idempotency_key: str | None, trace_id: str | None) -> Outcome:
        handler = handlers.handler_of(command)
        # The role first: a role that may not issue the command learns nothing of what it names.
        check_role(command.actor, roles_for(type(command)))
        key = request_key(command, idempotency_key) if idempotency_key is not None else None
        trace = trace_id or uuid4().hex
        for attempt in range(self._retries + 1):
            try:
                with self._unit_of_work() as uow:
                    earlier = uow.claim_request(key) if key is not None else None
                    context = Context(uow, self._today(), trace, self._access, self._region_of, self._terms, self._new_id,
                                      self._municipalities, self._subscription_terms, self._now, models=self._route_models,
                                      regions=self._regions)
                    try:
                        outcome = handler(command, context)
                    except (DomainError, VersionMismatch):
                        if earlier is not None and (kept := earlier()) is not None:
                            raise _Repeat(kept) from None
                        raise
                    if earlier is not None and (kept := earlier()) is not None:
                        raise _Repeat(kept)
                    if key is not None:
                        uow.remember_request(key, command.activity, outcome.aggregate.id, outcome.aggregate.version,
                                             outcome.created)
                    outcome = dataclasses.replace(outcome, position=uow.commit())
            except _Repeat as repeat:
                # The first request's outcome, read in a transaction of its own (this one's writes are dropped).
                assert key is not None
                if repeat.kept.fingerprint != key.fingerprint:
                    raise IdempotencyKeyReused() from None
                with self._unit_of_work() as uow:
                    return replay(uow, repeat.kept.outcome)
            except Conflict as error:
                if (command.versioned and command.expected_version is not None) or attempt == self._retries:
                    raise ConcurrentWriteConflict() from error
                _pause.wait(random.uniform(0, 0.01 * 2**attempt))
                continue
            if outcome.position is not None:
                self._notify()
            return outcome
        raise AssertionError("unreachable: the last attempt returns or raises")


class _Repeat(Exception):
    """The request's key holds an earlier request's outcome."""

    def __init__(self, kept: StoredRequest):
        self.kept = kept


def replay(uow: UnitOfWork, kept: StoredOutcome) -> Outcome:
    """The outcome of an earlier request: the aggregate as that request left it."""
    aggregate = uow.get(kept.aggregate_id, version=kept.version)
    assert aggregate is not None, "a kept outcome names an aggregate of the log"
    return Outcome(aggregate, kept.position, kept.created, replayed=True)


def request_key(command: Command, key: str) -> RequestKey:
    """The key in its caller's scope, with a fingerprint of the command: what it asks, leaving out
    the version it expects (a repeat is the same request whatever its ``If-Match``)."""
    key = key.strip()
    if not 1 <= len(key) <= 200:
        raise InvalidField("Idempotency-Key", "1 to 200 characters")
    fields = {f.name: getattr(command, f.name) for f in dataclasses.fields(command) if f.name != "expected_version"}
    canonical = json.dumps([type(command).__name__, fields], default=_plain, sort_keys=True, separators=(",", ":"))
    return RequestKey(scope=request_scope(command.actor), key=key, fingerprint=hashlib.sha256(canonical.encode()).hexdigest())


def request_scope(actor: Actor) -> str:
    """Whose keys these are: the caller's organisation and subject (a digest: fixed in length,
    and no two callers share one, whatever their names hold)."""
    return hashlib.sha256(json.dumps([actor.organisation, actor.subject]).encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, UUID)):
        return str(value)
    if isinstance(value, Actor):
        return value.as_dict()  # without a source when it has none: fingerprints kept before stay valid
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    raise TypeError(f"a command holds no {type(value).__name__}")
