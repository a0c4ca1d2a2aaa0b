"""The Candidate aggregate: the personal data of one candidate, kept apart from the route.

A trajectory refers to its candidate by a random id only. Everything that identifies a person
(BSN, names, birth date) is validated here and recorded only as sealed data: the application
seals it with a key of this candidate alone (the domain holds no keys). Erasure under the AVG
(art. 17) records ``CandidateErased`` and the application destroys the key, so the sealed data
can never be read again while the route, its money and its audit trail stay intact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolation
from domain.values import Actor, checked, validate_bsn, validate_municipality_code


@dataclass(frozen=True)
class PersonalData:
    bsn: str
    given_names: str
    family_name: str
    birth_date: date

    @property
    def name(self) -> str:
        return f"{self.given_names} {self.family_name}"


def validate_person(*, given_names: str, family_name: str, birth_date: date, registered_on: date) -> None:
    if not given_names.strip() or not family_name.strip():
        raise RuleViolation("names-required", "a candidate has given names and a family name")
    if birth_date >= registered_on:
        raise RuleViolation("birth-before-registration", "the birth date lies before the registration date")
    age = registered_on.year - birth_date.year - ((registered_on.month, registered_on.day) < (birth_date.month, birth_date.day))
    if age < 15 or age > 120:
        raise RuleViolation("plausible-age", f"a candidate aged {age} at registration is not plausible")


# Seals personal data for one candidate (candidate id, data) → opaque text; supplied by the application.
Seal = Callable[[UUID, PersonalData], str]


class Candidate(Aggregate):
    """Personal data of one candidate in one municipality, sealed under the candidate's key."""

    @classmethod
    def register(
        cls,
        *,
        candidate_id: UUID,
        municipality: str,
        person: PersonalData,
        registered_on: date,
        trajectory_id: UUID,
        actor: Actor,
        seal: Seal,
    ) -> Candidate:
        checked("municipality", validate_municipality_code, municipality)
        checked("candidate.bsn", validate_bsn, person.bsn)
        validate_person(
            given_names=person.given_names, family_name=person.family_name, birth_date=person.birth_date, registered_on=registered_on
        )
        person = PersonalData(
            bsn=person.bsn, given_names=person.given_names.strip(), family_name=person.family_name.strip(), birth_date=person.birth_date
        )
        return cls(
            id=candidate_id,
            municipality=municipality,
            sealed=seal(candidate_id, person),
            trajectory_id=trajectory_id,
            actor=actor,
        )

    @event("CandidateRegistered")
    def __init__(self, *, id: UUID, municipality: str, sealed: str, trajectory_id: UUID, actor: Actor) -> None:
        self.municipality = municipality
        self.sealed: str | None = sealed
        self.trajectory_id = trajectory_id
        self.erased_on: date | None = None

    @property
    def is_erased(self) -> bool:
        return self.erased_on is not None

    def erase(self, *, on: date, today: date, actor: Actor) -> None:
        """Erase the candidate's personal data on request (AVG art. 17)."""
        if self.is_erased:
            raise RuleViolation("already-erased", f"the candidate's personal data was erased on {self.erased_on}")
        if on > today:
            raise RuleViolation("no-future-dates", f"erasure on {on} lies after today ({today})")
        self._erased(on=on, actor=actor)

    @event("CandidateErased")
    def _erased(self, *, on: date, actor: Actor) -> None:
        self.erased_on = on
        self.sealed = None
