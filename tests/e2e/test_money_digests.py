"""Money digests: the events the money reads, one row per trajectory, agreement and claim, kept by
the money projection. Read from them (and the log after the projection's position) the money
gets exactly the events decoded from the log, a trajectory's reduced to the fields
``trajectory_facts`` reads; and the digests hold nothing of the candidate."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select

from adapters.clock import FixedClock
from adapters.database import read_session, write_session
from adapters.money.digests import money_event
from adapters.money.log import decode_log, read_log, read_scoped_log
from adapters.money.reconcile import differences
from adapters.tables import money_digests
from domain.money import TRAJECTORY_FIELDS, AsOf, LoggedEvent, MoneyScope, trajectory_facts
from tests.conftest import TODAY, own_database, test_settings
from tests.e2e.test_money_scope import MUNICIPALITIES, A, C, Population, X, build_population


def _expected(kind: str, history: list[LoggedEvent]) -> list[LoggedEvent]:
    return [e for e in (money_event(kind, e) for e in history) if e is not None]


def _assert_same(container, url: str) -> None:
    whole = decode_log(container.store)
    digested = read_log(container.store, url)
    for kind, name in (("trajectory", "trajectories"), ("agreement", "agreements"), ("claim", "claims")):
        expected = {i: _expected(kind, h) for i, h in getattr(whole, name).items()}
        found = getattr(digested, name)
        assert list(found) == list(expected), kind  # the same aggregates, in the order of the log
        for aggregate_id, history in expected.items():
            assert found[aggregate_id] == history, (kind, aggregate_id)
            for seen, wanted in zip(found[aggregate_id], history, strict=True):  # the same types, not only equal values
                assert type(seen.on) is type(wanted.on) and seen.recorded_at.tzinfo is not None
                assert {k: type(v) for k, v in seen.data.items()} == {
                    k: type(v) if not isinstance(v, str) else str for k, v in wanted.data.items()
                } or seen.data == wanted.data


def _population(tmp_path, url: str):
    from bench.generator import generate
    from leerroute.bootstrap import build

    container = build(test_settings(tmp_path, url), clock=FixedClock(TODAY))
    p = Population(container)
    ids = build_population(p)
    generate(container, routes=40, seed=3, batch=20, avoid=MUNICIPALITIES)  # none in the hand-made ones
    claim = next(c for c, (_, t) in p.claims.items() if t == p.trajectories[C][3])
    p.post(f"/v1/claims/{claim}/rejection", {"date": "2025-08-20", "reason": "bewijs ontbreekt"}, p.fund[X])
    return container, p, ids


def test_the_digests_give_the_events_decoded_from_the_log_also_with_a_tail(tmp_path):
    with own_database(tmp_path) as url:
        container, p, ids = _population(tmp_path, url)
        _assert_same(container, url)  # nothing projected yet: all of it is the tail
        container.projections.catch_up()
        _assert_same(container, url)
        with read_session(url) as session:
            assert session.execute(select(money_digests.c.aggregate_id)).first() is not None
        # Events after the projection's position, for aggregates with and without a digest.
        late = p.register(A, "2025-09-01")
        p.claim(ids["A1"], late, A, "2025-09-02")
        p.benefit(A, p.trajectories[A][1], "2025-09-01", "stopped")
        p.post(f"/v1/financing-agreements/{ids['X1']}/terms",
               {"effectiveFrom": "2025-10-01", "amountCents": 230_000, "municipalities": [C]}, p.fund[X])
        assert container.projections.lowest_position() < container.projections.log_size()
        _assert_same(container, url)
        container.projections.catch_up()
        _assert_same(container, url)
        assert differences(container.store, url, container.settings.savings_baseline) == []


def test_a_digest_that_misses_events_is_read_from_the_log_and_rewritten_by_the_projection(tmp_path):
    with own_database(tmp_path) as url:
        container, p, _ = _population(tmp_path, url)
        container.projections.catch_up()
        trajectory = p.trajectories[A][0]
        with write_session(url) as session:
            session.execute(delete(money_digests).where(money_digests.c.aggregate_id.in_(
                [UUID(p.trajectories[A][0]), UUID(p.trajectories[A][1])])))
        missing = [d for d in differences(container.store, url, container.settings.savings_baseline) if d.table == "money_digests"]
        assert len(missing) == 2  # reconcile finds them
        # A read that selects them by another read model (a municipality's) decodes them from the log.
        whole = decode_log(container.store)
        of_a = read_scoped_log(container.store, url, MoneyScope(municipality=A))
        assert set(of_a.trajectories) == {UUID(t) for t in p.trajectories[A]}
        for trajectory_id, history in of_a.trajectories.items():
            assert history == _expected("trajectory", whole.trajectories[trajectory_id])
        p.benefit(A, trajectory, "2025-09-01", "resumed", 40_000)
        container.projections.catch_up()
        found = [d for d in differences(container.store, url, container.settings.savings_baseline) if d.table == "money_digests"]
        assert len(found) == 1 and str(found[0].key[0]) == str(p.trajectories[A][1])  # only the untouched one
        container.projections.rebuild("money")
        assert differences(container.store, url, container.settings.savings_baseline) == []
        _assert_same(container, url)


class _Reading(dict):
    """Event data that records which fields are read."""

    def __init__(self, data: dict[str, Any], read: set[str]) -> None:
        super().__init__(data)
        self.read = read

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)


def test_trajectory_facts_read_only_the_events_and_fields_the_digests_keep(tmp_path):
    with own_database(tmp_path) as url:
        container, _, _ = _population(tmp_path, url)
        whole = decode_log(container.store)
        names = {e.name for h in whole.trajectories.values() for e in h}
        assert names > set(TRAJECTORY_FIELDS)  # the population has events the money does not read
        moments = [AsOf(date(2024, 6, 30)), AsOf(date(2025, 6, 30)), AsOf(TODAY.date()),
                   AsOf(TODAY.date(), datetime(2020, 1, 1, tzinfo=UTC))]
        for trajectory_id, history in whole.trajectories.items():
            read: dict[str, set[str]] = {}
            watched = [LoggedEvent(e.name, e.on, e.recorded_at, _Reading(e.data, read.setdefault(e.name, set())))
                       for e in history]
            kept = _expected("trajectory", history)
            for as_of in moments:
                assert trajectory_facts(trajectory_id, watched, as_of, "R") == trajectory_facts(trajectory_id, kept, as_of, "R")
            for name, fields in read.items():
                assert fields <= set(TRAJECTORY_FIELDS.get(name, ())), (name, fields)
            # An event the money does not read changes no fact: the digest leaves it out.
            assert {e.name for e in history if e.name not in TRAJECTORY_FIELDS}.isdisjoint(
                {n for n, f in read.items() if f})


def test_the_digests_hold_nothing_of_the_candidate(tmp_path):
    with own_database(tmp_path) as url:
        container, p, _ = _population(tmp_path, url)
        container.projections.catch_up()
        with read_session(url) as session:
            rows = session.execute(select(money_digests.c.kind, money_digests.c.events)).all()
        text = " ".join(events for _, events in rows)
        assert {kind for kind, _ in rows} == {"trajectory", "agreement", "claim"}
        for word in ("candidate", "Haddad", "Amal", "1990-03-04", "bsn", "explanation", "description", "summary"):
            assert word not in text, word
        for trajectory in (t for ts in p.trajectories.values() for t in ts):
            candidate = container.store.aggregate(trajectory).candidate_id
            assert str(candidate) not in text and candidate.hex not in text


def test_the_migration_has_the_money_projection_replay_the_log_into_the_digests_and_goes_back(tmp_path):
    from alembic import command
    from sqlalchemy import inspect

    from adapters.migrations import alembic_config
    from adapters.tables import money_agreements, projection_positions

    with own_database(tmp_path) as url:
        container, _, _ = _population(tmp_path, url)
        container.projections.catch_up()
        with read_session(url) as session:
            agreements = session.execute(select(money_agreements).order_by(money_agreements.c.agreement_id)).all()

        config = alembic_config(url)
        command.downgrade(config, "0006")
        with read_session(url) as session:
            assert "money_digests" not in inspect(session.get_bind()).get_table_names()
        command.upgrade(config, "head")
        with read_session(url) as session:
            assert session.execute(select(money_digests)).first() is None
            assert session.execute(select(projection_positions.c.position)
                                   .where(projection_positions.c.name == "money")).first() is None
        _assert_same(container, url)  # all of the log is the tail until the projection has replayed it

        container.projections.catch_up()  # the money projection replays the log from the start
        with read_session(url) as session:
            assert session.execute(select(money_agreements).order_by(money_agreements.c.agreement_id)).all() == agreements
        assert differences(container.store, url, container.settings.savings_baseline) == []
        _assert_same(container, url)
