"""What leerroute keeps of a spreadsheet import: its status and counts, its files encrypted, and
per imported candidate a keyed hash of each cell of its row.

Each import has its own AES-256-GCM key, wrapped by the personal-data master key (as each
candidate's key is): the upload, the report (the problems, which quote cells) and the marked
workbook are encrypted with it, with the import id and the file's kind bound in. The upload is
deleted when the import ends; when a candidate the import registered is erased, the import's key
and files go too (``forget_candidate``), so nothing of the uploaded rows can be read again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from adapters.clock import Clock
from adapters.database import Executor, insert_rows, read_session, write_session
from adapters.tables import import_files, imported_rows, imports

if TYPE_CHECKING:
    from adapters.batch_unit_of_work import BatchTransaction

COUNTS = ("rows_checked", "rows_imported", "rows_unchanged", "rows_changed", "rows_failed")


@dataclass(frozen=True)
class ImportRecord:
    import_id: UUID
    municipality: str
    subject: str
    dry_run: bool
    file_format: str
    status: str
    counts: dict[str, int]
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    readable: bool  # its key still exists (not shredded by an erasure)
    fingerprint: str


@dataclass(frozen=True)
class ImportedRow:
    import_id: UUID
    row: int
    trajectory_id: UUID
    cells: dict[str, str]


class ImportStore:
    def __init__(self, database_url: str, master_secret: str, clock: Clock):
        self._url = database_url
        self._clock = clock
        self._master = AESGCM(
            HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"leerroute import key wrapping").derive(master_secret.encode())
        )

    # -- the import --------------------------------------------------------------------------------

    def create(self, *, import_id: UUID, municipality: str, subject: str, dry_run: bool, file_format: str, upload: Path,
               fingerprint: str, request: tuple[str, str] | None = None) -> UUID:
        """Keep a new import; with ``request`` (scope, Idempotency-Key) one made before under the
        same key is returned instead (its fingerprint is checked by the caller)."""
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        wrapped = nonce + self._master.encrypt(nonce, key, import_id.bytes)
        scope, request_key = request or (None, None)
        with write_session(self._url) as session:
            if request is not None:
                earlier = session.execute(select(imports.c.import_id).where(
                    imports.c.request_scope == scope, imports.c.request_key == request_key)).scalar_one_or_none()
                if earlier is not None:
                    return earlier
            session.execute(insert(imports).values(
                import_id=import_id, municipality=municipality, subject=subject, dry_run=dry_run, file_format=file_format,
                status="queued", wrapped_key=wrapped, created_at=self._clock.now(), request_scope=scope,
                request_key=request_key, fingerprint=fingerprint,
            ))
            self._put(session, import_id, key, "upload", upload.read_bytes())
        return import_id

    def get(self, import_id: UUID) -> ImportRecord | None:
        with read_session(self._url) as session:
            row = session.execute(select(imports).where(imports.c.import_id == import_id)).first()
        if row is None:
            return None
        return ImportRecord(
            row.import_id, row.municipality, row.subject, row.dry_run, row.file_format, row.status,
            {name: getattr(row, name) for name in COUNTS}, row.error, row.created_at, row.finished_at, row.wrapped_key is not None,
            row.fingerprint,
        )

    def started(self, import_id: UUID) -> None:
        """The job (again) from the first row: the counts start over, rows imported before stay."""
        with write_session(self._url) as session:
            session.execute(update(imports).where(imports.c.import_id == import_id).values(
                status="running", error=None, **dict.fromkeys(COUNTS, 0)))

    def progress(self, import_id: UUID, counts: dict[str, int]) -> None:
        with write_session(self._url) as session:
            session.execute(update(imports).where(imports.c.import_id == import_id).values(**counts))

    def finish(self, import_id: UUID, counts: dict[str, int], *, report: dict[str, Any], marked: bytes | None) -> None:
        """Done: the report and the marked workbook kept encrypted, the upload deleted."""
        with write_session(self._url) as session:
            key = self._key(session, import_id)
            session.execute(delete(import_files).where(import_files.c.import_id == import_id))
            if key is not None:
                self._put(session, import_id, key, "report", json.dumps(report).encode())
                if marked is not None:
                    self._put(session, import_id, key, "marked", marked)
            session.execute(update(imports).where(imports.c.import_id == import_id).values(
                status="done", finished_at=self._clock.now(), **counts))

    def failed(self, import_id: UUID, reason: str) -> None:
        """The job stopped on ``reason`` (no personal data in it); the upload is deleted. An import
        another run of its job finished meanwhile stays done, with its report and marked workbook."""
        with write_session(self._url) as session:
            session.execute(delete(import_files).where(import_files.c.import_id == import_id, import_files.c.kind == "upload"))
            session.execute(update(imports).where(imports.c.import_id == import_id, imports.c.status != "done").values(
                status="failed", error=reason[:500], finished_at=self._clock.now()))

    # -- its files ------------------------------------------------------------------------------------

    def _put(self, session: Session, import_id: UUID, key: bytes, kind: str, data: bytes) -> None:
        nonce = os.urandom(12)
        sealed = nonce + AESGCM(key).encrypt(nonce, data, import_id.bytes + kind.encode())
        session.execute(insert(import_files).values(import_id=import_id, kind=kind, data=sealed))

    def _key(self, session: Session, import_id: UUID) -> bytes | None:
        wrapped = session.execute(select(imports.c.wrapped_key).where(imports.c.import_id == import_id)).scalar_one_or_none()
        if wrapped is None:
            return None
        wrapped = bytes(wrapped)
        return self._master.decrypt(wrapped[:12], wrapped[12:], import_id.bytes)

    def file(self, import_id: UUID, kind: str) -> bytes | None:
        with read_session(self._url) as session:
            key = self._key(session, import_id)
            sealed = session.execute(
                select(import_files.c.data).where(import_files.c.import_id == import_id, import_files.c.kind == kind)
            ).scalar_one_or_none()
        if key is None or sealed is None:
            return None
        sealed = bytes(sealed)
        return AESGCM(key).decrypt(sealed[:12], sealed[12:], import_id.bytes + kind.encode())

    def report(self, import_id: UUID) -> dict[str, Any] | None:
        data = self.file(import_id, "report")
        return None if data is None else json.loads(data)

    # -- the rows it imported ---------------------------------------------------------------------------

    @staticmethod
    def imported_rows_of(batch: BatchTransaction, municipality: str, bsn_digests: Iterable[str]) -> dict[str, ImportedRow]:
        """The rows imported before under these BSN digests (of a batch's rows), read at once."""
        wanted = list(bsn_digests)
        if not wanted:
            return {}
        query = select(imported_rows.c.bsn_digest, imported_rows.c.import_id, imported_rows.c.row,
                       imported_rows.c.trajectory_id, imported_rows.c.cells).where(
            imported_rows.c.municipality == municipality, imported_rows.c.bsn_digest.in_(wanted))
        return {digest: ImportedRow(import_id, row, trajectory_id, json.loads(cells))
                for digest, import_id, row, trajectory_id, cells in batch.rows(query)}

    @staticmethod
    def remember_row(session: Executor, *, municipality: str, bsn_digest: str, candidate_id: UUID, trajectory_id: UUID,
                     import_id: UUID, row: int, cells: dict[str, str]) -> None:
        insert_rows(session, imported_rows, [{
            "municipality": municipality, "bsn_digest": bsn_digest, "candidate_id": candidate_id, "trajectory_id": trajectory_id,
            "import_id": import_id, "row": row, "cells": json.dumps(cells, sort_keys=True)}])


def forget_candidate(session: Session, candidate_id: UUID) -> None:
    """With a candidate's personal data: its imported row, and the key and files of every import
    that brought it in (the upload's other rows are unreadable from then on too)."""
    done = select(imported_rows.c.import_id).where(imported_rows.c.candidate_id == candidate_id)
    ids = list(session.execute(done).scalars())
    if ids:
        session.execute(delete(import_files).where(import_files.c.import_id.in_(ids)))
        session.execute(update(imports).where(imports.c.import_id.in_(ids)).values(wrapped_key=None))
    session.execute(delete(imported_rows).where(imported_rows.c.candidate_id == candidate_id))
