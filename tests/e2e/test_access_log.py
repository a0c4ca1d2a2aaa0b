"""The access log: every read or write of a candidate's data records who, which candidate
(pseudonymised), what activity, when and under which trace id; the municipality's privacy
officer reads it per candidate."""

from __future__ import annotations

from datetime import datetime

from tests.conftest import assert_problem, new_bsn, new_kvk, new_municipality, registration

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def _log(api, tokens, municipality: str, trajectory_id: str) -> list[dict]:
    response = api.get(f"/v1/trajectories/{trajectory_id}/access-log?pageSize=100", headers=tokens.headers("privacy-officer", municipality))
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_reads_and_writes_are_logged_with_who_what_when_and_trace_id(api, tokens):
    municipality = new_municipality()
    km = tokens.klantmanager(municipality, subject="km-de-boer")
    bsn = new_bsn()
    created = api.post("/v1/trajectories", json=registration(bsn=bsn), headers=km)
    t = created.json()["id"]
    assert len(created.headers["Trace-Id"]) == 32
    read = api.get(f"/v1/trajectories/{t}", headers={**km, "traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"})
    assert read.headers["Trace-Id"] == TRACE
    step = api.post(f"/v1/trajectories/{t}/phases/orientation/start", json={"date": "2026-01-12"}, headers=km)

    entries = _log(api, tokens, municipality, t)
    assert [e["activity"] for e in entries] == ["register_trajectory", "get_trajectory", "start_phase"]
    assert [e["traceId"] for e in entries] == [created.headers["Trace-Id"], TRACE, step.headers["Trace-Id"]]
    assert {(e["subject"], e["role"], e["organisation"]) for e in entries} == {("km-de-boer", "klantmanager", municipality)}
    assert {e["candidatePseudonym"] for e in entries} == {read.json()["candidate"]["pseudonym"]}
    assert all(e["trajectoryId"] == t for e in entries)
    times = [datetime.fromisoformat(e["occurredAt"].replace("Z", "+00:00")) for e in entries]
    assert times == sorted(times) and all(t.tzinfo is not None for t in times)
    assert bsn not in str(entries) and "Haddad" not in str(entries)


def test_a_refused_write_leaves_no_entry_and_other_candidates_stay_apart(api, tokens):
    municipality = new_municipality()
    km = tokens.klantmanager(municipality)
    first = api.post("/v1/trajectories", json=registration(), headers=km).json()["id"]
    second = api.post("/v1/trajectories", json=registration(), headers=km).json()["id"]
    refused = api.post(f"/v1/trajectories/{first}/phases/orientation/completion", json={"date": "2026-02-01"}, headers=km)
    assert_problem(refused, 409)
    assert [e["activity"] for e in _log(api, tokens, municipality, first)] == ["register_trajectory"]
    assert [e["trajectoryId"] for e in _log(api, tokens, municipality, second)] == [second]


def test_employers_procesregie_and_searches_are_logged(api, tokens):
    municipality, kvk = new_municipality(), new_kvk()
    km = tokens.klantmanager(municipality)
    body = registration()
    t = api.post("/v1/trajectories", json=body, headers=km).json()["id"]
    proposal = {"date": "2026-06-01", "employer": {"kvkNumber": kvk, "name": "Noord BV"}, "function": "monteur", "hoursPerWeek": 36, "level": "assistent"}
    position = api.post(f"/v1/trajectories/{t}/placements", json=proposal, headers=km).headers["Leerroute-Log-Position"]
    listed = api.get(f"/v1/placements?minPosition={position}", headers=tokens.employer(kvk, subject="hr-1"))
    assert listed.json()["items"][0]["candidateName"] == "Amal Haddad"
    api.get(f"/v1/trajectories/{t}/history", headers=tokens.headers("procesregie", "APT", subject="apt-auditor"))
    api.post("/v1/trajectories/search", json={"bsn": body["candidate"]["bsn"]}, headers=km)
    api.get(f"/v1/trajectories/{t}/money", headers=km)
    entries = _log(api, tokens, municipality, t)
    assert [(e["activity"], e["role"], e["subject"]) for e in entries[-4:]] == [
        ("list_placements", "employer", "hr-1"),
        ("get_history", "procesregie", "apt-auditor"),
        ("search_by_bsn", "klantmanager", "km-1"),
        ("trajectory_money", "klantmanager", "km-1"),
    ]
    # The reading of the log is itself logged.
    assert _log(api, tokens, municipality, t)[-1]["activity"] == "get_access_log"


def test_only_the_own_privacy_officer_and_procesregie_read_the_log(api, tokens):
    municipality = new_municipality()
    t = api.post("/v1/trajectories", json=registration(), headers=tokens.klantmanager(municipality)).json()["id"]
    path = f"/v1/trajectories/{t}/access-log"
    assert_problem(api.get(path, headers=tokens.headers("privacy-officer", new_municipality())), 404)
    assert_problem(api.get(path, headers=tokens.klantmanager(municipality)), 403)
    assert_problem(api.get(path, headers=tokens.employer(new_kvk())), 403)
    assert api.get(path, headers=tokens.headers("procesregie", "APT")).status_code == 200
    assert_problem(api.get(path + "?pageSize=0", headers=tokens.headers("procesregie", "APT")), 400)
