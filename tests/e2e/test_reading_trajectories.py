"""Reads: one trajectory with its ETag, lists with filters and pagination, visibility."""

from __future__ import annotations

from tests.conftest import assert_problem, new_kvk, new_municipality, registration


def _register(api, km, **overrides) -> tuple[str, int]:
    response = api.post("/v1/trajectories", json=registration(**overrides), headers=km)
    assert response.status_code == 201, response.text
    return response.json()["id"], int(response.headers["Leerroute-Log-Position"])


def test_list_filters_by_phase_status_and_target_group_with_stable_pages(api, tokens):
    km = tokens.klantmanager(new_municipality())
    ids = []
    for day in range(1, 8):
        trajectory_id, _ = _register(api, km, registeredOn=f"2026-03-0{day}", targetGroup="statushouder" if day % 2 else "other")
        ids.append(trajectory_id)
    started = api.post(f"/v1/trajectories/{ids[0]}/phases/orientation/start", json={"date": "2026-03-05"}, headers=km)
    dropped = api.post(
        f"/v1/trajectories/{ids[1]}/drop-out", json={"date": "2026-03-06", "reason": "relocation", "explanation": "verhuisd"}, headers=km
    )
    position = max(int(started.headers["Leerroute-Log-Position"]), int(dropped.headers["Leerroute-Log-Position"]))

    everything = api.get(f"/v1/trajectories?pageSize=3&minPosition={position}", headers=km).json()
    assert everything["total"] == 7
    pages = [api.get(f"/v1/trajectories?pageSize=3&page={n}", headers=km).json()["items"] for n in (1, 2, 3)]
    listed = [t["id"] for page in pages for t in page]
    assert listed == list(reversed(ids)), "newest registration first, every item exactly once"

    in_orientation = api.get("/v1/trajectories?phase=orientation", headers=km).json()
    assert [t["id"] for t in in_orientation["items"]] == [ids[0]]
    dropped_out = api.get("/v1/trajectories?status=dropped-out", headers=km).json()
    assert [t["id"] for t in dropped_out["items"]] == [ids[1]]
    others = api.get("/v1/trajectories?targetGroup=other", headers=km).json()
    assert sorted(t["id"] for t in others["items"]) == sorted(ids[1::2])

    bad = assert_problem(api.get("/v1/trajectories?phase=holiday&pageSize=0", headers=km), 400)
    assert {p["name"] for p in bad["invalidParams"]} == {"query.phase", "query.pageSize"}


def test_klantmanager_sees_only_the_own_municipality(api, tokens):
    km = tokens.klantmanager(new_municipality())
    other = tokens.klantmanager(new_municipality())
    trajectory_id, position = _register(api, km)
    assert api.get(f"/v1/trajectories?minPosition={position}", headers=other).json()["total"] == 0
    assert_problem(api.get(f"/v1/trajectories/{trajectory_id}", headers=other), 404)
    assert_problem(api.get(f"/v1/trajectories/{trajectory_id}/history", headers=other), 404)
    assert_problem(api.get("/v1/trajectories/00000000-0000-0000-0000-000000000000", headers=km), 404)
    assert_problem(api.get("/v1/trajectories/not-a-uuid", headers=km), 400)


def test_procesregie_reads_routes_without_personal_data(api, tokens):
    km = tokens.klantmanager(new_municipality())
    trajectory_id, _ = _register(api, km)
    apt = tokens.headers("procesregie", "APT")
    detail = api.get(f"/v1/trajectories/{trajectory_id}", headers=apt)
    assert detail.status_code == 200
    candidate = detail.json()["candidate"]
    assert len(candidate["pseudonym"]) == 32
    assert {k for k, v in candidate.items() if v is not None} == {"pseudonym"}
    assert "Haddad" not in detail.text
    assert api.get(f"/v1/trajectories/{trajectory_id}", headers=km).json()["candidate"]["familyName"] == "Haddad"


def test_employer_lists_only_placements_proposed_to_it(api, tokens):
    km = tokens.klantmanager(new_municipality())
    ours, theirs = new_kvk(), new_kvk()
    trajectory_id, _ = _register(api, km)
    for kvk in (ours, theirs):
        response = api.post(
            f"/v1/trajectories/{trajectory_id}/placements",
            json={"date": "2026-02-01", "employer": {"kvkNumber": kvk, "name": f"BV {kvk}"}, "function": "monteur",
                  "hoursPerWeek": 32, "level": "full"},
            headers=km,
        )
        assert response.status_code == 201
    position = int(response.headers["Leerroute-Log-Position"])
    listed = api.get(f"/v1/placements?minPosition={position}", headers=tokens.employer(ours)).json()
    assert [p["employerKvk"] for p in listed["items"]] == [ours]
    assert listed["items"][0]["candidateName"] == "Amal Haddad"
    assert "bsn" not in str(listed).lower()
    # Employers do not read the trajectory itself (benefit data, other employers).
    assert_problem(api.get(f"/v1/trajectories/{trajectory_id}", headers=tokens.employer(ours)), 403)
    municipality_view = api.get("/v1/placements", headers=km).json()
    assert municipality_view["total"] == 2
