"""The spreadsheet import: the template, uploading a file (a dry run by default), the import's
status with its problems, and the uploaded rows handed back with the problems marked.

A route only receives the file and presents; the rows are checked and imported by the workers
(``leerroute.importing.job``), never inside the request."""

from __future__ import annotations

import tempfile
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Form, Query, Response, UploadFile
from pydantic import BaseModel, Field

from adapters import spreadsheets
from adapters.import_store import ImportRecord
from api.deps import (
    POSITION_HEADER,
    ContainerDep,
    IdempotencyKey,
    IfMatch,
    MinPosition,
    QueriesDep,
    at_position,
    issuer_of,
)
from api.exports import XLSX
from api.problems import READ_RESPONSES, WRITE_RESPONSES, ApiProblem
from api.responses import Output, Problem
from domain import commands as c
from domain.access import can_see_import
from domain.values import Actor
from leerroute.importing.columns import COLUMNS, EXPLANATION_HEADER, explanation_rows
from leerroute.importing.job import ImportRefused

router = APIRouter(prefix="/v1")
Importer = Annotated[Actor, issuer_of(c.RegisterTrajectory)]


class ImportUpload(BaseModel):
    """The multipart form of an upload."""

    file: UploadFile = Field(description="The filled-in template: .xlsx, or CSV in UTF-8")


class ImportCountsOut(Output):
    checked: int
    imported: int
    unchanged: int
    changed: int
    failed: int


class ImportProblemOut(Output):
    """One problem of one cell, as an ``invalidParams`` entry (``name``, ``reason``) with its place."""

    name: str
    reason: str
    row: int
    column: str
    value: str | None = None
    rule: str


class ChangedRowOut(Output):
    row: int
    columns: list[str]


class ImportOut(Output):
    id: UUID
    status: Literal["queued", "running", "done", "failed"]
    dry_run: bool
    format: Literal["xlsx", "csv"]
    counts: ImportCountsOut
    created_at: datetime
    finished_at: datetime | None = None
    error: str | None = None
    problems: list[ImportProblemOut] = Field(default_factory=list)
    changed_rows: list[ChangedRowOut] = Field(default_factory=list)
    marked_workbook: str | None = None


def _out(record: ImportRecord, report: dict[str, Any] | None, has_marked: bool) -> ImportOut:
    counts = {name.removeprefix("rows_"): value for name, value in record.counts.items()}
    return ImportOut(
        id=record.import_id, status=record.status, dry_run=record.dry_run, format=record.file_format,  # type: ignore[arg-type]
        counts=ImportCountsOut(**counts), created_at=record.created_at, finished_at=record.finished_at, error=record.error,
        problems=[ImportProblemOut(**p) for p in (report or {}).get("problems", [])],
        changed_rows=[ChangedRowOut(**r) for r in (report or {}).get("changed", [])],
        marked_workbook=f"/v1/imports/{record.import_id}/marked-workbook" if has_marked else None,
    )


_FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The file", "content": {"text/csv": {"schema": {"type": "string"}},
                                                  XLSX: {"schema": {"type": "string", "format": "binary"}}}},
}


@router.get("/imports/template", response_class=Response, responses={**_FILE_RESPONSES, **READ_RESPONSES})
def import_template(
    actor: Importer, queries: QueriesDep, response: Response, min_position: MinPosition = None,
    format: Annotated[Literal["xlsx", "csv"], Query(description="xlsx (with an explanation sheet) or csv")] = "xlsx",
) -> Response:
    """The sheet to fill in: one row per candidate, the registration and the route so far; the
    xlsx's second sheet explains every column and its allowed values (in Dutch)."""
    position = {POSITION_HEADER: str(queries.read_models_at(min_position))}
    names = [column.name for column in COLUMNS]
    example = [column.example for column in COLUMNS]
    if format == "csv":
        return Response(spreadsheets.template_csv(names, example), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="leerroute-import.csv"', **position})
    out = BytesIO()
    spreadsheets.template_xlsx(names, example, EXPLANATION_HEADER, explanation_rows(), out)
    return Response(out.getvalue(), media_type=XLSX, headers={"Content-Disposition": 'attachment; filename="leerroute-import.xlsx"', **position})


@router.post(
    "/imports", status_code=202, response_model=ImportOut,
    responses={**WRITE_RESPONSES, 413: {"model": Problem, "description": "The file is larger than LEERROUTE_IMPORT_MAX_BYTES"}},
)
def upload_import(
    actor: Importer, container: ContainerDep, response: Response,
    form: Annotated[ImportUpload, Form(media_type="multipart/form-data")],
    idempotency_key: IdempotencyKey, expected_version: IfMatch,
    dry_run: Annotated[bool, Query(alias="dryRun", description="Only check every row (the default); false: import them")] = True,
) -> ImportOut:
    """Check (``dryRun=true``, the default) or import a caseload: every row as the API would
    take it. The file is checked as a whole here; its rows by the workers: read the import's
    status at ``Location`` until it is ``done``. With an ``Idempotency-Key``, the same upload
    again is answered with the import it made (``Idempotent-Replayed``); ``If-Match`` has
    nothing to match on a new import and is ignored, as on every create."""
    importer = container.imports
    with tempfile.TemporaryDirectory(prefix="leerroute-upload-") as directory:
        path = Path(directory) / "upload"
        with path.open("wb") as target:
            copied = _copy(form.file, target, limit=importer.max_bytes)
        if copied > importer.max_bytes:
            raise ApiProblem(413, "file-too-large", "File too large", f"at most {importer.max_bytes} bytes are read",
                             invalidParams=[{"name": "file", "reason": f"larger than {importer.max_bytes} bytes"}])
        try:
            accepted = importer.accept(actor, path, dry_run=dry_run, idempotency_key=idempotency_key)
        except ImportRefused as refused:
            raise ApiProblem(refused.status, "invalid-file", "The file cannot be imported", str(refused),
                             invalidParams=[{"name": n, "reason": r} for n, r in refused.invalid]) from None
    import_id = accepted.import_id
    record = container.import_store.get(import_id)
    assert record is not None
    if accepted.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    else:
        container.workers.import_accepted(str(import_id))
    response.headers["Location"] = f"/v1/imports/{import_id}"
    return _out(record, None, False)


def _copy(source: UploadFile, target: Any, *, limit: int) -> int:
    copied = 0
    while chunk := source.file.read(1 << 20):
        copied += len(chunk)
        if copied > limit:
            return copied
        target.write(chunk)
    return copied


def _visible(actor: Actor, container: Any, import_id: UUID) -> ImportRecord:
    record = container.import_store.get(import_id)
    if record is None or not can_see_import(actor, record.municipality):
        raise ApiProblem(404, "not-found", "Not found", f"no import {import_id}")
    return record


@router.get("/imports/{import_id}", response_model=ImportOut, responses=READ_RESPONSES)
def get_import(import_id: UUID, actor: Importer, container: ContainerDep, queries: QueriesDep, response: Response,
               min_position: MinPosition = None) -> ImportOut:
    """How far the import is (rows checked, imported, unchanged, changed, failed) and, once
    done, every problem: row, column, value, rule and message. ``Leerroute-Log-Position``: how far
    the read models (lists, worklist, funnel) are, so they can be read up to the imported rows."""
    record = _visible(actor, container, import_id)
    at_position(response, queries.read_models_at(min_position))
    store = container.import_store
    report = store.report(import_id) if record.status == "done" else None
    return _out(record, report, record.status == "done" and store.file(import_id, "marked") is not None)


@router.get("/imports/{import_id}/marked-workbook", response_class=Response,
            responses={200: {"description": "The rows as uploaded, each problem a comment on its cell (red)",
                             "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}, **READ_RESPONSES})
def get_marked_workbook(import_id: UUID, actor: Importer, container: ContainerDep, queries: QueriesDep,
                        min_position: MinPosition = None) -> Response:
    """The uploaded rows with every problem marked on its cell, to hand back to whoever keeps the sheet."""
    _visible(actor, container, import_id)
    position = str(queries.read_models_at(min_position))
    data = container.import_store.file(import_id, "marked")
    if data is None:
        raise ApiProblem(404, "not-found", "Not found", "this import has no marked workbook (no problems, not done, or erased)")
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="leerroute-import-{import_id}.xlsx"',
                                                          POSITION_HEADER: position})

