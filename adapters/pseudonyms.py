"""Keyed pseudonyms: the same input and key give the same pseudonym; without the key the input
cannot be recovered or confirmed by guessing."""

from __future__ import annotations

import hashlib
import hmac


class Pseudonymiser:
    def __init__(self, secret: str):
        self._key = secret.encode()

    def __call__(self, value: str, *, purpose: str = "bsn") -> str:
        return hmac.new(self._key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def candidate(self, candidate_id: object) -> str:
        """A candidate's stable pseudonym: the same in every read and log entry, unlinkable
        without the key."""
        return self(str(candidate_id), purpose="candidate")[:32]
