"""A deterministic synthetic population of routes, for tests and benchmarks.

``generate(container, routes=N, seed=S)`` registers N candidates across many municipalities and
walks each through a realistic route: skipped phases (EVC), drop-outs in every phase with
re-entries, language assessments and practice, certificates, declined and several placements
(job carving from assistant to the full function), lasting placements, guarantees with
check-ins, and benefit reductions, stops and resumptions. Every step goes through the domain's
own commands, so the rules of the route hold for the generated data too. Each route draws from
its own random source, seeded by the population's seed and the route's index: the same seed
gives the same population, and the first 10,000 routes of a 100,000-route population are the
10,000-route population (benchmarks grow a database from one size to the next). Municipalities
follow a Zipf-like size distribution over the 342 real codes (``leerroute/regions.csv``),
the first 35 of them one in every labour-market region.
"""

from __future__ import annotations

import functools
import hashlib
import random
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

from adapters import regions
from domain.candidate import Candidate, PersonalData
from domain.trajectory import Trajectory
from domain.values import (
    SYSTEM_ACTOR,
    Actor,
    BenefitChangeKind,
    CertificateKind,
    DeviationRule,
    DropOutReason,
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

GIVEN = ["Amal", "Yonas", "Rahaf", "Mohammed", "Tesfay", "Lina", "Samir", "Hiwet", "Omar", "Nour", "Daniel", "Sara"]
FAMILY = ["Haddad", "Tekle", "Alsayed", "Ghebre", "Karimi", "Yilmaz", "de Vries", "Bakker", "Hassan", "Abadi"]
FUNCTIONS = ["monteur", "installateur", "timmerman", "elektromonteur", "metselaar", "loodgieter", "dakdekker"]


def bsn_for(seed: int, index: int) -> str:
    """A BSN that passes the 11-check, different for every route of a population (below 45
    million routes), so a population never registers one person twice in a municipality; other
    seeds start elsewhere in the number range."""
    offset = int.from_bytes(hashlib.sha256(f"leerroute-bsn:{seed}".encode()).digest()[:8], "big")
    k = 5_000_000 + ((offset + index) * 7_654_321) % 45_000_000  # a bijection on 0..45M (the factor is coprime)
    for prefix in (2 * k, 2 * k + 1):  # the two differ in the last digit only: one passes the check
        digits = [int(c) for c in str(prefix)]
        last = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if last < 10:
            return str(prefix) + str(last)
    raise AssertionError("unreachable: two prefixes one apart never both need check digit 10")


@dataclass
class GeneratedRoute:
    trajectory: Trajectory
    person: PersonalData
    candidate_id: UUID
    registered_by: Actor


class _Walk:
    """Walks one route forward in time with the domain's commands."""

    def __init__(self, rng: random.Random, trajectory: Trajectory, actor: Actor, today: date, terms: MilestoneTerms):
        self.rng = rng
        self.t = trajectory
        self.km = actor
        self.today = today
        self.terms = terms
        self.day = trajectory.registered_on

    def later(self, low: int, high: int) -> bool:
        """Move the route's clock forward; False when that passes today (the route stops)."""
        self.day = self.day + timedelta(days=self.rng.randint(low, high))
        return self.day <= self.today

    def maybe_drop_out(self, chance: float) -> str | None:
        """Drop out with ``chance`` and maybe re-enter later: None (no drop-out), "re-entered",
        or "stopped" when the route ends here."""
        if self.rng.random() >= chance:
            return None
        if not self.later(1, 20):
            return "stopped"
        self.t.drop_out(on=self.day, today=self.today, reason=self.rng.choice(list(DropOutReason)),
                        explanation="uitval", actor=self.km)
        if self.rng.random() < 0.3 and self.later(30, 120):
            self.t.re_enter(on=self.day, today=self.today, explanation="weer gestart", actor=self.km)
            return "re-entered"
        return "stopped"

    def phase(self, name: Phase, *, skip: float, drop: float, weeks: tuple[int, int], provider: str | None,
              during: Callable[[], None] | None = None) -> bool:
        """Skip, or start and complete, one phase; drop-outs restart it after re-entry.
        Returns False when the route stops."""
        if self.rng.random() < skip:
            if not self.later(0, 7):
                return False
            self.t.skip_phase(name, on=self.day, today=self.today, basis=SkipBasis.EVC, reason="EVC", actor=self.km)
            return True
        for _ in range(3):
            if not self.later(1, 21):
                return False
            self.t.start_phase(name, on=self.day, today=self.today, provider=provider, actor=self.km)
            if during is not None:
                during()
            outcome = self.maybe_drop_out(drop)
            if outcome == "stopped":
                return False
            if outcome == "re-entered":
                continue  # start this phase again
            if not self.later(weeks[0] * 7, weeks[1] * 7):
                return False
            self.t.complete_phase(name, on=self.day, today=self.today, actor=self.km)
            return True
        return False

    def pre_trajectory_facts(self) -> None:
        start = self.day
        if self.later(7, 30):
            levels = {s: self.rng.choice([LanguageLevel.A1, LanguageLevel.A2, LanguageLevel.B1]) for s in LanguageSkill}
            self.t.assess_language(on=self.day, today=self.today, levels=levels, actor=self.km)
        else:
            self.day = start
        if self.rng.random() < 0.6 and self.day <= self.today:
            until = self.day + timedelta(weeks=self.rng.randint(2, 8))
            self.t.record_practice(practice_id=f"pr-{self.rng.getrandbits(48):x}", on=self.day, until=until, today=self.today,
                                   description="praktijk op de bouwplaats", hours_per_week=self.rng.randint(8, 24), actor=self.km)

    def bedrijfsvakschool_facts(self) -> None:
        if self.rng.random() < 0.8 and self.later(60, 150):
            self.t.obtain_certificate(certificate_id=f"c-{self.rng.getrandbits(48):x}", phase=Phase.BEDRIJFSVAKSCHOOL,
                                      kind=self.rng.choice([CertificateKind.MBO_CERTIFICAAT, CertificateKind.PRAKTIJKVERKLARING]),
                                      title="vakcertificaat", on=self.day, today=self.today, actor=self.km)

    def placements(self) -> None:
        for attempt in range(3):
            if not self.later(1, 30):
                return
            kvk = f"{self.rng.randint(10_000_000, 99_999_999)}"
            employer = Actor(subject="hr", role=Role.EMPLOYER, organisation=kvk)
            placement_id = f"pl-{self.rng.getrandbits(64):x}"
            level = JobLevel.ASSISTENT if attempt == 0 and self.rng.random() < 0.5 else JobLevel.FULL
            self.t.propose_placement(placement_id=placement_id, employer_kvk=kvk, employer_name=f"Bouwbedrijf {kvk[:3]}",
                                     function=self.rng.choice(FUNCTIONS), hours_per_week=self.rng.choice([24, 32, 36, 38, 40]),
                                     level=level, on=self.day, today=self.today, actor=self.km)
            if not self.later(1, 14):
                return
            if self.rng.random() < 0.2:
                self.t.decline_placement(placement_id, on=self.day, today=self.today, reason="geen match", actor=employer)
                continue
            self.t.confirm_placement(placement_id, on=self.day, today=self.today, actor=employer)
            if not self.later(3, 21):
                return
            self.t.start_contract(placement_id, on=self.day, today=self.today, hours_per_week=36, actor=employer)
            self.benefit_after_work()
            has_guarantee = self.t.guarantee is not None and self.t.guarantee.is_active
            if not has_guarantee and self.rng.random() < 0.5 and self.later(0, 30):
                self.t.issue_guarantee(on=self.day, today=self.today, issued_by="sociale partners techniek", actor=self.km)
                self.check_ins()
            if self.rng.random() < 0.25:
                if self.later(30, 400):
                    if self.t.guarantee is not None and self.t.guarantee.is_active:
                        self.milestones()
                    self.t.end_placement(placement_id, on=self.day, today=self.today,
                                         reason=self.rng.choice([PlacementEndReason.DISMISSED, PlacementEndReason.RESIGNED, PlacementEndReason.CONTRACT_COMPLETED]),
                                         explanation=None, actor=self.km)
                    if self.rng.random() < 0.2:  # leaves the route after the placement ended
                        self.maybe_drop_out(1.0)
                        return
                    if self.rng.random() < 0.5 and self.t.benefit.stopped_on is not None and self.later(1, 30):
                        self.t.change_benefit(kind=BenefitChangeKind.RESUMED, on=self.day, today=self.today,
                                              monthly_cents=self.t.benefit_at_intake.monthly_cents or 100_000, actor=self.km)
                    continue
            return

    def benefit_after_work(self) -> None:
        if not self.t.benefit.is_paid:
            return
        if self.rng.random() < 0.3 and self.later(0, 10):
            reduced = max(1, self.t.benefit.monthly_cents // 2)
            if reduced < self.t.benefit.monthly_cents:
                self.t.change_benefit(kind=BenefitChangeKind.REDUCED, on=self.day, today=self.today, monthly_cents=reduced, actor=self.km)
        if self.later(10, 60):
            self.t.change_benefit(kind=BenefitChangeKind.STOPPED, on=self.day, today=self.today, monthly_cents=None, actor=self.km)

    def check_ins(self) -> None:
        for _ in range(self.rng.randint(0, 3)):
            if not self.later(120, 200):
                return
            self.t.record_guarantee_check_in(on=self.day, today=self.today, summary="loopbaangesprek", actor=self.km)

    def milestones(self) -> None:
        self.t.record_due_milestones(today=min(self.day, self.today), terms=self.terms, actor=SYSTEM_ACTOR)


def build_route(rng: random.Random, *, seed: int, municipality: str, index: int, today: date, terms: MilestoneTerms,
                start: date, days: int) -> GeneratedRoute:
    km = Actor(subject=f"km-{municipality}", role=Role.KLANTMANAGER, organisation=municipality)
    registered_on = start + timedelta(days=rng.randint(0, days))
    trajectory_id = UUID(int=rng.getrandbits(128), version=4)
    bsn = bsn_for(seed, index)
    person = PersonalData(bsn=bsn, given_names=rng.choice(GIVEN), family_name=rng.choice(FAMILY),
                          birth_date=date(rng.randint(1965, 2004), rng.randint(1, 12), rng.randint(1, 28)))
    candidate_id = UUID(int=rng.getrandbits(128), version=4)
    benefit = rng.choice([0, 95_000, 110_000, 125_000, 140_000]) if rng.random() < 0.9 else 0
    trajectory = Trajectory.register(trajectory_id=trajectory_id, municipality=municipality, candidate_id=candidate_id,
                                     target_group=rng.choice([TargetGroup.STATUSHOUDER, TargetGroup.STATUSHOUDER, TargetGroup.OTHER]), on=registered_on,
                                     today=today, benefit_monthly_cents=benefit,
                                     benefit_since=registered_on - timedelta(days=rng.randint(30, 900)) if benefit else None,
                                     actor=km)
    walk = _Walk(rng, trajectory, km, today, terms)
    if rng.random() < 0.05:
        walk.later(0, 30)
        if walk.day <= today:
            trajectory.grant_deviation(deviation_id=f"d-{rng.getrandbits(48):x}", rule=DeviationRule.BENEFIT_DURING_TRAINING,
                                       reason="uitkering behouden tijdens scholing", on=walk.day,
                                       until=walk.day + timedelta(days=rng.randint(30, 200)), granted_by="teamleider",
                                       today=today, actor=km)
    if (
        walk.phase(Phase.ORIENTATION, skip=0.15, drop=0.08, weeks=(2, 6), provider=None)
        and walk.phase(Phase.PRE_TRAJECTORY, skip=0.2, drop=0.12, weeks=(8, 26), provider="Taalschool",
                       during=walk.pre_trajectory_facts)
        and walk.phase(Phase.BEDRIJFSVAKSCHOOL, skip=0.1, drop=0.1, weeks=(12, 40), provider="Bedrijfsvakschool",
                       during=walk.bedrijfsvakschool_facts)
    ):
        walk.placements()
    trajectory.record_due_milestones(today=today, terms=terms, actor=SYSTEM_ACTOR)
    return GeneratedRoute(trajectory, person, candidate_id, km)


DEFAULT_MUNICIPALITIES = 342  # as many as the Netherlands has (2023 on)
SHIPPED_REGIONS = Path(__file__).parents[1] / "leerroute" / "regions.csv"
LARGEST = ("GM0363", "GM0599", "GM0518", "GM0344")  # Amsterdam, Rotterdam, Den Haag, Utrecht


@functools.cache
def _ordered_municipalities() -> tuple[str, ...]:
    """The current municipalities of the shipped mapping: the four largest first, then every other
    region's centrumgemeente (so the first 35 cover all 35 regions), then the rest in code order."""
    mapping = regions.read(SHIPPED_REGIONS)
    centres = [code for _, code in sorted(mapping.centres().items()) if code not in LARGEST]
    first = [*LARGEST, *centres]
    return (*first, *(code for code in mapping.current() if code not in first))


def municipalities(count: int) -> list[str]:
    """The first ``count`` real municipality codes (at most 342); from 35 on, every region has one."""
    ordered = _ordered_municipalities()
    if not 0 < count <= len(ordered):
        raise ValueError(f"between 1 and {len(ordered)} municipalities, not {count}")
    return list(ordered[:count])


def quiet_municipality(n: int) -> str:
    """The ``n``-th least weighted municipality of a population (from the end of the order): where
    a benchmark writes routes of its own, next to few generated ones."""
    return _ordered_municipalities()[-1 - n]


def municipality_weights(count: int) -> list[float]:
    """A few large municipalities and a long tail of small ones (Zipf-like), as in the country."""
    return [1 / (rank ** 0.9) for rank in range(1, count + 1)]


def route_rng(seed: int, index: int) -> random.Random:
    """The random source of one route: it depends on the seed and the route's index only, so a
    population of N routes is the first N routes of every larger one with the same seed."""
    return random.Random(f"leerroute-population:{seed}:{index}")


def population(
    *,
    seed: int,
    first: int,
    count: int,
    today: date,
    terms: MilestoneTerms,
    municipality_count: int = DEFAULT_MUNICIPALITIES,
    start: date = date(2023, 1, 2),
    avoid: Collection[str] = (),
) -> Iterator[GeneratedRoute]:
    """Routes ``first`` to ``first + count - 1`` of the population ``seed``, built in memory, in
    the first ``municipality_count`` municipalities less those to ``avoid``."""
    chosen = municipalities(municipality_count)
    weighted = [(m, w) for m, w in zip(chosen, municipality_weights(municipality_count), strict=True) if m not in avoid]
    places, weights = [m for m, _ in weighted], [w for _, w in weighted]
    days = max(1, (today - start).days - 30)
    for index in range(first, first + count):
        rng = route_rng(seed, index)
        municipality = rng.choices(places, weights)[0]
        yield build_route(rng, seed=seed, municipality=municipality, index=index, today=today, terms=terms, start=start, days=days)


def generate(
    container,
    *,
    routes: int,
    seed: int = 1,
    first: int = 0,
    municipality_count: int = DEFAULT_MUNICIPALITIES,
    start: date = date(2023, 1, 2),
    batch: int = 200,
    on_batch: Callable[[int], None] | None = None,
    avoid: Collection[str] = (),
) -> list[UUID]:
    """Write routes ``first`` to ``first + routes - 1`` of population ``seed`` (in batches of
    ``batch`` routes per transaction), in none of the municipalities to ``avoid``; returns their
    ids."""
    ids: list[UUID] = []
    pending: list[GeneratedRoute] = []

    def flush() -> None:
        # A loader of synthetic data below the service layer: whole routes, their events made by
        # the domain's own commands (``population``), saved as the unit of work saves a command's.
        with container.unit_of_work() as uow:
            objects: list[object] = []
            for route in pending:
                t = route.trajectory
                objects.append(Candidate.register(
                    candidate_id=route.candidate_id, municipality=t.municipality, person=route.person,
                    registered_on=t.registered_on, trajectory_id=t.id, actor=route.registered_by, seal=uow.seal,
                ))
                uow.remember_candidate(t.municipality, route.person.bsn, route.candidate_id)
                objects.append(t)
            uow.save(*objects)
            uow.commit()
        if on_batch is not None:
            on_batch(len(pending))
        pending.clear()

    for route in population(seed=seed, first=first, count=routes, today=container.clock.today(),
                            terms=container.settings.milestone_terms, municipality_count=municipality_count, start=start,
                            avoid=avoid):
        ids.append(route.trajectory.id)
        pending.append(route)
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    container.workers.log_grew()
    return ids
