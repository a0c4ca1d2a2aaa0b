"""Check or import a spreadsheet: every row through ``Service.handle``, as the API would.

**What a row becomes.** A row is the registration and the route so far (``rows.parse_row``): the
same commands the API builds, with the sheet's business dates, the importing klantmanager as
actor and ``import:<id>`` as the actor's source; the import's id is the trace id of every write
and access-log entry, and each candidate gets an access-log entry ``spreadsheet_import``.

**Dry run and commit are one path.** Rows are handled in batches, each batch in one transaction
of its own (a savepoint per row, and one per command inside it, through
``Service.with_unit_of_work``): the domain decides every row as it would decide the API's
requests. A dry run rolls every batch back, so nothing is written; a commit keeps them.

**Row by row.** A row is imported whole or not at all (its savepoint); a row with a problem is
reported and the others are imported. A batch commits its rows together, so a job that is
killed loses at most the batch it was in, and a restart (``run`` again) skips what is in.

**Nothing twice.** Per municipality and keyed BSN hash, ``imported_rows`` keeps the keyed hash
of each cell of the row that registered the candidate. A row found there with the same cells
records nothing (``unchanged``); with other cells it is reported (``changed``, naming the
cells), never applied. A BSN twice in one file: the second row is refused. A candidate
registered otherwise (through the API) is the domain's ``one-trajectory-per-candidate``.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from adapters import spreadsheets
from adapters.batch_unit_of_work import BatchTransaction
from adapters.import_store import COUNTS, ImportedRow, ImportStore
from adapters.pseudonyms import Pseudonymiser
from domain.access import IMPORTERS, check_role
from domain.errors import DomainError, InvalidField, NotFound, RuleViolation
from domain.values import Actor, Role
from leerroute.errors import IdempotencyKeyReused
from leerroute.importing.columns import BY_NAME, REQUIRED
from leerroute.importing.rows import REGISTRATION_RULES, ParsedRow, Problem, Step, parse_row
from leerroute.service import Service, request_scope
from leerroute.unit_of_work import Conflict

# One batch's transaction (``keep``: commit it at the end; ``careful``: each command's writes sent
# with its own savepoint, after a batch the database refused as a whole).
Savepoints = Callable[[bool, bool], AbstractContextManager[BatchTransaction]]
Progress = Callable[[dict[str, int]], None]

IMPORT_ACTIVITY = "spreadsheet_import"


@dataclass(frozen=True)
class Accepted:
    import_id: UUID
    replayed: bool  # the import an earlier upload with the same Idempotency-Key made


def _digest(upload: Path, dry_run: bool) -> str:
    digest = hashlib.sha256(b"dry-run" if dry_run else b"commit")
    with upload.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class ImportRefused(Exception):
    """The file as a whole cannot be imported: each (name, reason) says why."""

    def __init__(self, invalid: list[tuple[str, str]], *, status: int = 400):
        super().__init__("; ".join(f"{n}: {r}" for n, r in invalid))
        self.invalid = invalid
        self.status = status


@dataclass
class _Tally:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    problems: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)


class _RowRefused(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


class Importer:
    def __init__(self, service: Service, store: ImportStore, savepoints: Savepoints, pseudonymise: Pseudonymiser,
                 *, notify: Callable[[], None], batch_rows: int = 50, max_bytes: int = 20 * 1024 * 1024):
        self._service = service
        self._store = store
        self._savepoints = savepoints
        self._pseudonymise = pseudonymise
        self._notify = notify
        self._batch_rows = batch_rows
        self.max_bytes = max_bytes

    # -- accepting a file ----------------------------------------------------------------------------

    def accept(self, actor: Actor, upload: Path, *, dry_run: bool, idempotency_key: str | None = None) -> Accepted:
        """Check the file as a whole (its kind, its size, its header) and keep it, encrypted, for
        the job; the id of the import. Rows are checked by ``run``. With an ``idempotency_key``, a
        repeat of the upload (the same key, file and mode) is the import made the first time."""
        check_role(actor, IMPORTERS)
        size = upload.stat().st_size
        if size > self.max_bytes:
            raise ImportRefused([("file", f"the file has {size} bytes; at most {self.max_bytes} are read")], status=413)
        try:
            file_format = spreadsheets.detect_format(upload)
            with spreadsheets.rows(upload, file_format) as (header, _):
                pass
        except spreadsheets.UnreadableFile as error:
            raise ImportRefused([("file", error.reason)]) from None
        invalid = [(name, "required column missing from the first row") for name in REQUIRED if name not in header]
        invalid += [(name or "(empty)", "unknown column; the template's second sheet names every column")
                    for name in header if name not in BY_NAME]
        invalid += [(name, "column appears twice") for name in sorted({h for h in header if h and header.count(h) > 1})]
        if invalid:
            raise ImportRefused(invalid)
        fingerprint = _digest(upload, dry_run)
        request = None
        if idempotency_key is not None:
            key = idempotency_key.strip()
            if not 1 <= len(key) <= 200:
                raise InvalidField("Idempotency-Key", "1 to 200 characters")
            request = (request_scope(actor), key)
        import_id = uuid4()
        kept = self._store.create(import_id=import_id, municipality=actor.organisation, subject=actor.subject, dry_run=dry_run,
                                  file_format=file_format, upload=upload, fingerprint=fingerprint, request=request)
        if kept != import_id:
            earlier = self._store.get(kept)
            if earlier is None or earlier.fingerprint != fingerprint:
                raise IdempotencyKeyReused()
            return Accepted(kept, replayed=True)
        return Accepted(import_id, replayed=False)

    # -- the job --------------------------------------------------------------------------------------

    def run(self, import_id: UUID, progress: Progress | None = None) -> dict[str, int]:
        """Check (dry run) or import every row; run again after a crash, it finishes the file
        without doubling a row. The counts at the end."""
        record = self._store.get(import_id)
        if record is None:
            raise NotFound("import", f"no import {import_id}")
        if record.status in ("done", "failed"):
            return record.counts
        actor = Actor(record.subject, Role.KLANTMANAGER, record.municipality, source=f"import:{import_id}")
        with tempfile.TemporaryDirectory(prefix="leerroute-import-") as directory:
            upload = Path(directory) / f"upload.{record.file_format}"
            data = self._store.file(import_id, "upload")
            if data is None:
                again = self._store.get(import_id)
                if again is not None and again.status in ("done", "failed"):
                    return again.counts  # another run of the job (a redelivered message) ended it meanwhile
                self._store.failed(import_id, "the upload is no longer there")
                return record.counts
            upload.write_bytes(data)
            del data
            self._store.started(import_id)
            tally = _Tally()
            try:
                marked = self._rows(import_id, actor, upload, record.file_format, record.dry_run, tally, progress)
            except spreadsheets.UnreadableFile as error:
                self._store.failed(import_id, error.reason)
                raise ImportRefused([("file", error.reason)]) from None
        report = {"problems": tally.problems, "changed": tally.changed}
        self._store.finish(import_id, tally.counts, report=report, marked=marked)
        return tally.counts

    def _rows(self, import_id: UUID, actor: Actor, upload: Path, file_format: str, dry_run: bool, tally: _Tally,
              progress: Progress | None) -> bytes | None:
        seen: dict[str, int] = {}
        marks: dict[int, dict[str, list[str]]] = {}  # row → column → its problems
        with spreadsheets.rows(upload, file_format) as (_, rows):
            for batch in _batches(rows, self._batch_rows):
                parsed = [parse_row(number, raw, actor) for number, raw in batch]
                results = self._batch(import_id, actor, parsed, seen, keep=not dry_run)
                for row, (status, problems) in zip(parsed, results, strict=True):
                    tally.counts["rows_checked"] += 1
                    tally.counts[f"rows_{status}"] += 1
                    if status == "changed":
                        tally.changed.append({"row": row.row, "columns": [p.column for p in problems]})
                    tally.problems.extend(p.as_dict() for p in problems)
                    for p in problems:
                        marks.setdefault(row.row, {}).setdefault(p.column, []).append(f"{p.rule}: {p.message}")
                self._store.progress(import_id, tally.counts)
                if not dry_run:
                    self._notify()
                if progress is not None:
                    progress(dict(tally.counts))
        return _marked_copy(upload, file_format, marks) if marks else None

    def _batch(self, import_id: UUID, actor: Actor, rows: list[ParsedRow], seen: dict[str, int],
               *, keep: bool) -> list[tuple[str, list[Problem]]]:
        before = dict(seen)
        try:
            return self._batch_once(import_id, actor, rows, seen, keep=keep, careful=False)
        except Conflict:
            # The database refused a statement of the batch (a BSN registered meanwhile): all of it
            # was rolled back; again, each command on its own, so the refusal lands on its row.
            seen.clear()
            seen.update(before)
            return self._batch_once(import_id, actor, rows, seen, keep=keep, careful=True)

    def _batch_once(self, import_id: UUID, actor: Actor, rows: list[ParsedRow], seen: dict[str, int],
                    *, keep: bool, careful: bool) -> list[tuple[str, list[Problem]]]:
        results = []
        with self._savepoints(keep, careful) as batch:
            service = self._service.with_unit_of_work(batch.unit_of_work)
            digests = {row.row: self._pseudonymise(row.bsn, purpose="bsn") for row in rows if row.bsn}
            earlier = self._store.imported_rows_of(batch, actor.organisation, set(digests.values()))
            batch.expect_candidates(actor.organisation, set(digests.values()))
            for row in rows:
                results.append(self._row(import_id, actor, batch, service, row, digests.get(row.row), earlier.get(
                    digests.get(row.row, "")), seen, keep=keep))
        return results

    def _row(self, import_id: UUID, actor: Actor, batch: BatchTransaction, service: Service, row: ParsedRow,
             digest: str | None, earlier: ImportedRow | None, seen: dict[str, int], *, keep: bool) -> tuple[str, list[Problem]]:
        problems = list(row.problems)
        if digest is not None:
            if digest in seen:
                problems.append(Problem(row.row, "bsn", row.bsn, "one-row-per-candidate",
                                        f"deze BSN staat al in rij {seen[digest]} van dit bestand"))
            else:
                seen[digest] = row.row
        if problems or row.registration is None or digest is None:
            return "failed", problems
        cells = {name: self._pseudonymise(f"{name}={text}", purpose="import-cell")[:32] for name, text in row.cells.items()}
        if earlier is not None:
            if earlier.cells == cells:
                return ("imported" if earlier.import_id == import_id else "unchanged"), []
            differ = sorted(set(cells) ^ set(earlier.cells) | {n for n in cells if earlier.cells.get(n) not in (None, cells[n])})
            return "changed", [Problem(row.row, name, row.cells.get(name), "row-changed-since-import",
                                       f"anders dan bij de import van rij {earlier.row} (traject {earlier.trajectory_id}); "
                                       "een ingelezen kandidaat wijzigt u in leerroute zelf") for name in differ]
        trace = import_id.hex
        with batch.savepoint() as kept:
            try:
                outcome = _handle(service, row.registration, trace, "aanmelddatum", REGISTRATION_RULES, row)
                trajectory = outcome.aggregate
                for step in row.steps:
                    _handle(service, step.build(trajectory.id), trace, step.column, step.rules, row)
            except _RowRefused as refused:
                return "failed", [refused.problem]
            with batch.unit_of_work() as uow:
                uow.record_access(actor, [trajectory], activity=IMPORT_ACTIVITY, trace_id=trace)
                uow.commit()
            if keep:
                self._store.remember_row(batch, municipality=actor.organisation, bsn_digest=digest,
                                         candidate_id=trajectory.candidate_id, trajectory_id=trajectory.id,
                                         import_id=import_id, row=row.row, cells=cells)
            kept[0] = True
        return "imported", []


def _handle(service: Service, command: Any, trace: str, column: str, rules: dict[str, str] | Any, row: ParsedRow) -> Any:
    """Run one command of a row; a refusal becomes the problem of the cell it came from."""
    try:
        return service.handle(command, trace_id=trace)
    except InvalidField as error:
        where = rules.get(error.name, column)
        raise _RowRefused(Problem(row.row, where, row.cells.get(where), "invalid-value", error.reason)) from None
    except RuleViolation as error:
        where = rules.get(error.rule, column)
        raise _RowRefused(Problem(row.row, where, row.cells.get(where), error.rule, error.detail)) from None
    except (DomainError, ValueError) as error:
        raise _RowRefused(Problem(row.row, column, row.cells.get(column), "invalid-value", str(error))) from None


def _marked_copy(upload: Path, file_format: str, marks: dict[int, dict[str, list[str]]]) -> bytes | None:
    """The uploaded rows again, each problem on its cell (None when no problem has a cell): a
    second pass over the file, made only when a row has a problem (a clean import writes none)."""
    out = BytesIO()
    with spreadsheets.rows(upload, file_format) as (header, rows):
        marked = spreadsheets.MarkedWorkbook(header)
        for number, raw in rows:
            marked.append(raw, marks.get(number, {}))
        marked.save(out)  # also when nothing is marked: a write-only workbook is closed by saving it
    return out.getvalue() if marked.marked else None


def _batches(rows: Iterator[tuple[int, dict[str, Any]]], size: int) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    batch: list[tuple[int, dict[str, Any]]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


__all__ = ["IMPORT_ACTIVITY", "ImportRefused", "Importer", "Step"]
