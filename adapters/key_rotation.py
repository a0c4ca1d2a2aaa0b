"""Rotation of the master key of personal data, while the service runs.

Batch by batch, each in a transaction of its own, the candidate keys not yet wrapped by the
current master key are re-wrapped by it (``PersonalDataVault.rotate_batch``). A rotation that is
stopped (even killed) loses nothing: every committed batch is done, the rest is still wrapped by
a previous master key that the vault accepts, and the next run goes on from there. A run when
all is done changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from adapters.database import read_session, scrub_deleted_data, write_session
from adapters.personal_data import PersonalDataVault


def remaining(url: str, vault: PersonalDataVault) -> int:
    with read_session(url) as session:
        return sum(n for master, n in vault.keys_by_master(session).items() if master != vault.current_key_id)


def rotate(url: str, vault: PersonalDataVault, *, batch_size: int = 200, on_batch: Callable[[int, int], None] | None = None) -> int:
    """Re-wrap every candidate key under the current master key; returns how many were
    re-wrapped. ``on_batch(done so far, still to do)`` after each committed batch."""
    done = 0
    while True:
        with write_session(url) as session:
            count = vault.rotate_batch(session, batch_size)
        if count == 0:
            break
        done += count
        if on_batch is not None:
            on_batch(done, remaining(url, vault))
    scrub_deleted_data(url)  # no page with a key wrapped by the old master key stays in SQLite's WAL
    return done
