"""The event store reads a command's aggregate on the command's own connection: by its id as a
UUID or as the id's text, alone or several at once."""

from __future__ import annotations

from adapters.clock import FixedClock
from adapters.database import write_session
from bench.generator import generate
from tests.conftest import TODAY, own_database, test_settings


def test_histories_are_read_by_uuid_or_by_its_text_alone_or_together(tmp_path):
    from leerroute.bootstrap import build

    with own_database(tmp_path) as url:
        container = build(test_settings(tmp_path, url), clock=FixedClock(TODAY))
        generate(container, routes=3, seed=7, batch=3)
        store = container.store
        ids = [notification.originator_id for notification in store.recorder.select_notifications(1, 50)]
        first, second = ids[0], next(i for i in ids if i != ids[0])
        with write_session(url) as session:
            alone = store.events_in(session, [first])
            as_text = store.events_in(session, [str(first)])
            together = store.events_in(session, [first, str(second)])
        assert alone[first] and [e.originator_version for e in alone[first]] == list(range(1, len(alone[first]) + 1))
        assert [e.originator_version for e in as_text[first]] == [e.originator_version for e in alone[first]]
        assert set(together) == {first, second}
        assert [e.originator_version for e in together[first]] == [e.originator_version for e in alone[first]]
        assert together[second]
