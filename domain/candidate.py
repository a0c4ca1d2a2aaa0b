"""The Candidate aggregate: the personal data of one candidate, kept apart from the route.

A trajectory refers to its candidate by id only. Everything that identifies a person (BSN,
names, birth date) is recorded here and nowhere else in the log, so that erasure under the AVG
touches this aggregate alone and leaves the route and its money intact.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolation
from domain.values import Actor, validate_bsn, validate_municipality_code

_CANDIDATE_NAMESPACE = UUID("5b0c3c1e-3f55-4f0e-9a59-6f1d2b0d7a11")


def candidate_id_for(municipality: str, bsn_pseudonym: str) -> UUID:
    """One candidate per BSN per municipality.

    ``bsn_pseudonym`` is a keyed hash of the BSN made by the application (the domain holds no
    keys); the id is derived from it, so registering the same person twice in one municipality
    collides in the event store instead of creating a second record.
    """
    return uuid5(_CANDIDATE_NAMESPACE, f"{municipality}:{bsn_pseudonym}")


def validate_person(*, given_names: str, family_name: str, birth_date: date, registered_on: date) -> None:
    if not given_names.strip() or not family_name.strip():
        raise RuleViolation("names-required", "a candidate has given names and a family name")
    if birth_date >= registered_on:
        raise RuleViolation("birth-before-registration", "the birth date lies before the registration date")
    age = registered_on.year - birth_date.year - ((registered_on.month, registered_on.day) < (birth_date.month, birth_date.day))
    if age < 15 or age > 120:
        raise RuleViolation("plausible-age", f"a candidate aged {age} at registration is not plausible")


class Candidate(Aggregate):
    """Personal data of one candidate in one municipality."""

    @classmethod
    def register(
        cls,
        *,
        municipality: str,
        bsn: str,
        bsn_pseudonym: str,
        given_names: str,
        family_name: str,
        birth_date: date,
        registered_on: date,
        trajectory_id: UUID,
        actor: Actor,
    ) -> "Candidate":
        validate_municipality_code(municipality)
        validate_bsn(bsn)
        validate_person(given_names=given_names, family_name=family_name, birth_date=birth_date, registered_on=registered_on)
        return cls(
            id=candidate_id_for(municipality, bsn_pseudonym),
            municipality=municipality,
            bsn=bsn,
            given_names=given_names.strip(),
            family_name=family_name.strip(),
            birth_date=birth_date,
            trajectory_id=trajectory_id,
            actor=actor,
        )

    @event("CandidateRegistered")
    def __init__(
        self,
        *,
        id: UUID,
        municipality: str,
        bsn: str,
        given_names: str,
        family_name: str,
        birth_date: date,
        trajectory_id: UUID,
        actor: Actor,
    ) -> None:
        self.municipality = municipality
        self.bsn = bsn
        self.given_names = given_names
        self.family_name = family_name
        self.birth_date = birth_date
        self.trajectory_id = trajectory_id
