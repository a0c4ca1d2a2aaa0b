"""The spreadsheet import over HTTP: template, a dry run naming every problem at once, commit,
re-uploads that record nothing again, a changed row reported, the marked workbook, the access
log, the upload not kept, another municipality refused."""

from __future__ import annotations

import io
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from adapters.database import read_session
from adapters.tables import events, import_files, imported_rows
from bench.import_sheet import HEADER, candidate_rows, write_csv, write_xlsx
from tests.conftest import TODAY, assert_problem, new_municipality, registration

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wait_for_import(api, headers: dict[str, str], location: str, timeout: float = 600) -> dict[str, Any]:
    """A bounded poll of the import's status until the workers are done with it."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        body = api.get(location, headers=headers).json()
        if body["status"] in ("done", "failed"):
            return body
        assert time.monotonic() < deadline, f"import not done: {body}"
        pause.wait(0.2)


def upload(api, headers: dict[str, str], content: bytes, *, dry_run: bool = True, name: str = "caseload.xlsx",
           media: str = XLSX) -> dict[str, Any]:
    response = api.post("/v1/imports", params={"dryRun": str(dry_run).lower()}, headers=headers, files={"file": (name, content, media)})
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    body = wait_for_import(api, headers, response.headers["Location"])
    assert body["status"] == "done", body
    return body


def xlsx_bytes(rows: list[dict[str, str]], tmp_path: Path, name: str = "sheet.xlsx") -> bytes:
    return write_xlsx(rows, tmp_path / name).read_bytes()


def cells(body: dict[str, Any]) -> set[tuple[int, str]]:
    return {(p["row"], p["column"]) for p in body["problems"]}


def event_count() -> int:
    from tests.conftest import POSTGRES  # noqa: F401  (either backend: the session's database)

    return _count(select(func.count()).select_from(events))


_url: list[str] = []


def _count(query) -> int:
    with read_session(_url[0]) as session:
        return int(session.execute(query).scalar_one())


@pytest.fixture(autouse=True)
def _database(container):
    _url[:] = [container.database_url]


def test_the_template_explains_every_column_and_comes_back_clean(api, tokens, tmp_path):
    municipality = new_municipality()
    km = tokens.klantmanager(municipality)
    response = api.get("/v1/imports/template", params={"format": "xlsx"}, headers=km)
    assert response.status_code == 200 and response.headers["content-type"] == XLSX
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["kandidaten", "toelichting"]
    header = [c.value for c in next(workbook["kandidaten"].iter_rows(max_row=1))]
    assert header == HEADER
    explained = {row[0]: row for row in workbook["toelichting"].iter_rows(min_row=2, values_only=True)}
    assert set(explained) == set(HEADER) and all(row[2] and row[3] for row in explained.values())
    assert "elfproef" in explained["bsn"][3]

    body = upload(api, km, response.content)  # the example row, as it comes
    assert body["counts"] == {"checked": 1, "imported": 1, "unchanged": 0, "changed": 0, "failed": 0}, body["problems"]
    assert body["problems"] == [] and body["markedWorkbook"] is None

    csv_template = api.get("/v1/imports/template", params={"format": "csv"}, headers=km)
    assert csv_template.status_code == 200 and csv_template.headers["content-type"].startswith("text/csv")
    assert csv_template.content.decode("utf-8-sig").splitlines()[0].split(";") == HEADER
    body = upload(api, km, csv_template.content, name="caseload.csv", media="text/csv")
    assert body["format"] == "csv" and body["counts"]["checked"] == 1 and body["counts"]["failed"] == 0


def test_an_upload_repeated_with_its_idempotency_key_is_the_same_import(api, tokens):
    km = {**tokens.klantmanager(new_municipality()), "Idempotency-Key": "caseload-2026-11"}
    sheet = api.get("/v1/imports/template", params={"format": "csv"}, headers=km).content
    first = api.post("/v1/imports", headers=km, files={"file": ("a.csv", sheet, "text/csv")})
    again = api.post("/v1/imports", headers=km, files={"file": ("a.csv", sheet, "text/csv")})
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    other = api.post("/v1/imports", headers=km, files={"file": ("b.csv", sheet + b"\n", "text/csv")})
    assert_problem(other, 422)


def _with_errors(rows: list[dict[str, str]], registered_bsn: str) -> dict[tuple[int, str], str]:
    """Deliberate errors in chosen rows; (sheet row, column) → the rule that names it."""
    expected = {}

    def row_of(index: int) -> int:
        return index + 2  # the header is row 1

    rows[10]["bsn"] = rows[10]["bsn"][:8] + str((int(rows[10]["bsn"][8]) + 1) % 10)  # fails the 11-check
    expected[(row_of(10), "bsn")] = "bsn"
    started = next(i for i, r in enumerate(rows) if i > 20 and "orientatie_afgerond" in r)
    rows[started]["orientatie_afgerond"] = rows[started]["orientatie_start"]
    rows[started]["orientatie_start"] = (date.fromisoformat(rows[started]["orientatie_start"]).replace(day=28)).isoformat()
    if rows[started]["orientatie_start"] <= rows[started]["orientatie_afgerond"]:
        rows[started]["orientatie_start"] = "2026-11-01"
    for name in ("voortraject", "bedrijfsvakschool"):  # later phases would wait for this one: leave them out
        for suffix in ("_start", "_afgerond", "_aanbieder", "_overgeslagen", "_grondslag", "_reden"):
            rows[started].pop(name + suffix, None)
    for key in ("plaatsing_voorgesteld", "werkgever_kvk", "werkgever_naam", "functie", "uren_per_week", "niveau"):
        rows[started].pop(key, None)
    expected[(row_of(started), "orientatie_afgerond")] = "end-after-start"
    rows[40].update({"plaatsing_voorgesteld": "2020-01-01", "werkgever_kvk": "12345678", "werkgever_naam": "Bouw BV",
                     "functie": "monteur", "uren_per_week": "36", "niveau": "assistent"})
    for name in ("orientatie", "voortraject", "bedrijfsvakschool"):
        for suffix in ("_start", "_afgerond", "_aanbieder", "_overgeslagen", "_grondslag", "_reden"):
            rows[40].pop(name + suffix, None)
    expected[(row_of(40), "plaatsing_voorgesteld")] = "not-before-registration"
    rows[50]["gemeente"] = "Utrecht"
    expected[(row_of(50), "gemeente")] = "municipality"
    rows[60]["bsn"] = rows[5]["bsn"]
    expected[(row_of(60), "bsn")] = "one-row-per-candidate"
    rows[70]["bsn"] = registered_bsn
    expected[(row_of(70), "bsn")] = "one-trajectory-per-candidate"
    return expected


def test_a_caseload_of_a_thousand_is_checked_imported_once_and_reported_when_changed(api, tokens, tmp_path, container):
    municipality = new_municipality()
    km = tokens.klantmanager(municipality, subject="km-import")
    rows = list(candidate_rows(seed=int(municipality[2:]) + 7000, count=1000, today=TODAY.date(), municipality=municipality))
    registered_bsn = "111222333"
    assert api.post("/v1/trajectories", json=registration(registered_bsn), headers=km).status_code == 201
    expected = _with_errors(rows, registered_bsn)
    content = xlsx_bytes(rows, tmp_path)
    before = event_count()

    # the dry run names exactly those rows and columns, all at once, and writes nothing
    dry = upload(api, km, content)
    assert cells(dry) == set(expected), dry["problems"]
    assert {(p["row"], p["column"]): p["rule"] for p in dry["problems"]} == expected
    assert all(p["name"] and p["reason"] for p in dry["problems"])
    assert dry["counts"] == {"checked": 1000, "imported": 994, "unchanged": 0, "changed": 0, "failed": 6}
    assert event_count() == before
    assert api.get("/v1/trajectories", headers=km).json()["total"] == 1

    # the marked workbook carries each problem on its cell
    marked = api.get(dry["markedWorkbook"], headers=km)
    assert marked.status_code == 200 and marked.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(marked.content))["kandidaten"]
    header = [c.value for c in sheet[1]]
    marks = {(cell.row, header[cell.column - 1]) for line in sheet.iter_rows(min_row=2) for cell in line if cell.comment}
    assert marks == set(expected)
    for row, column in expected:
        cell = sheet.cell(row=row, column=header.index(column) + 1)
        assert expected[(row, column)] in cell.comment.text and cell.fill.fgColor.rgb.endswith("FFC7CE")

    # commit: the other rows are imported, through the service layer, with the sheet's dates
    committed = upload(api, km, content, dry_run=False)
    assert committed["counts"] == {"checked": 1000, "imported": 994, "unchanged": 0, "changed": 0, "failed": 6}
    assert cells(committed) == set(expected)
    after_commit = event_count()
    assert after_commit > before
    listed = api.get("/v1/trajectories", params={"minPosition": 0, "pageSize": 100}, headers=km)
    position = int(api.post("/v1/trajectories", json=registration(), headers=km).headers["Leerroute-Log-Position"])
    total = api.get("/v1/trajectories", params={"minPosition": position}, headers=km).json()["total"]
    assert total == 1 + 994 + 1
    assert listed.status_code == 200
    after_commit = event_count()

    # the first imported candidate: its history carries the sheet's dates, the klantmanager and the import as source
    first = api.post("/v1/trajectories/search", json={"bsn": rows[0]["bsn"]}, headers=km).json()["items"][0]
    history = api.get(f"/v1/trajectories/{first['id']}/history", headers=km).json()["events"]
    assert history[0]["type"] == "TrajectoryRegistered" and history[0]["occurredOn"] == rows[0]["aanmelddatum"]
    assert {e["actor"]["subject"] for e in history} == {"km-import"}
    assert {e["actor"]["source"] for e in history} == {f"import:{committed['id']}"}

    # the access log names the import for the candidate
    officer = tokens.headers("privacy-officer", municipality)
    log = api.get(f"/v1/trajectories/{first['id']}/access-log", params={"pageSize": 100}, headers=officer).json()["items"]
    imported_entries = [e for e in log if e["activity"] == "spreadsheet_import"]
    assert len(imported_entries) == 1 and imported_entries[0]["traceId"] == committed["id"].replace("-", "")
    assert imported_entries[0]["subject"] == "km-import"

    # the upload is not kept; what is kept is encrypted
    with read_session(container.database_url) as session:
        kept = session.execute(select(import_files.c.kind, import_files.c.data).where(
            import_files.c.import_id == UUID(committed["id"]))).all()
    assert {kind for kind, _ in kept} == {"report", "marked"}
    for _, data in kept:
        assert rows[0]["bsn"].encode() not in bytes(data) and rows[0]["achternaam"].encode() not in bytes(data)

    # the same file again records nothing
    again = upload(api, km, content, dry_run=False)
    assert again["counts"] == {"checked": 1000, "imported": 0, "unchanged": 994, "changed": 0, "failed": 6}
    assert event_count() == after_commit

    # a corrected file: the fixed rows are imported, a changed row is reported, not applied
    rows[10]["bsn"] = rows[10]["bsn"][:8] + str((int(rows[10]["bsn"][8]) - 1) % 10)
    rows[1]["voornamen"] = "Anders"
    corrected = upload(api, km, xlsx_bytes(rows, tmp_path, "corrected.xlsx"), dry_run=False)
    assert corrected["counts"]["imported"] == 1 and corrected["counts"]["changed"] == 1
    assert corrected["changedRows"] == [{"row": 3, "columns": ["voornamen"]}]
    assert (3, "voornamen") in cells(corrected)
    assert {p["rule"] for p in corrected["problems"] if p["row"] == 3} == {"row-changed-since-import"}
    with read_session(container.database_url) as session:
        assert session.execute(select(func.count()).select_from(imported_rows).where(
            imported_rows.c.municipality == municipality)).scalar_one() == 995


def test_another_municipality_and_other_roles_are_refused(api, tokens, tmp_path):
    municipality, other = new_municipality(), new_municipality()
    km = tokens.klantmanager(municipality)
    rows = list(candidate_rows(seed=int(municipality[2:]) + 9000, count=3, today=TODAY.date(), municipality=other))
    body = upload(api, km, xlsx_bytes(rows, tmp_path))
    assert {(p["column"], p["rule"]) for p in body["problems"]} == {("gemeente", "registration-by-own-municipality")}
    assert body["counts"]["failed"] == 3
    assert_problem(api.get(f"/v1/imports/{body['id']}", headers=tokens.klantmanager(other)), 404)
    assert_problem(api.get(f"/v1/imports/{body['id']}/marked-workbook", headers=tokens.klantmanager(other)), 404)
    employer = tokens.employer("12345678")
    assert_problem(api.post("/v1/imports", headers=employer, files={"file": ("x.xlsx", b"PK", XLSX)}), 403)
    assert_problem(api.get(f"/v1/imports/{body['id']}", headers=tokens.headers("procesregie", "APT")), 403)
    assert_problem(api.get("/v1/imports/template", headers=employer), 403)


def test_imported_routes_equal_the_same_routes_entered_through_the_api(api, tokens, tmp_path):
    by_import, by_api = new_municipality(), new_municipality()
    rows = list(candidate_rows(seed=int(by_import[2:]) + 11000, count=12, today=TODAY.date()))
    upload(api, tokens.klantmanager(by_import), xlsx_bytes(rows, tmp_path), dry_run=False)
    km = tokens.klantmanager(by_api)
    for row in rows:
        _enter_through_the_api(api, km, row)

    def histories(municipality: str) -> list[list[dict[str, Any]]]:
        headers = tokens.klantmanager(municipality)
        result = []
        for row in rows:
            found = api.post("/v1/trajectories/search", json={"bsn": row["bsn"]}, headers=headers).json()["items"][0]
            events = api.get(f"/v1/trajectories/{found['id']}/history", headers=headers).json()["events"]
            result.append([{"type": e["type"], "on": e["occurredOn"], "data": _without_ids(e["data"])} for e in events])
        return result

    assert histories(by_import) == histories(by_api)
    position = int(api.post("/v1/trajectories", json=registration(), headers=km).headers["Leerroute-Log-Position"])

    def summaries(municipality: str) -> list[tuple]:
        page = api.get("/v1/trajectories", params={"minPosition": position, "pageSize": 100},
                       headers=tokens.klantmanager(municipality)).json()["items"]
        return sorted((s["registeredOn"], s["stage"], s["status"], s["lastStepOn"], s["targetGroup"], s["version"])
                      for s in page if s["registeredOn"] != "2026-01-05")

    assert summaries(by_import) == summaries(by_api)


def _without_ids(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if not k.endswith("Id") and k not in ("municipality",)}


def _enter_through_the_api(api, km: dict[str, str], row: dict[str, str]) -> None:
    body = {"candidate": {"bsn": row["bsn"], "givenNames": row["voornamen"], "familyName": row["achternaam"],
                          "birthDate": row["geboortedatum"]},
            "targetGroup": row["doelgroep"], "registeredOn": row["aanmelddatum"]}
    if "uitkering_per_maand" in row:
        body["benefit"] = {"monthlyAmountCents": int(row["uitkering_per_maand"].split(",")[0]) * 100, "since": row["uitkering_sinds"]}
    created = api.post("/v1/trajectories", json=body, headers=km)
    assert created.status_code == 201, created.text
    t = created.headers["Location"]
    for name, phase in (("orientatie", "orientation"), ("voortraject", "pre-trajectory"), ("bedrijfsvakschool", "bedrijfsvakschool")):
        if f"{name}_overgeslagen" in row:
            step = {"date": row[f"{name}_overgeslagen"], "basis": row[f"{name}_grondslag"], "reason": row[f"{name}_reden"]}
            assert api.post(f"{t}/phases/{phase}/skip", json=step, headers=km).status_code == 200
        if f"{name}_start" in row:
            step = {"date": row[f"{name}_start"]}
            if f"{name}_aanbieder" in row:
                step["provider"] = row[f"{name}_aanbieder"]
            assert api.post(f"{t}/phases/{phase}/start", json=step, headers=km).status_code == 200
        if f"{name}_afgerond" in row:
            assert api.post(f"{t}/phases/{phase}/completion", json={"date": row[f"{name}_afgerond"]}, headers=km).status_code == 200
    if "plaatsing_voorgesteld" in row:
        placement = {"date": row["plaatsing_voorgesteld"], "employer": {"kvkNumber": row["werkgever_kvk"], "name": row["werkgever_naam"]},
                     "function": row["functie"], "hoursPerWeek": int(row["uren_per_week"]), "level": row["niveau"]}
        assert api.post(f"{t}/placements", json=placement, headers=km).status_code == 201


def test_bad_files_get_a_problem_naming_the_file(api, tokens, tmp_path):
    km = tokens.klantmanager(new_municipality())

    def refused(content: bytes, name: str = "x.xlsx", media: str = XLSX, status: int = 400) -> dict[str, Any]:
        response = api.post("/v1/imports", headers=km, files={"file": (name, content, media)})
        body = assert_problem(response, status)
        assert body.get("invalidParams") or status == 413, body
        return body

    assert refused(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, "x.png", "image/png")["invalidParams"][0]["name"] == "file"
    assert refused(b"PK\x03\x04 not really a zip")["invalidParams"][0]["name"] == "file"
    assert refused(b"")["invalidParams"][0]["name"] == "file"
    latin = "bsn;voornamen\n111222333;Zoë\n".encode("latin-1")
    assert "UTF-8" in refused(latin, "x.csv", "text/csv")["invalidParams"][0]["reason"]
    missing = refused(write_xlsx([], tmp_path / "few.xlsx", header=["bsn", "voornamen", "kleur"]).read_bytes())
    names = {p["name"] for p in missing["invalidParams"]}
    assert {"achternaam", "geboortedatum", "doelgroep", "aanmelddatum", "kleur"} <= names
    assert "bsn" not in names
    garbage = refused(b"\x00\xff" * (25 * 1024 * 1024), "big.xlsx", XLSX, status=413)  # 50 MB: refused before it is read
    assert "bytes" in garbage["detail"]
    assert_problem(api.post("/v1/imports", headers=km, json={"file": "nope"}), 400)

    # a formula is not evaluated: its cell is named
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "kandidaten"
    sheet.append(HEADER)
    rows = list(candidate_rows(seed=424242, count=1, today=TODAY.date()))
    rows[0]["voornamen"] = "=HYPERLINK(\"http://example.org\")"
    sheet.append([rows[0].get(name) for name in HEADER])
    out = io.BytesIO()
    workbook.save(out)
    body = upload(api, km, out.getvalue())
    assert [(p["column"], p["rule"]) for p in body["problems"]] == [("voornamen", "no-formulas")]
    assert write_csv  # the CSV path is covered by the template test


def test_no_uploaded_bsn_or_name_is_left_once_the_imported_candidates_are_erased(fresh_database, tmp_path):
    from fastapi.testclient import TestClient

    from adapters.clock import FixedClock
    from api.main import create_app
    from leerroute.bootstrap import build
    from tests.conftest import Tokens, test_settings
    from tests.e2e.test_erasure import database_bytes, forms

    container = build(test_settings(tmp_path, fresh_database, REDIS_URL=None), clock=FixedClock(TODAY))
    tokens = Tokens(container)
    km, officer = tokens.klantmanager("GM0363"), tokens.headers("privacy-officer", "GM0363")
    rows = list(candidate_rows(seed=5151, count=3, today=TODAY.date()))
    for index, row in enumerate(rows):
        row.update(voornamen=f"Zephyrine{index}", achternaam=f"Quillfeather{index}")
    rows[2]["doelgroep"] = "onbekend"  # refused: its row lives on only in the (encrypted) report and marked copy
    with TestClient(create_app(container, run_worker=False)) as api:
        container.workers.start(policies=False)
        try:
            body = upload(api, km, xlsx_bytes(rows, tmp_path), dry_run=False)
            assert body["counts"]["imported"] == 2 and body["markedWorkbook"]
            for row in rows[:2]:
                found = api.post("/v1/trajectories/search", json={"bsn": row["bsn"]}, headers=km).json()["items"][0]
                erased = api.post(f"/v1/trajectories/{found['id']}/candidate/erasure", json={"date": "2026-11-20"}, headers=officer)
                assert erased.status_code == 200, erased.text
            assert_problem(api.get(body["markedWorkbook"], headers=km), 404)
        finally:
            container.workers.stop()
    dump = database_bytes(container.database_url)
    for row in rows:
        for value in (row["bsn"], row["voornamen"], row["achternaam"]):
            assert not any(form in dump for form in forms(value)), value
