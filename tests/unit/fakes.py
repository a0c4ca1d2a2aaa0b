"""An in-memory unit of work for the service layer's unit tests: no database, no I/O.

``MemoryLog`` holds what the database holds (events per aggregate with their log positions,
the candidates' sealed data and BSN lookup, the access log, the idempotency records); each
``MemoryUnitOfWork`` is one transaction on it: what it writes stays pending until ``commit``,
and a write that another transaction made first (the same aggregate version, the same BSN in a
municipality) is a ``Conflict``, as the unique indexes make it on SQLite and PostgreSQL.
Aggregates are rebuilt from their events, as the event store rebuilds them.

``between_transactions`` lets a test run a competing write just before a transaction commits,
to see what the service does when it loses a race; ``while_claiming`` runs one while a
transaction takes its idempotency key, as a request with the same key that commits while this one
waits for the key (the ``INSERT ... ON CONFLICT DO NOTHING`` of the real unit of work waits there).

``World`` is the setting of one test: a log, the service on it, what the service told the
workers, the actors and a few steps of a route to start from.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters import regions
from domain import commands as c
from domain.access import AccessPolicy, FundCoverage, covers_nothing
from domain.candidate import PersonalData
from domain.financing import FinancingAgreement
from domain.money import LoggedEvent, logged
from domain.municipalities import Municipalities
from domain.payments import fund_covers
from domain.route_models import Entry, RouteModel, RouteVariant, entry_of
from domain.terms import FinancingKind, Terms, Trigger
from domain.trajectory import Trajectory
from domain.values import (
    SYSTEM_ACTOR,
    Actor,
    BenefitChangeKind,
    CertificateKind,
    DeviationRule,
    DropOutReason,
    GuaranteeEndReason,
    JobLevel,
    LanguageLevel,
    LanguageSkill,
    MilestoneTerms,
    Phase,
    PlacementEndReason,
    Role,
    SkipBasis,
    TargetGroup,
)
from leerroute import service as service_module
from leerroute.handlers import Outcome
from leerroute.route_models import ContentCache, RouteModelReader
from leerroute.service import Service
from leerroute.unit_of_work import Conflict, RequestKey, StoredOutcome, StoredRequest

TERMS = MilestoneTerms(lasting_placement_months=6, check_in_interval_months=6, check_in_window_days=30, guarantee_years=10,
                       stall_weeks=8)


@dataclass(frozen=True)
class AccessEntry:
    actor: Actor
    trajectory_id: UUID
    activity: str
    trace_id: str


@dataclass
class MemoryLog:
    events: dict[UUID, list[tuple[int, Any]]] = field(default_factory=dict)  # aggregate → [(position, event)]
    sealed: dict[UUID, PersonalData] = field(default_factory=dict)
    lookup: dict[tuple[str, str], UUID] = field(default_factory=dict)
    access_log: list[AccessEntry] = field(default_factory=list)
    requests: dict[tuple[str, str], tuple[str, str | None, StoredOutcome | None]] = field(default_factory=dict)
    positions: itertools.count = field(default_factory=lambda: itertools.count(1))
    commits: int = 0
    # notifications: (subscription, version) → (secret, valid until); subscription → cursor fields
    secrets: dict[tuple[UUID, int], tuple[str, Any]] = field(default_factory=dict)
    cursors: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    # Run once just before the next commit (a competing transaction that wins the race; its own
    # commit runs no hook, and a hook it adds waits for the commit after).
    between_transactions: list[Callable[[], None]] = field(default_factory=list)
    # Run once when the next transaction takes an idempotency key, before it reads the records.
    while_claiming: list[Callable[[], None]] = field(default_factory=list)
    # A test's own published route models (``tests.route_model_scenario``); None: those of the log.
    route_models: Any = None

    # Published content, kept as the SQL catalogue keeps it (for the life of the log).
    route_model_cache: ContentCache = field(default_factory=dict)
    terms: MilestoneTerms | None = None  # the baseline's, set by ``make_service``

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)

    def committed_route_models(self) -> MemoryRouteModels:
        """The port on what is committed (as ``RouteModelCatalogue`` outside a transaction)."""
        return MemoryRouteModels(self.aggregate, lambda: list(self.events), self.terms or TERMS, self.route_model_cache)

    def aggregate(self, aggregate_id: UUID, version: int | None = None) -> Any | None:
        return _replay(e for _, e in self.events.get(aggregate_id, []) if version is None or e.originator_version <= version)

    def history(self, aggregate_id: UUID) -> list[Any]:
        return [e for _, e in self.events.get(aggregate_id, [])]

    def last_position(self) -> int:
        return max((p for seen in self.events.values() for p, _ in seen), default=0)

    def event_names(self, aggregate_id: UUID) -> list[str]:
        return [type(e).__name__ for e in self.history(aggregate_id)]

    def snapshot(self) -> tuple[Any, ...]:
        """Everything a transaction can change, to compare before and after a refused command."""
        return (
            self.commits, {a: list(e) for a, e in self.events.items()}, dict(self.sealed), dict(self.lookup),
            list(self.access_log), dict(self.requests), dict(self.secrets), {k: dict(v) for k, v in self.cursors.items()},
        )

    def agreements_cover(self, region_of: Callable[[str], str]) -> FundCoverage:
        """The default coverage of ``leerroute.bootstrap``: a fund sees the trajectories that the
        committed agreements it pays or claims under cover."""

        def covers(fund: str, trajectory: Trajectory) -> bool:
            agreements = [a for a in (self.aggregate(i) for i in self.events) if isinstance(a, FinancingAgreement)]
            views = [a.view() for a in agreements if fund in (a.payer, a.claimant)]
            return fund_covers(views, trajectory, region_of(trajectory.municipality))

        return covers


def _run_once(hooks: list[Callable[[], None]]) -> None:
    """Run the hooks waiting now, each once; one may arm a hook for the next transaction."""
    waiting = list(hooks)
    hooks.clear()
    for hook in waiting:
        hook()


def _replay(events: Any) -> Any | None:
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class MemoryRouteModels(RouteModelReader):
    """The port ``route_models`` on the versions and variants in a log (and a transaction's
    pending events), as the ``route_models`` table holds them."""

    def __init__(self, aggregate: Callable[[UUID], Any], ids: Callable[[], list[UUID]], terms: MilestoneTerms,
                 cache: ContentCache):
        super().__init__(terms, cache)
        self._aggregate = aggregate
        self._ids = ids

    def _versions(self) -> list[RouteModel | RouteVariant]:
        found = (self._aggregate(i) for i in self._ids())
        return [a for a in found if isinstance(a, (RouteModel, RouteVariant))]

    def entries(self) -> list[Entry]:
        return sorted((entry_of(a) for a in self._versions()), key=lambda e: (e.version, e.kind, e.region or "", e.validity.valid_from))

    def contents(self, ids: Any) -> dict[UUID, tuple[Entry, Any]]:
        wanted = set(ids)
        return {a.id: (entry_of(a), a.content_dict) for a in self._versions() if a.id in wanted and a.is_published}


class MemoryUnitOfWork:
    def __init__(self, log: MemoryLog):
        self.log = log
        self._events: dict[UUID, list[tuple[int, Any]]] = {}
        self._sealed: dict[UUID, PersonalData] = {}
        self._lookup: dict[tuple[str, str], UUID] = {}
        self._destroyed: set[UUID] = set()
        self._access: list[AccessEntry] = []
        self._claimed: RequestKey | None = None
        self._remembered: tuple[str, StoredOutcome] | None = None
        self._forgotten: list[tuple[str, UUID]] = []
        self._notifications: list[Callable[[MemoryLog], None]] = []
        self.locks: list[UUID] = []
        self._position: int | None = None
        # A test's own published models (``tests.route_model_scenario``), else the versions and
        # variants in the log, as the ``route_models`` table holds them.
        self.route_models = log.route_models or MemoryRouteModels(
            self.get, lambda: list(self.log.events.keys() | self._events.keys()), log.terms or TERMS, log.route_model_cache
        )

    def __enter__(self) -> MemoryUnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        pass  # whatever was not committed is dropped with this object

    def commit(self) -> int | None:
        _run_once(self.log.between_transactions)
        log = self.log
        for aggregate_id, new in self._events.items():
            stored = log.events.get(aggregate_id, [])
            if stored and stored[-1][1].originator_version >= new[0][1].originator_version:
                raise Conflict(f"{aggregate_id} version {new[0][1].originator_version} was written first")
        if any(key in log.lookup for key in self._lookup):
            raise Conflict("a candidate with this BSN was registered first")
        if self._claimed is not None and (self._claimed.scope, self._claimed.key) in log.requests:
            raise Conflict("another request with this key was committed first")
        for aggregate_id, new in self._events.items():
            log.events.setdefault(aggregate_id, []).extend(new)
        log.sealed.update(self._sealed)
        log.lookup.update(self._lookup)
        for candidate_id in self._destroyed:
            log.sealed.pop(candidate_id, None)
            for key in [k for k, v in log.lookup.items() if v == candidate_id]:
                del log.lookup[key]
        log.access_log.extend(self._access)
        for command, aggregate_id in self._forgotten:
            for key in [k for k, (_, kept, o) in log.requests.items() if kept == command and o and o.aggregate_id == aggregate_id]:
                del log.requests[key]
        if self._claimed is not None and self._remembered is not None:
            command, outcome = self._remembered
            log.requests[(self._claimed.scope, self._claimed.key)] = (self._claimed.fingerprint, command, outcome)
        for change in self._notifications:
            change(log)
        log.commits += 1
        return self._position

    # -- aggregates --------------------------------------------------------------------------------

    def lock(self, aggregate_id: UUID) -> None:
        self.locks.append(aggregate_id)

    def _history(self, aggregate_id: UUID) -> list[Any]:
        return [e for _, e in self.log.events.get(aggregate_id, []) + self._events.get(aggregate_id, [])]

    def get(self, aggregate_id: UUID, *, version: int | None = None) -> Any | None:
        return _replay(e for e in self._history(aggregate_id) if version is None or e.originator_version <= version)

    def events(self, aggregate_id: UUID) -> list[LoggedEvent]:
        return [logged(e) for e in self._history(aggregate_id)]

    def save(self, *aggregates: Any) -> None:
        for aggregate in aggregates:
            for event in aggregate.collect_events():
                self._position = next(self.log.positions)
                self._events.setdefault(event.originator_id, []).append((self._position, event))

    def flush(self) -> int | None:
        return self._position

    # -- personal data -----------------------------------------------------------------------------

    def find_candidate(self, municipality: str, bsn: str) -> UUID | None:
        return self._lookup.get((municipality, bsn)) or self.log.lookup.get((municipality, bsn))

    def seal(self, candidate_id: UUID, person: PersonalData) -> str:
        self._sealed[candidate_id] = person
        return f"sealed:{candidate_id}"

    def remember_candidate(self, municipality: str, bsn: str, candidate_id: UUID) -> None:
        self._lookup[(municipality, bsn)] = candidate_id

    def destroy_personal_data(self, candidate_id: UUID) -> None:
        self._destroyed.add(candidate_id)

    # -- the access log and idempotency records ----------------------------------------------------

    def record_access(self, actor: Actor, trajectories: Sequence[Trajectory], *, activity: str, trace_id: str) -> None:
        self._access.extend(AccessEntry(actor, t.id, activity, trace_id) for t in trajectories)

    def claim_request(self, key: RequestKey) -> Callable[[], StoredRequest | None]:
        _run_once(self.log.while_claiming)
        found = self.log.requests.get((key.scope, key.key))
        if found is not None and found[2] is not None:
            earlier = StoredRequest(found[0], found[2])
            return lambda: earlier
        self._claimed = key
        return lambda: None

    def remember_request(self, key: RequestKey, command: str, aggregate_id: UUID, version: int, created: str | None) -> None:
        self._remembered = (command, StoredOutcome(aggregate_id, version, self._position, created))

    def forget_requests(self, command: str, aggregate_id: UUID) -> None:
        self._forgotten.append((command, aggregate_id))

    # -- notifications -------------------------------------------------------------------------------

    def keep_secret(self, subscription_id: UUID, version: int, secret: str, *, previous_valid_until: Any) -> None:
        def keep(log: MemoryLog) -> None:
            if (subscription_id, version - 1) in log.secrets:
                log.secrets[(subscription_id, version - 1)] = (log.secrets[(subscription_id, version - 1)][0], previous_valid_until)
            log.secrets[(subscription_id, version)] = (secret, None)

        self._notifications.append(keep)

    def open_cursor(self, subscription_id: UUID, organisation: str, role: str, position: int) -> None:
        cursor = {"organisation": organisation, "role": role, "status": "active", "position": position}
        self._notifications.append(lambda log: log.cursors.__setitem__(subscription_id, cursor))

    def set_delivery_status(self, subscription_id: UUID, status: str) -> None:
        self._notifications.append(lambda log: log.cursors[subscription_id].__setitem__("status", status))

    def move_cursor(self, subscription_id: UUID, position: int) -> None:
        self._notifications.append(lambda log: log.cursors[subscription_id].__setitem__("position", position))

    def position_at(self, moment: Any) -> int:
        recorded = sorted((p, e.timestamp) for seen in self.log.events.values() for p, e in seen)
        return max((p for p, t in recorded if t < moment), default=0)


@functools.cache
def shipped_municipalities() -> Municipalities:
    """The shipped mapping of municipalities (``leerroute/regions.csv``), read once."""
    return regions.read(Path(__file__).parents[2] / "leerroute" / "regions.csv")


def make_service(
    log: MemoryLog,
    *,
    today: date = date(2026, 11, 22),
    fund_coverage: FundCoverage = covers_nothing,
    regions: dict[str, str] | None = None,
    terms: MilestoneTerms = TERMS,
    retries: int = 5,
    notify: Callable[[], None] = lambda: None,
    centres: dict[str, str] | None = None,
) -> Service:
    """The service on an in-memory log; ``regions``: municipality → labour-market region;
    ``centres``: region → its centrumgemeente."""
    mapping = regions or {}
    log.terms = terms
    return Service(
        log.unit_of_work, today=lambda: today, access=AccessPolicy(fund_coverage), region_of=lambda m: mapping.get(m, "onbekend"),
        municipalities=shipped_municipalities, terms=terms, notify=notify, retries=retries,
        regions=FakeRegions(mapping, centres or {}),
    )


@dataclass(frozen=True)
class FakeRegions:
    """The regions the mapping names (and those with a centrumgemeente), and their centrumgemeenten."""

    mapping: dict[str, str]
    centres: dict[str, str]

    def regions(self) -> list[str]:
        return sorted(set(self.mapping.values()) | set(self.centres))

    def centre_of(self, region: str) -> str | None:
        return self.centres.get(region)


def without_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Let the service retry at once (its pause between attempts waits on an event that is never
    set); returns the pauses it asked for."""
    pauses: list[float] = []

    class NoPause:
        def wait(self, seconds: float) -> bool:
            pauses.append(seconds)
            return False

    monkeypatch.setattr(service_module, "_pause", NoPause())
    return pauses


# --- the world of a test ---------------------------------------------------------------------------

TODAY = date(2026, 11, 22)
REGISTERED_ON = date(2026, 1, 5)

KM = Actor("km-1", Role.KLANTMANAGER, "GM0363")
KM_COLLEAGUE = Actor("km-2", Role.KLANTMANAGER, "GM0363")
OTHER_KM = Actor("km-9", Role.KLANTMANAGER, "GM0599")
PRIVACY = Actor("po-1", Role.PRIVACY_OFFICER, "GM0363")
OTHER_PRIVACY = Actor("po-9", Role.PRIVACY_OFFICER, "GM0599")
EMPLOYER = Actor("hr-1", Role.EMPLOYER, "12345678")
OTHER_EMPLOYER = Actor("hr-2", Role.EMPLOYER, "87654321")
FUND = Actor("fund-1", Role.FUND, "OOI-TECHNIEK")
OTHER_FUND = Actor("fund-2", Role.FUND, "OOI-BOUW")
APT = Actor("apt-1", Role.PROCESREGIE, "APT")

PERSON = PersonalData("111222333", "Amal", "Haddad", date(1990, 3, 4))
OTHER_PERSON = PersonalData("123456782", "Yonas", "Tesfaye", date(1995, 7, 1))


class World:
    """A log, the service on it and how often the service told the workers; the default coverage
    of a fund is that of ``leerroute.bootstrap`` (the committed agreements it pays or claims under)."""

    def __init__(
        self,
        *,
        today: date = TODAY,
        regions: dict[str, str] | None = None,
        fund_coverage: FundCoverage | None = None,
        retries: int = 5,
        terms: MilestoneTerms = TERMS,
        centres: dict[str, str] | None = None,
    ):
        self.log = MemoryLog()
        self.notified = 0
        mapping = regions or {}
        coverage = fund_coverage or self.log.agreements_cover(lambda m: mapping.get(m, "onbekend"))
        self.service = make_service(
            self.log, today=today, fund_coverage=coverage, regions=mapping, terms=terms, retries=retries, notify=self._notify,
            centres=centres,
        )

    def _notify(self) -> None:
        self.notified += 1

    def handle(self, command: c.Command, **options: Any) -> Outcome:
        return self.service.handle(command, **options)

    def step(self, kind: type[c.TrajectoryCommand], trajectory_id: UUID, /, *, actor: Actor = KM, on: date, **fields: Any) -> Outcome:
        """One command on a trajectory (``fields``: the command's own)."""
        return self.service.handle(kind(actor=actor, trajectory_id=trajectory_id, on=on, **fields))

    def refuses(self, command: c.Command, error: type[Exception], **options: Any) -> Any:
        """Handle ``command``, expecting exactly ``error``, and that nothing was committed (no
        event, no personal data, no access-log entry, no kept request) and the workers were not
        told; returns the error."""
        before, notified = self.log.snapshot(), self.notified
        with pytest.raises(error) as caught:
            self.service.handle(command, **options)
        assert type(caught.value) is error, f"{type(caught.value).__name__}: {caught.value}"
        assert self.log.snapshot() == before, "a refused command committed something"
        assert self.notified == notified
        return caught.value

    # -- a route to start from -------------------------------------------------------------------

    def register(
        self, *, actor: Actor = KM, person: PersonalData = PERSON, on: date = REGISTERED_ON,
        target_group: TargetGroup = TargetGroup.STATUSHOUDER, benefit_monthly_cents: int = 0, benefit_since: date | None = None,
    ) -> UUID:
        return self.service.handle(
            c.RegisterTrajectory(actor=actor, on=on, person=person, target_group=target_group,
                                 benefit_monthly_cents=benefit_monthly_cents, benefit_since=benefit_since)
        ).aggregate.id

    def propose(self, trajectory_id: UUID, *, employer: Actor = EMPLOYER, on: date = date(2026, 3, 2)) -> str:
        outcome = self.step(c.ProposePlacement, trajectory_id, on=on, employer_kvk=employer.organisation,
                            employer_name="Bouw BV", function="monteur", hours_per_week=32, level=JobLevel.ASSISTENT)
        assert outcome.created is not None
        return outcome.created

    def confirmed(self, trajectory_id: UUID, *, employer: Actor = EMPLOYER, on: date = date(2026, 3, 5)) -> str:
        placement_id = self.propose(trajectory_id, employer=employer)
        self.step(c.ConfirmPlacement, trajectory_id, actor=employer, on=on, placement_id=placement_id)
        return placement_id

    def working(self, trajectory_id: UUID, *, on: date = date(2026, 3, 9)) -> str:
        """A placement proposed on 2 March, confirmed on 5 March, its contract started on ``on``."""
        placement_id = self.confirmed(trajectory_id)
        self.step(c.StartContract, trajectory_id, actor=EMPLOYER, on=on, placement_id=placement_id, hours_per_week=32)
        return placement_id

    def skip_to_bedrijfsvakschool(self, trajectory_id: UUID, *, on: date = date(2026, 1, 10)) -> None:
        for phase in (Phase.ORIENTATION, Phase.PRE_TRAJECTORY):
            self.step(c.SkipPhase, trajectory_id, on=on, phase=phase, basis=SkipBasis.EVC, reason="EVC")

    # -- the money -------------------------------------------------------------------------------

    def conclude(
        self, *, actor: Actor = FUND, trigger: Trigger = Trigger.PLACEMENT_STARTED, phase: Phase | None = None,
        claimant: str | None = None, valid_from: date = date(2026, 1, 1), valid_until: date | None = None,
        budget_cap_cents: int | None = None, on: date = date(2026, 1, 1), kind: FinancingKind = FinancingKind.RESULT,
        amount_cents: int = 250_000, municipalities: tuple[str, ...] = ("GM0363",), **terms: Any,
    ) -> UUID:
        return self.service.handle(
            c.ConcludeAgreement(
                actor=actor, on=on, kind=kind, trigger=trigger, phase=phase, claimant=claimant, valid_from=valid_from,
                valid_until=valid_until, budget_cap_cents=budget_cap_cents,
                terms=Terms(effective_from=valid_from, amount_cents=amount_cents, municipalities=municipalities, **terms),
            )
        ).aggregate.id

    def file(self, agreement_id: UUID, trajectory_id: UUID, *, actor: Actor = KM, on: date = date(2026, 3, 20)) -> Outcome:
        return self.service.handle(c.FileClaim(actor=actor, on=on, agreement_id=agreement_id, trajectory_id=trajectory_id))


# --- one command of each kind on a trajectory -------------------------------------------------------

# Who issues each kind by default: the klantmanager, except where the employer answers or reports.
DEFAULT_ACTORS: dict[type[c.TrajectoryCommand], Actor] = {
    c.ConfirmPlacement: EMPLOYER, c.DeclinePlacement: EMPLOYER, c.StartContract: EMPLOYER, c.EndPlacement: EMPLOYER,
    c.EraseCandidate: PRIVACY, c.RecordDueMilestones: SYSTEM_ACTOR, c.ApplyRetention: SYSTEM_ACTOR, c.HoldRetention: PRIVACY, c.EndRetentionHold: PRIVACY,
}


def sample(
    kind: type[c.TrajectoryCommand], trajectory_id: UUID, /, *, on: date, placement_id: str = "p-1", actor: Actor | None = None,
    **overrides: Any,
) -> c.TrajectoryCommand:
    """A command of ``kind`` with plausible fields: on a trajectory with a placement proposed to
    ``EMPLOYER`` (``placement_id``) it is valid apart, perhaps, from its date and the route's state."""
    fields: dict[str, Any] = {
        c.StartPhase: {"phase": Phase.ORIENTATION},
        c.CompletePhase: {"phase": Phase.ORIENTATION},
        c.EndPhase: {"phase": Phase.ORIENTATION, "reason": "no show"},
        c.SkipPhase: {"phase": Phase.ORIENTATION, "basis": SkipBasis.EVC, "reason": "EVC"},
        c.AssessLanguage: {"levels": {LanguageSkill.READING: LanguageLevel.A2}},
        c.RecordPractice: {"until": None, "description": "werkplaats", "hours_per_week": 16},
        c.ObtainCertificate: {"phase": Phase.PRE_TRAJECTORY, "kind": CertificateKind.VCA, "title": "VCA basis"},
        c.ProposePlacement: {"employer_kvk": OTHER_EMPLOYER.organisation, "employer_name": "Installatie BV",
                             "function": "monteur", "hours_per_week": 32, "level": JobLevel.ASSISTENT},
        c.ConfirmPlacement: {"placement_id": placement_id},
        c.DeclinePlacement: {"placement_id": placement_id, "reason": "no vacancy"},
        c.StartContract: {"placement_id": placement_id, "hours_per_week": 32},
        c.EndPlacement: {"placement_id": placement_id, "reason": PlacementEndReason.CONTRACT_COMPLETED},
        c.IssueGuarantee: {"issued_by": "OTIB"},
        c.RecordCheckIn: {"summary": "going well"},
        c.EndGuarantee: {"reason": GuaranteeEndReason.TERM_COMPLETED},
        c.DropOut: {"reason": DropOutReason.HEALTH, "explanation": "long illness"},
        c.ReEnter: {"explanation": "recovered"},
        c.ChangeBenefit: {"kind": BenefitChangeKind.STOPPED},
        c.GrantDeviation: {"rule": DeviationRule.PHASE_ORDER, "reason": "EVC pending", "until": on + timedelta(days=30),
                           "granted_by": "team leader"},
        c.EraseCandidate: {},
        c.RecordDueMilestones: {},
        c.ApplyRetention: {},
        c.HoldRetention: {"reason": "objection pending"},
        c.EndRetentionHold: {"reason": "objection decided"},
        c.MoveRoute: {"reason": "the new national version"},
    }[kind]
    fields.update(overrides)
    return kind(actor=actor or DEFAULT_ACTORS.get(kind, KM), trajectory_id=trajectory_id, on=on, **fields)


ROUTE_COMMANDS: list[type[c.TrajectoryCommand]] = list(DEFAULT_ACTORS.keys() | {
    c.StartPhase, c.CompletePhase, c.EndPhase, c.SkipPhase, c.AssessLanguage, c.RecordPractice, c.ObtainCertificate,
    c.ProposePlacement, c.IssueGuarantee, c.RecordCheckIn, c.EndGuarantee, c.DropOut, c.ReEnter, c.ChangeBenefit,
    c.GrantDeviation,
})
ROUTE_COMMANDS.sort(key=lambda k: k.__name__)


def ready(world: World, kind: type[c.TrajectoryCommand], *, actor: Actor | None = None) -> c.TrajectoryCommand:
    """Register a trajectory (on a benefit), bring it to where a command of ``kind`` applies and
    return that command (dated 10 March 2026, a check-in or the end of the guarantee 1 April)."""
    t = world.register(benefit_monthly_cents=125_000, benefit_since=date(2024, 6, 1))
    placement, on = "p-1", date(2026, 3, 10)
    if kind in (c.CompletePhase, c.EndPhase):
        world.step(c.StartPhase, t, on=date(2026, 1, 12), phase=Phase.ORIENTATION)
    elif kind in (c.AssessLanguage, c.RecordPractice, c.ObtainCertificate):
        world.step(c.SkipPhase, t, on=date(2026, 1, 10), phase=Phase.ORIENTATION, basis=SkipBasis.EVC, reason="EVC")
        world.step(c.StartPhase, t, on=date(2026, 1, 12), phase=Phase.PRE_TRAJECTORY)
    elif kind in (c.ConfirmPlacement, c.DeclinePlacement):
        placement = world.propose(t)
    elif kind in (c.StartContract, c.EndPlacement, c.IssueGuarantee):
        placement = world.confirmed(t)
    elif kind in (c.RecordCheckIn, c.EndGuarantee):
        placement = world.confirmed(t)
        world.step(c.IssueGuarantee, t, on=on, issued_by="OTIB")
        on = date(2026, 4, 1)
    elif kind is c.ReEnter:
        world.step(c.DropOut, t, on=date(2026, 3, 1), reason=DropOutReason.HEALTH, explanation="long illness")
    elif kind is c.EndRetentionHold:
        world.step(c.HoldRetention, t, on=date(2026, 3, 1), reason="objection pending", actor=PRIVACY)
    return sample(kind, t, on=on, placement_id=placement, actor=actor)
