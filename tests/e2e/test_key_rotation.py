"""Rotating the master key of personal data while leerroute runs: a `leerroute keys rotate`
process killed halfway (SIGKILL), then run again, under concurrent reads, registrations and
erasures. Every candidate stays readable throughout and afterwards under the new master key
alone; erased ones stay unreadable; a run when all is done changes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from uuid import UUID

from sqlalchemy import select, text

from adapters.clock import FixedClock
from adapters.database import get_engine, is_sqlite, write_session
from adapters.personal_data import MasterKey, PersonalDataVault
from adapters.tables import candidate_keys
from domain import commands as c
from domain.candidate import Candidate, PersonalData
from domain.values import Actor, Role, TargetGroup
from tests.conftest import TODAY, new_bsn, test_settings
from tests.e2e.test_projection_failures import cli

OLD = "old-master-key-" + "o" * 40
NEW = "new-master-key-" + "n" * 40
KM = Actor(subject="km-1", role=Role.KLANTMANAGER, organisation="GM0363")
OFFICER = Actor(subject="po-1", role=Role.PRIVACY_OFFICER, organisation="GM0363")
ROOT = Path(__file__).resolve().parents[2]


def register(container, family: str) -> UUID:
    person = PersonalData(bsn=new_bsn(), given_names="Amal", family_name=family, birth_date=date(1990, 3, 4))
    command = c.RegisterTrajectory(actor=KM, on=date(2026, 1, 5), person=person, target_group=TargetGroup.STATUSHOUDER)
    return container.service.handle(command).aggregate.id


def erase(container, trajectory_id: UUID) -> None:
    container.service.handle(c.EraseCandidate(actor=OFFICER, on=date(2026, 11, 20), trajectory_id=trajectory_id))


def family_name(container, trajectory_id: UUID) -> str | None:
    read = container.queries.trajectory(KM, trajectory_id, trace_id="rotation-test")
    return read.candidate.person.family_name if read.candidate.person else None


@contextmanager
def writes_held(url: str) -> Iterator[None]:
    """Hold the candidate keys still: a rotating process waits for its next batch."""
    with write_session(url) as session:  # on SQLite: BEGIN IMMEDIATE, the write lock of the file
        if not is_sqlite(url):
            session.execute(text("LOCK TABLE candidate_keys IN EXCLUSIVE MODE"))
        yield


def test_rotation_killed_halfway_and_resumed_under_concurrent_reads_and_writes(fresh_database: str, tmp_path: Path):
    from leerroute.bootstrap import build

    url = fresh_database
    before = build(test_settings(tmp_path, url, REDIS_URL=None, LEERROUTE_PERSONAL_DATA_SECRET=OLD), clock=FixedClock(TODAY))
    people = {register(before, f"Haddad-{i}"): f"Haddad-{i}" for i in range(90)}
    erased = set(list(people)[:10])
    for trajectory_id in erased:
        erase(before, trajectory_id)

    # Every process now runs with the new master key, the old one still accepted.
    during = build(
        test_settings(tmp_path, url, REDIS_URL=None, LEERROUTE_PERSONAL_DATA_SECRET=NEW, LEERROUTE_PERSONAL_DATA_PREVIOUS_SECRETS=OLD),
        clock=FixedClock(TODAY),
    )
    stop = threading.Event()
    problems: list[str] = []
    written: dict[UUID, str] = {}
    erased_during: set[UUID] = set()

    def reader() -> None:
        while not stop.is_set():
            for trajectory_id, family in list(people.items())[::7]:
                try:
                    got = family_name(during, trajectory_id)
                except Exception as error:
                    problems.append(f"read {trajectory_id}: {error!r}")
                    continue
                expected = None if trajectory_id in erased or trajectory_id in erased_during else family
                if got != expected and not (trajectory_id in erased_during and got == family):
                    problems.append(f"read {trajectory_id}: {got!r}, expected {expected!r}")

    def writer() -> None:
        victims = [t for t in people if t not in erased][-20:]
        n = 0
        while not stop.is_set() and n < 60:
            try:
                trajectory_id = register(during, f"Nieuw-{n}")
                written[trajectory_id] = f"Nieuw-{n}"
                if victims and n % 3 == 0:
                    victim = victims.pop()
                    erased_during.add(victim)
                    erase(during, victim)
            except Exception as error:
                problems.append(f"write: {error!r}")
            n += 1

    threads = [threading.Thread(target=reader), threading.Thread(target=writer)]
    for thread in threads:
        thread.start()
    env = {
        **os.environ, "DATABASE_URL": url, "REDIS_URL": "", "LEERROUTE_DATA_DIR": str(tmp_path),
        "LEERROUTE_PERSONAL_DATA_SECRET": NEW, "LEERROUTE_PERSONAL_DATA_PREVIOUS_SECRETS": OLD,
        "LEERROUTE_JWT_SECRET": "j" * 40, "LEERROUTE_PSEUDONYM_SECRET": during.settings.effective_pseudonym_secret,
    }
    command = [sys.executable, "-u", "-m", "leerroute.cli", "keys", "rotate", "--batch-size", "3"]
    old_id = MasterKey(OLD).id
    try:
        part = cli(env, "keys", "rotate", "--batch-size", "3", "--limit", "30")
        assert part.exit_code == 0 and "re-wrapped 30 candidate keys; " in part.output, part.output
        with writes_held(url):  # the next rotation waits for its first batch: it is killed there, mid-way
            rotating = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            assert rotating.stdout is not None
            first = rotating.stdout.readline()
            assert "candidate keys to re-wrap" in first, first + rotating.stdout.read()
            rotating.send_signal(signal.SIGKILL)
            rotating.wait(timeout=60)
        with get_engine(url).connect() as connection:
            left = connection.execute(select(candidate_keys).where(candidate_keys.c.master_key_id == old_id)).all()
        assert 0 < len(left) < len(people) - 30, "the rotation was stopped halfway"

        resumed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        assert f"wrapped by master key {during.vault.current_key_id}" in resumed.stdout
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    assert not problems, problems[:5]
    assert written and erased_during

    # The new master key alone opens every candidate's key; the erased stay unreadable.
    after = build(test_settings(tmp_path, url, REDIS_URL=None, LEERROUTE_PERSONAL_DATA_SECRET=NEW), clock=FixedClock(TODAY))
    gone = erased | erased_during
    for trajectory_id, family in {**people, **written}.items():
        assert family_name(after, trajectory_id) == (None if trajectory_id in gone else family), trajectory_id
    only_new = PersonalDataVault(url, NEW)
    with get_engine(url).connect() as connection:
        masters = {row.master_key_id for row in connection.execute(select(candidate_keys.c.master_key_id))}
        assert masters == {only_new.current_key_id}
    for trajectory_id in gone:
        trajectory = after.store.aggregate(trajectory_id)
        registered = after.store.history(trajectory.candidate_id)[0]
        assert only_new.open(trajectory.candidate_id, registered.sealed) is None
        assert PersonalDataVault(url, OLD).open(trajectory.candidate_id, registered.sealed) is None
        assert isinstance(after.store.aggregate(trajectory.candidate_id), Candidate)

    # Once more: nothing left to do, nothing changes.
    with get_engine(url).connect() as connection:
        wrapped = dict(connection.execute(select(candidate_keys.c.candidate_id, candidate_keys.c.wrapped_key)).tuples().all())
    again = cli(env, "keys", "rotate")
    assert again.exit_code == 0 and "re-wrapped 0 candidate keys" in again.output, again.output
    with get_engine(url).connect() as connection:
        assert dict(connection.execute(select(candidate_keys.c.candidate_id, candidate_keys.c.wrapped_key)).tuples().all()) == wrapped
    status = cli(env, "keys", "status")
    assert status.exit_code == 0 and f"{only_new.current_key_id}: " in status.output, status.output


def test_a_key_wrapped_by_a_master_key_no_longer_configured_is_named_not_misread(fresh_database: str, tmp_path: Path):
    from leerroute.bootstrap import build

    before = build(test_settings(tmp_path, fresh_database, REDIS_URL=None, LEERROUTE_PERSONAL_DATA_SECRET=OLD), clock=FixedClock(TODAY))
    trajectory_id = register(before, "Haddad")
    too_early = build(test_settings(tmp_path, fresh_database, REDIS_URL=None, LEERROUTE_PERSONAL_DATA_SECRET=NEW), clock=FixedClock(TODAY))
    try:
        family_name(too_early, trajectory_id)
    except Exception as error:
        assert "LEERROUTE_PERSONAL_DATA_PREVIOUS_SECRETS" in str(error)
    else:
        raise AssertionError("a key wrapped by an unknown master key was read")
