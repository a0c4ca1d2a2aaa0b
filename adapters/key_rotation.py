"""Rotation of the master key of personal data, while the service runs.

Batch by batch, each in a transaction of its own, the candidate keys not yet wrapped by the
current master key are re-wrapped by it (``PersonalDataVault.rotate_batch``). A rotation that is
stopped (even killed) loses nothing: every committed batch is done, the rest is still wrapped by
a previous master key that the vault accepts, and the next run goes on from there. A run when
all is done changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from adapters.database import read_session, write_session
from adapters.personal_data import PersonalDataVault


def remaining(url: str, vault: PersonalDataVault) -> int:
    with read_session(url) as session:
        return sum(n for master, n in vault.keys_by_master(session).items() if master != vault.current_key_id)


def rotate(
    url: str, vault: PersonalDataVault, *, batch_size: int = 200, limit: int | None = None,
    on_batch: Callable[[int, int], None] | None = None,
) -> int:
    """Re-wrap every candidate key (at most ``limit``) under the current master key; returns
    how many were re-wrapped. ``on_batch(done so far, still to do)`` after each committed batch."""
    done = 0
    while limit is None or done < limit:
        with write_session(url) as session:
            count = vault.rotate_batch(session, batch_size if limit is None else min(batch_size, limit - done))
        if count == 0:
            break
        done += count
        if on_batch is not None:
            on_batch(done, remaining(url, vault))
    return done
