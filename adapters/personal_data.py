"""Key storage for personal data: one AES-256-GCM key per candidate, wrapped by a master key.

``seal`` creates the candidate's key in the caller's transaction and encrypts the personal data
with it (the candidate id is bound in as associated data, so sealed data cannot be moved to
another candidate). ``destroy`` deletes the key: what was sealed with it is then unreadable
everywhere it was copied, the event store included. The master key
(``LEERROUTE_PERSONAL_DATA_SECRET``) never lies in the database.

Master keys rotate (``rotate_batch``, run by ``leerroute keys rotate``): each wrapped key
records the id of the master key that wrapped it; new keys are wrapped by the current master
key, and keys wrapped by one of the previous master keys
(``LEERROUTE_PERSONAL_DATA_PREVIOUS_SECRETS``) are still opened until they are re-wrapped.

``candidate_lookup`` holds, per municipality, a keyed hash of each BSN and the candidate it
belongs to: the duplicate check at registration and the search by BSN, without a BSN stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Sequence
from datetime import UTC, date, datetime
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.orm import Session

from adapters.database import Executor, insert_rows, read_session
from adapters.tables import candidate_keys, candidate_lookup
from domain.candidate import PersonalData

_PREFIX = "aesgcm1."


class SealedDataUnreadable(Exception):
    """The sealed data does not belong to this candidate or was altered."""


class MasterKey:
    """A master key: the AES-GCM key derived from the secret, and its id (a keyed digest of the
    secret, which says nothing of it)."""

    def __init__(self, secret: str):
        if len(secret) < 32:
            raise ValueError("the personal data secret needs at least 32 characters")
        self.id = hmac.new(secret.encode(), b"leerroute master key id", hashlib.sha256).hexdigest()[:16]
        self.aead = AESGCM(
            HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"leerroute candidate key wrapping").derive(secret.encode())
        )

    def wrap(self, candidate_id: UUID, key: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self.aead.encrypt(nonce, key, candidate_id.bytes)

    def unwrap(self, candidate_id: UUID, wrapped: bytes) -> bytes:
        return self.aead.decrypt(wrapped[:12], wrapped[12:], candidate_id.bytes)


class PersonalDataVault:
    def __init__(self, database_url: str, master_secret: str, previous_secrets: Sequence[str] = ()):
        self._url = database_url
        self._current = MasterKey(master_secret)
        self._keys = {self._current.id: self._current}
        for secret in previous_secrets:
            key = MasterKey(secret)
            self._keys.setdefault(key.id, key)

    @property
    def current_key_id(self) -> str:
        return self._current.id

    @property
    def key_ids(self) -> list[str]:
        """The ids of every configured master key, the current one first."""
        return list(self._keys)

    # -- keys -------------------------------------------------------------------------------------

    def seal(self, session: Executor, candidate_id: UUID, person: PersonalData) -> str:
        """Create the candidate's key (in ``session``) and encrypt ``person`` with it."""
        key = AESGCM.generate_key(bit_length=256)
        insert_rows(session, candidate_keys, [{
            "candidate_id": candidate_id, "wrapped_key": self._current.wrap(candidate_id, key), "created_at": datetime.now(UTC),
            "master_key_id": self._current.id,
        }])
        plain = json.dumps(
            {"bsn": person.bsn, "givenNames": person.given_names, "familyName": person.family_name, "birthDate": person.birth_date.isoformat()}
        ).encode()
        nonce = os.urandom(12)
        return _PREFIX + base64.urlsafe_b64encode(nonce + AESGCM(key).encrypt(nonce, plain, candidate_id.bytes)).decode()

    def open(self, candidate_id: UUID, sealed: str | None, *, session: Session | None = None) -> PersonalData | None:
        """The personal data, or None when the candidate's key was destroyed (erased)."""
        if sealed is None:
            return None
        key = self._key(candidate_id, session)
        if key is None:
            return None
        if not sealed.startswith(_PREFIX):
            raise SealedDataUnreadable(f"candidate {candidate_id}: unknown sealing format")
        raw = base64.urlsafe_b64decode(sealed[len(_PREFIX):])
        try:
            plain = AESGCM(key).decrypt(raw[:12], raw[12:], candidate_id.bytes)
        except InvalidTag:
            raise SealedDataUnreadable(f"candidate {candidate_id}: the sealed data was altered or is not this candidate's") from None
        data = json.loads(plain)
        return PersonalData(
            bsn=data["bsn"], given_names=data["givenNames"], family_name=data["familyName"], birth_date=date.fromisoformat(data["birthDate"])
        )

    def destroy(self, session: Session, candidate_id: UUID) -> None:
        session.execute(delete(candidate_keys).where(candidate_keys.c.candidate_id == candidate_id))
        session.execute(delete(candidate_lookup).where(candidate_lookup.c.candidate_id == candidate_id))

    def _key(self, candidate_id: UUID, session: Session | None) -> bytes | None:
        k = candidate_keys
        query = select(k.c.wrapped_key, k.c.master_key_id).where(k.c.candidate_id == candidate_id)
        if session is not None:
            row = session.execute(query).first()
        else:
            with read_session(self._url) as own:
                row = own.execute(query).first()
        if row is None:
            return None
        return self._unwrap(candidate_id, bytes(row.wrapped_key), row.master_key_id)

    def _unwrap(self, candidate_id: UUID, wrapped: bytes, master_key_id: str | None) -> bytes:
        """Unwrap with the master key that wrapped it; a key of before master key ids (None)
        with whichever configured master key opens it."""
        if master_key_id is not None:
            master = self._keys.get(master_key_id)
            if master is None:
                raise SealedDataUnreadable(
                    f"candidate {candidate_id}: its key is wrapped by master key {master_key_id}, which is not configured"
                    " (add it to LEERROUTE_PERSONAL_DATA_PREVIOUS_SECRETS until `leerroute keys rotate` has finished)"
                )
            return master.unwrap(candidate_id, wrapped)
        for master in self._keys.values():
            try:
                return master.unwrap(candidate_id, wrapped)
            except InvalidTag:
                continue
        raise SealedDataUnreadable(f"candidate {candidate_id}: no configured master key opens its key")

    # -- rotation of the master key -------------------------------------------------------------------

    def rotate_batch(self, session: Session, batch_size: int) -> int:
        """Re-wrap up to ``batch_size`` candidate keys not wrapped by the current master key, in
        ``session`` (locked on PostgreSQL, so an erasure of the same candidate waits or goes
        first); returns how many. The candidate keys themselves stay the same, so sealed data
        stays as it is."""
        k = candidate_keys
        query = (
            select(k.c.candidate_id, k.c.wrapped_key, k.c.master_key_id)
            .where(or_(k.c.master_key_id.is_(None), k.c.master_key_id != self._current.id))
            .order_by(k.c.candidate_id)
            .limit(batch_size)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        rows = session.execute(query).all()
        for row in rows:
            key = self._unwrap(row.candidate_id, bytes(row.wrapped_key), row.master_key_id)
            session.execute(
                update(k).where(k.c.candidate_id == row.candidate_id)
                .values(wrapped_key=self._current.wrap(row.candidate_id, key), master_key_id=self._current.id)
            )
        return len(rows)

    def keys_by_master(self, session: Session) -> dict[str | None, int]:
        """How many candidate keys each master key wraps (None: wrapped before master key ids)."""
        k = candidate_keys
        return {mid: int(n) for mid, n in session.execute(select(k.c.master_key_id, func.count()).group_by(k.c.master_key_id))}

    # -- lookup by BSN ------------------------------------------------------------------------------

    @staticmethod
    def lookup(municipality: str, bsn_digest: str) -> Select[tuple[UUID]]:
        """The query of the candidate registered under a BSN digest in a municipality."""
        return select(candidate_lookup.c.candidate_id).where(
            candidate_lookup.c.municipality == municipality, candidate_lookup.c.bsn_digest == bsn_digest
        )

    def find(self, municipality: str, bsn_digest: str, *, session: Session | None = None) -> UUID | None:
        query = self.lookup(municipality, bsn_digest)
        if session is not None:
            return session.execute(query).scalar_one_or_none()
        with read_session(self._url) as own:
            return own.execute(query).scalar_one_or_none()

    def remember(self, session: Executor, municipality: str, bsn_digest: str, candidate_id: UUID) -> None:
        """Record the candidate under its BSN digest; a second one in the municipality collides."""
        insert_rows(session, candidate_lookup, [{"municipality": municipality, "bsn_digest": bsn_digest, "candidate_id": candidate_id}])
