"""The write workload of the benchmarks: new routes walked through their steps.

One route is the same script whether it runs in-process (commands handed to the service layer,
as the API hands them) or over HTTP: register, orientation, the
pre-trajectory with a language assessment, the bedrijfsvakschool with a certificate, a
placement the employer confirms and starts, the guarantee and a check-in. Every route gets a
BSN of its own, so registrations never collide.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

import httpx

from bench.generator import quiet_municipality
from domain import commands as c
from domain.candidate import PersonalData
from domain.values import Actor, CertificateKind, JobLevel, LanguageLevel, LanguageSkill, Phase, Role, TargetGroup
from leerroute.handlers import Outcome

ROUTE_START = date(2025, 1, 6)
EMPLOYER_KVK = "87654321"


def bsn_for(number: int) -> str:
    """A valid BSN (11-proof) of its own for every route number (up to 45 million)."""
    for prefix in (10_000_000 + 2 * number, 10_000_000 + 2 * number + 1):
        digits = [int(c) for c in str(prefix)]
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return f"{prefix}{check}"
    raise AssertionError("one of two neighbouring prefixes always has a check digit")


def municipality_for(client: int) -> str:
    """Benchmark routes live in real municipalities of their own, the generated population's least
    weighted ones (one per client)."""
    return quiet_municipality(client)


@dataclass(frozen=True)
class Step:
    """One command of the script: its HTTP form and its in-process form."""

    name: str
    by_employer: bool
    path: str  # under /v1/trajectories/{id}; "{placement}" is the route's placement id
    body: dict[str, Any]
    # The command, from the trajectory, the actor and the ids made so far (the placement's).
    command: Callable[[UUID, Actor, dict[str, str]], c.Command]


def _day(n: int) -> date:
    return ROUTE_START + timedelta(days=n)


def _iso(n: int) -> str:
    return _day(n).isoformat()


LEVELS = {skill: LanguageLevel.A2 for skill in LanguageSkill}
PROVIDER = "Installatiebedrijf Noord BV"

SCRIPT: tuple[Step, ...] = (
    Step("start orientation", False, "/phases/orientation/start", {"date": _iso(7)},
         lambda t, a, ids: c.StartPhase(actor=a, trajectory_id=t, phase=Phase.ORIENTATION, on=_day(7))),
    Step("complete orientation", False, "/phases/orientation/completion", {"date": _iso(35)},
         lambda t, a, ids: c.CompletePhase(actor=a, trajectory_id=t, phase=Phase.ORIENTATION, on=_day(35))),
    Step("start pre-trajectory", False, "/phases/pre-trajectory/start", {"date": _iso(42), "provider": "Taalschool"},
         lambda t, a, ids: c.StartPhase(actor=a, trajectory_id=t, phase=Phase.PRE_TRAJECTORY, on=_day(42), provider="Taalschool")),
    Step("assess language", False, "/language-assessments", {"date": _iso(60), "levels": {str(s): "A2" for s in LanguageSkill}},
         lambda t, a, ids: c.AssessLanguage(actor=a, trajectory_id=t, on=_day(60), levels=LEVELS)),
    Step("complete pre-trajectory", False, "/phases/pre-trajectory/completion", {"date": _iso(120)},
         lambda t, a, ids: c.CompletePhase(actor=a, trajectory_id=t, phase=Phase.PRE_TRAJECTORY, on=_day(120))),
    Step("start bedrijfsvakschool", False, "/phases/bedrijfsvakschool/start", {"date": _iso(127), "provider": "Bouwmensen"},
         lambda t, a, ids: c.StartPhase(actor=a, trajectory_id=t, phase=Phase.BEDRIJFSVAKSCHOOL, on=_day(127), provider="Bouwmensen")),
    Step("obtain certificate", False, "/certificates",
         {"date": _iso(280), "phase": "bedrijfsvakschool", "kind": "mbo-certificaat", "title": "Basis installatietechniek"},
         lambda t, a, ids: c.ObtainCertificate(actor=a, trajectory_id=t, on=_day(280), phase=Phase.BEDRIJFSVAKSCHOOL,
                                               kind=CertificateKind.MBO_CERTIFICAAT, title="Basis installatietechniek")),
    Step("complete bedrijfsvakschool", False, "/phases/bedrijfsvakschool/completion", {"date": _iso(290)},
         lambda t, a, ids: c.CompletePhase(actor=a, trajectory_id=t, phase=Phase.BEDRIJFSVAKSCHOOL, on=_day(290))),
    Step("propose placement", False, "/placements",
         {"date": _iso(300), "employer": {"kvkNumber": EMPLOYER_KVK, "name": PROVIDER},
          "function": "assistent-hulpmonteur", "hoursPerWeek": 36, "level": "assistent"},
         lambda t, a, ids: c.ProposePlacement(actor=a, trajectory_id=t, on=_day(300), employer_kvk=EMPLOYER_KVK,
                                              employer_name=PROVIDER, function="assistent-hulpmonteur", hours_per_week=36,
                                              level=JobLevel.ASSISTENT)),
    Step("confirm placement", True, "/placements/{placement}/confirmation", {"date": _iso(305)},
         lambda t, a, ids: c.ConfirmPlacement(actor=a, trajectory_id=t, placement_id=ids["placement"], on=_day(305))),
    Step("start contract", True, "/placements/{placement}/contract-start", {"date": _iso(320), "hoursPerWeek": 36},
         lambda t, a, ids: c.StartContract(actor=a, trajectory_id=t, placement_id=ids["placement"], on=_day(320),
                                           hours_per_week=36)),
    Step("issue guarantee", False, "/guarantee", {"date": _iso(330), "issuedBy": "OTIB namens sociale partners"},
         lambda t, a, ids: c.IssueGuarantee(actor=a, trajectory_id=t, on=_day(330), issued_by="OTIB namens sociale partners")),
    Step("guarantee check-in", False, "/guarantee/check-ins", {"date": _iso(500), "summary": "loopbaangesprek"},
         lambda t, a, ids: c.RecordCheckIn(actor=a, trajectory_id=t, on=_day(500), summary="loopbaangesprek")),
)

COMMANDS_PER_ROUTE = 1 + len(SCRIPT)


def registration_body(number: int) -> dict[str, Any]:
    return {
        "candidate": {"bsn": bsn_for(number), "givenNames": "Amal", "familyName": "Haddad", "birthDate": "1990-03-04"},
        "targetGroup": "statushouder",
        "registeredOn": _iso(0),
        "benefit": {"monthlyAmountCents": 125_000, "since": "2024-06-01"},
    }


@dataclass
class Timings:
    """Latencies (seconds) of the commands of one run, and how long the run took."""

    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    errors: int = 0
    dropped: list[str] = field(default_factory=list)  # connections the server closed mid-request (first few)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0


class _Dropped(Exception):
    """A request whose connection the server closed: its route is left where it is."""


class InProcessRoutes:
    """Routes walked through the service layer in this process, as every entry point writes: one
    command, one unit of work (one transaction), then the workers are told."""

    def __init__(self, container, client: int = 0, first_number: int = 0):
        self.service = container.service
        municipality = municipality_for(client)
        self.km = Actor(subject="bench-km", role=Role.KLANTMANAGER, organisation=municipality)
        self.employer = Actor(subject="bench-hr", role=Role.EMPLOYER, organisation=EMPLOYER_KVK)
        self.number = first_number

    def register(self) -> Outcome:
        body = registration_body(self.number)
        self.number += 1
        person = PersonalData(bsn=body["candidate"]["bsn"], given_names="Amal", family_name="Haddad", birth_date=date(1990, 3, 4))
        return self.service.handle(c.RegisterTrajectory(
            actor=self.km, on=_day(0), person=person, target_group=TargetGroup.STATUSHOUDER,
            benefit_monthly_cents=125_000, benefit_since=date(2024, 6, 1),
        ))

    def step(self, trajectory_id: UUID, step: Step, ids: dict[str, str]) -> Outcome:
        actor = self.employer if step.by_employer else self.km
        outcome = self.service.handle(step.command(trajectory_id, actor, ids))
        if outcome.created is not None and step.path == "/placements":
            ids["placement"] = outcome.created
        return outcome

    def commands(self) -> Iterator[Callable[[], Outcome]]:
        """An endless stream of commands: route after route, step after step."""
        while True:
            registered: list[Outcome] = []
            def register(registered: list[Outcome] = registered) -> Outcome:
                registered.append(self.register())
                return registered[-1]

            yield register
            trajectory_id = registered[-1].aggregate.id
            ids: dict[str, str] = {}
            for step in SCRIPT:
                yield partial(self.step, trajectory_id, step, ids)

    def run_for(self, seconds: float) -> Timings:
        timings = Timings()
        deadline = time.perf_counter() + seconds
        start = time.perf_counter()
        for command in self.commands():
            t0 = time.perf_counter()
            command()
            t1 = time.perf_counter()
            timings.latencies.append(t1 - t0)
            if t1 >= deadline:
                break
        timings.elapsed = time.perf_counter() - start
        return timings


class HttpRoutes:
    """Routes walked over HTTP by ``clients`` concurrent clients (asyncio + httpx)."""

    def __init__(self, base_url: str, tokens, first_number: int):
        self.base_url = base_url
        self.tokens = tokens
        self.number = first_number

    def _token(self, role: Role, organisation: str) -> str:
        return self.tokens.issue(subject="bench", role=role, organisation=organisation,
                                 now=datetime.now(UTC), ttl=timedelta(hours=2))

    async def _client(self, http, client: int, deadline: float, timings: Timings) -> None:
        km = {"Authorization": f"Bearer {self._token(Role.KLANTMANAGER, municipality_for(client))}"}
        employer = {"Authorization": f"Bearer {self._token(Role.EMPLOYER, EMPLOYER_KVK)}"}

        async def send(path: str, body: dict[str, Any], headers: dict[str, str]):
            t0 = time.perf_counter()
            try:
                response = await http.post(path, json=body, headers=headers)
            except httpx.TransportError as error:  # counted and shown, the client starts a new route
                timings.errors += 1
                if len(timings.dropped) < 5:
                    timings.dropped.append(f"{path}: {type(error).__name__} {error}")
                raise _Dropped from error
            timings.latencies.append(time.perf_counter() - t0)
            if response.status_code >= 400:
                timings.errors += 1
                raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
            return response

        while time.perf_counter() < deadline:
            number = self.number
            self.number += 1
            try:
                response = await send("/v1/trajectories", registration_body(number), km)
                base = response.headers["Location"]
                ids: dict[str, str] = {}
                for step in SCRIPT:
                    if time.perf_counter() >= deadline:
                        return
                    response = await send(base + step.path.format(**ids), step.body, employer if step.by_employer else km)
                    if step.path == "/placements":
                        ids["placement"] = response.headers["Location"].rsplit("/", 1)[-1]
            except _Dropped:
                continue

    async def _run(self, clients: int, seconds: float) -> Timings:
        timings = Timings()
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=self.base_url, limits=limits, timeout=60) as http:
            start = time.perf_counter()
            deadline = start + seconds
            await asyncio.gather(*(self._client(http, n, deadline, timings) for n in range(clients)))
            timings.elapsed = time.perf_counter() - start
        return timings

    def run_for(self, clients: int, seconds: float) -> Timings:
        return asyncio.run(self._run(clients, seconds))

