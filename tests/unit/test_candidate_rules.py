"""The Candidate aggregate (``domain.candidate``): plausible personal data, sealed at registration,
and erased once on request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID, uuid4

import pytest

from domain.candidate import Candidate, PersonalData, validate_person
from domain.errors import InvalidField, RuleViolation
from domain.values import Actor, Role

KM = Actor("km-1", Role.KLANTMANAGER, "GM0363")
PRIVACY = Actor("po-1", Role.PRIVACY_OFFICER, "GM0363")
TODAY = date(2026, 11, 22)
REGISTERED_ON = date(2026, 1, 5)
CANDIDATE_ID, TRAJECTORY_ID = uuid4(), uuid4()


def _violation(call: Callable[[], object]) -> RuleViolation:
    with pytest.raises(RuleViolation) as error:
        call()
    assert type(error.value) is RuleViolation
    return error.value


def _validate(given: str = "Amal", family: str = "Haddad", born: date = date(1990, 3, 4), registered: date = REGISTERED_ON) -> None:
    validate_person(given_names=given, family_name=family, birth_date=born, registered_on=registered)


def test_a_name_is_the_given_names_and_the_family_name():
    assert PersonalData("111222333", "Amal Noor", "Haddad", date(1990, 3, 4)).name == "Amal Noor Haddad"


@pytest.mark.parametrize(("given", "family"), [("", "Haddad"), ("  ", "Haddad"), ("Amal", ""), ("Amal", " ")])
def test_a_candidate_has_given_names_and_a_family_name(given, family):
    assert _violation(lambda: _validate(given=given, family=family)).rule == "names-required"


def test_the_birth_date_lies_before_the_registration_date():
    assert _violation(lambda: _validate(born=REGISTERED_ON, registered=REGISTERED_ON)).rule == "birth-before-registration"
    assert _violation(lambda: _validate(born=date(2026, 1, 6))).rule == "birth-before-registration"


@pytest.mark.parametrize(
    ("born", "plausible"),
    [
        (date(2011, 1, 5), True),  # 15 on the registration day
        (date(2011, 1, 6), False),  # 15 the day after: 14
        (date(2010, 12, 31), True),
        (date(2011, 6, 1), False),
        (date(1906, 1, 5), True),  # 120
        (date(1905, 1, 5), False),  # 121
        (date(1905, 1, 6), True),  # 120 until the day after
        (date(1905, 12, 31), True),
    ],
)
def test_a_candidate_is_aged_between_15_and_120_at_registration(born, plausible):
    if plausible:
        _validate(born=born)
    else:
        assert _violation(lambda: _validate(born=born)).rule == "plausible-age"


def test_the_age_counts_a_birthday_later_in_the_year_as_not_yet_reached():
    # Registered on 10 March: born 11 March 2011 is 14, born 10 March 2011 is 15; born 9 February 2011 is 15.
    assert _violation(lambda: _validate(born=date(2011, 3, 11), registered=date(2026, 3, 10))).rule == "plausible-age"
    _validate(born=date(2011, 3, 10), registered=date(2026, 3, 10))
    _validate(born=date(2011, 2, 9), registered=date(2026, 3, 10))
    assert _violation(lambda: _validate(born=date(2011, 4, 9), registered=date(2026, 3, 10))).rule == "plausible-age"


def _register(person: PersonalData, sealed: list | None = None, municipality: str = "GM0363") -> Candidate:
    def seal(candidate_id: UUID, data: PersonalData) -> str:
        if sealed is not None:
            sealed.append((candidate_id, data))
        return f"sealed:{candidate_id}"

    return Candidate.register(candidate_id=CANDIDATE_ID, municipality=municipality, person=person, registered_on=REGISTERED_ON,
                              trajectory_id=TRAJECTORY_ID, actor=KM, seal=seal)


def test_registration_seals_the_personal_data_with_the_names_trimmed_and_records_the_klantmanager():
    sealed: list = []
    candidate = _register(PersonalData("111222333", "  Amal ", " Haddad  ", date(1990, 3, 4)), sealed)
    assert sealed == [(CANDIDATE_ID, PersonalData("111222333", "Amal", "Haddad", date(1990, 3, 4)))]
    assert (candidate.id, candidate.municipality, candidate.sealed, candidate.trajectory_id) == (
        CANDIDATE_ID, "GM0363", f"sealed:{CANDIDATE_ID}", TRAJECTORY_ID,
    )
    assert (candidate.erased_on, candidate.is_erased) == (None, False)
    event = candidate.pending_events[-1]
    assert (type(event).__name__, event.actor, event.sealed, event.trajectory_id) == (
        "CandidateRegistered", KM, f"sealed:{CANDIDATE_ID}", TRAJECTORY_ID,
    )
    assert "bsn" not in vars(event) and "Amal" not in repr(vars(event))


def test_registration_refuses_an_invalid_bsn_or_municipality_code_or_implausible_data():
    with pytest.raises(InvalidField, match="11-check") as bsn:
        _register(PersonalData("111222334", "Amal", "Haddad", date(1990, 3, 4)))
    assert bsn.value.name == "candidate.bsn"
    with pytest.raises(InvalidField, match="GM0363") as code:
        _register(PersonalData("111222333", "Amal", "Haddad", date(1990, 3, 4)), municipality="GM363")
    assert code.value.name == "municipality"
    assert _violation(lambda: _register(PersonalData("111222333", "Amal", "Haddad", date(2020, 3, 4)))).rule == "plausible-age"
    assert _violation(lambda: _register(PersonalData("111222333", "Amal", " ", date(1990, 3, 4)))).rule == "names-required"


def test_erasure_forgets_the_sealed_data_on_its_day_and_records_who_erased():
    candidate = _register(PersonalData("111222333", "Amal", "Haddad", date(1990, 3, 4)))
    candidate.erase(on=TODAY, today=TODAY, actor=PRIVACY)
    assert (candidate.erased_on, candidate.is_erased, candidate.sealed) == (TODAY, True, None)
    event = candidate.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on) == ("CandidateErased", PRIVACY, TODAY)


def test_erasure_is_not_dated_in_the_future_and_happens_once():
    candidate = _register(PersonalData("111222333", "Amal", "Haddad", date(1990, 3, 4)))
    assert _violation(lambda: candidate.erase(on=date(2026, 11, 23), today=TODAY, actor=PRIVACY)).rule == "no-future-dates"
    candidate.erase(on=date(2026, 6, 1), today=TODAY, actor=PRIVACY)
    assert _violation(lambda: candidate.erase(on=TODAY, today=TODAY, actor=PRIVACY)).rule == "already-erased"
    assert candidate.erased_on == date(2026, 6, 1)
