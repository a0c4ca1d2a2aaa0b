"""One whole route over HTTP, each party with its own token, and its history read back."""

from __future__ import annotations

from datetime import datetime

from tests.conftest import TODAY, new_kvk, new_municipality, registration


def test_full_route_from_registration_to_guarantee_is_recorded_with_actor_and_both_dates(api, tokens):
    municipality, kvk = new_municipality(), new_kvk()
    km = tokens.klantmanager(municipality, subject="km-jansen")
    employer = tokens.employer(kvk, subject="hr-de-vries")

    created = api.post("/v1/trajectories", json=registration(registered_on="2026-01-05"), headers=km)
    assert created.status_code == 201, created.text
    trajectory_id = created.json()["id"]
    assert created.headers["Location"] == f"/v1/trajectories/{trajectory_id}"
    assert created.headers["ETag"] == '"1"'
    base = f"/v1/trajectories/{trajectory_id}"

    steps = [
        (f"{base}/phases/orientation/start", {"date": "2026-01-12"}),
        (f"{base}/phases/orientation/completion", {"date": "2026-02-06"}),
        (f"{base}/phases/pre-trajectory/start", {"date": "2026-02-09", "provider": "Taalhuis Amsterdam"}),
        (f"{base}/language-assessments", {"date": "2026-03-02", "levels": {"speaking": "A2", "reading": "A2", "listening": "B1"}}),
        (
            f"{base}/practice-periods",
            {"startsOn": "2026-03-09", "endsOn": "2026-04-03", "description": "Meelopen op de bouwplaats", "hoursPerWeek": 16},
        ),
        (f"{base}/phases/pre-trajectory/completion", {"date": "2026-04-30"}),
        (f"{base}/phases/bedrijfsvakschool/start", {"date": "2026-05-04", "provider": "Bouwmensen Amsterdam"}),
        (
            f"{base}/certificates",
            {"date": "2026-09-25", "phase": "bedrijfsvakschool", "kind": "mbo-certificaat", "title": "Basis installatietechniek"},
        ),
        (f"{base}/phases/bedrijfsvakschool/completion", {"date": "2026-09-30"}),
    ]
    for path, body in steps:
        response = api.post(path, json=body, headers=km)
        assert response.status_code in (200, 201), (path, response.text)

    proposed = api.post(
        f"{base}/placements",
        json={
            "date": "2026-09-15",
            "employer": {"kvkNumber": kvk, "name": "Installatiebedrijf Noord BV"},
            "function": "assistent-hulpmonteur",
            "hoursPerWeek": 36,
            "level": "assistent",
        },
        headers=km,
    )
    assert proposed.status_code == 201, proposed.text
    placement_path = proposed.headers["Location"]
    placement_id = placement_path.rsplit("/", 1)[1]

    # The employer sees the proposal in its own list, then confirms it with its own token.
    position = int(proposed.headers["Leerroute-Log-Position"])
    listed = api.get(f"/v1/placements?minPosition={position}", headers=employer)
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()["items"]] == [placement_id]
    assert listed.json()["items"][0]["status"] == "proposed"

    confirmed = api.post(f"{placement_path}/confirmation", json={"date": "2026-09-22"}, headers=employer)
    assert confirmed.status_code == 200, confirmed.text
    started = api.post(f"{placement_path}/contract-start", json={"date": "2026-10-01", "hoursPerWeek": 36}, headers=employer)
    assert started.status_code == 200, started.text

    issued = api.post(f"{base}/guarantee", json={"date": "2026-10-01", "issuedBy": "OTIB namens sociale partners"}, headers=km)
    assert issued.status_code == 201, issued.text
    state = issued.json()
    assert state["stage"] == "guarantee"
    assert state["phases"]["bedrijfsvakschool"]["status"] == "completed"
    assert state["certificates"][0]["kind"] == "mbo-certificaat"
    assert state["placements"][0]["status"] == "started"
    assert state["guarantee"]["issuedBy"] == "OTIB namens sociale partners"

    history = api.get(f"{base}/history", headers=km)
    assert history.status_code == 200
    events = history.json()["events"]
    assert [e["type"] for e in events] == [
        "TrajectoryRegistered",
        "PhaseStarted",
        "PhaseCompleted",
        "PhaseStarted",
        "LanguageLevelsAssessed",
        "PracticePeriodRecorded",
        "PhaseCompleted",
        "PhaseStarted",
        "CertificateObtained",
        "PhaseCompleted",
        "PlacementProposed",
        "PlacementConfirmed",
        "ContractStarted",
        "GuaranteeIssued",
    ]
    assert [e["version"] for e in events] == list(range(1, len(events) + 1))
    by_type = {e["type"]: e for e in events}
    confirmation = by_type["PlacementConfirmed"]
    assert confirmation["occurredOn"] == "2026-09-22"
    assert confirmation["actor"] == {"subject": "hr-de-vries", "role": "employer", "organisation": kvk}
    assert confirmation["data"] == {"placementId": placement_id}
    guarantee = by_type["GuaranteeIssued"]
    assert guarantee["actor"] == {"subject": "km-jansen", "role": "klantmanager", "organisation": municipality}
    assert guarantee["occurredOn"] == "2026-10-01"
    recorded = [datetime.fromisoformat(e["recordedAt"].replace("Z", "+00:00")) for e in events]
    assert recorded == sorted(recorded), "recorded times follow the order of the log"
    assert all(r.tzinfo is not None for r in recorded)
    assert by_type["TrajectoryRegistered"]["occurredOn"] == "2026-01-05"
    # Business dates may lie far before the moment of recording.
    assert all(e["occurredOn"] <= TODAY.date().isoformat() for e in events)
    # No personal data in the route's own events.
    assert set(by_type["TrajectoryRegistered"]["data"]) == {
        "municipality", "candidateId", "targetGroup", "benefitMonthlyCents", "benefitSince", "routeModel", "routeVariant"
    }
    assert "Haddad" not in history.text

    detail = api.get(base, headers=km)
    assert detail.headers["ETag"] == f'"{len(events)}"'
    assert detail.json()["candidate"]["familyName"] == "Haddad"
