"""Key storage for personal data: one AES-256-GCM key per candidate, wrapped by a master key.

``seal`` creates the candidate's key in the caller's transaction and encrypts the personal data
with it (the candidate id is bound in as associated data, so sealed data cannot be moved to
another candidate). ``destroy`` deletes the key: what was sealed with it is then unreadable
everywhere it was copied, the event store included. The master key
(``LEERROUTE_PERSONAL_DATA_SECRET``) never lies in the database.

``candidate_lookup`` holds, per municipality, a keyed hash of each BSN and the candidate it
belongs to: the duplicate check at registration and the search by BSN, without a BSN stored.
"""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, date, datetime
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from adapters.database import read_session
from adapters.tables import candidate_keys, candidate_lookup
from domain.candidate import PersonalData

_PREFIX = "aesgcm1."


class SealedDataUnreadable(Exception):
    """The sealed data does not belong to this candidate or was altered."""


class PersonalDataVault:
    def __init__(self, database_url: str, master_secret: str):
        if len(master_secret) < 32:
            raise ValueError("the personal data secret needs at least 32 characters")
        self._url = database_url
        self._master = AESGCM(
            HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"leerroute candidate key wrapping").derive(master_secret.encode())
        )

    # -- keys -------------------------------------------------------------------------------------

    def seal(self, session: Session, candidate_id: UUID, person: PersonalData) -> str:
        """Create the candidate's key (in ``session``) and encrypt ``person`` with it."""
        key = AESGCM.generate_key(bit_length=256)
        wrap_nonce = os.urandom(12)
        wrapped = wrap_nonce + self._master.encrypt(wrap_nonce, key, candidate_id.bytes)
        session.execute(
            insert(candidate_keys).values(candidate_id=candidate_id, wrapped_key=wrapped, created_at=datetime.now(UTC))
        )
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
        query = select(candidate_keys.c.wrapped_key).where(candidate_keys.c.candidate_id == candidate_id)
        if session is not None:
            wrapped = session.execute(query).scalar_one_or_none()
        else:
            with read_session(self._url) as own:
                wrapped = own.execute(query).scalar_one_or_none()
        if wrapped is None:
            return None
        wrapped = bytes(wrapped)
        return self._master.decrypt(wrapped[:12], wrapped[12:], candidate_id.bytes)

    # -- lookup by BSN ------------------------------------------------------------------------------

    def find(self, municipality: str, bsn_digest: str, *, session: Session | None = None) -> UUID | None:
        query = select(candidate_lookup.c.candidate_id).where(
            candidate_lookup.c.municipality == municipality, candidate_lookup.c.bsn_digest == bsn_digest
        )
        if session is not None:
            return session.execute(query).scalar_one_or_none()
        with read_session(self._url) as own:
            return own.execute(query).scalar_one_or_none()

    def remember(self, session: Session, municipality: str, bsn_digest: str, candidate_id: UUID) -> None:
        """Record the candidate under its BSN digest; a second one in the municipality collides."""
        session.execute(insert(candidate_lookup).values(municipality=municipality, bsn_digest=bsn_digest, candidate_id=candidate_id))
