"""The ``route_models`` table and the port on it, on a real database: version 1 published once
however many processes start, a publication visible to the next transaction (and to reads
outside one), and nothing of a refused publication written."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from adapters import migrations
from adapters.clock import FixedClock
from adapters.database import read_session
from adapters.tables import route_models
from domain import route_model_commands as rm
from domain.errors import RuleViolation
from domain.route_model import baseline_model, model_to_dict
from domain.route_models import BASELINE_MODEL_ID, STARTUP_ACTOR, ModelStatus, model_id_of
from domain.values import Actor, Role
from tests.conftest import TODAY, own_database, test_settings

APT = Actor("apt-1", Role.PROCESREGIE, "APT")
ON = date(2026, 11, 20)


def _rows(url: str) -> list[tuple]:
    with read_session(url) as session:
        t = route_models
        return [tuple(r) for r in session.execute(select(t.c.version, t.c.kind, t.c.status, t.c.valid_from, t.c.valid_until)
                                                  .order_by(t.c.version))]


def test_version_one_is_published_once_by_processes_starting_together(tmp_path):
    from leerroute.bootstrap import build

    with own_database(tmp_path) as url:
        migrations.upgrade(url)
        containers = [build(test_settings(tmp_path, url), clock=FixedClock(TODAY), migrate=False) for _ in range(3)]
        errors: list[BaseException] = []
        start = threading.Barrier(len(containers))

        def publish(container) -> None:
            start.wait()
            try:
                container.service.handle(rm.PublishBaselineModel(actor=STARTUP_ACTOR, on=ON))
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=publish, args=(c,)) for c in containers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors
        assert containers[0].store.history(BASELINE_MODEL_ID)[-1].__class__.__name__ == "RouteModelPublished"
        assert len(containers[0].store.history(BASELINE_MODEL_ID)) == 2
        build(test_settings(tmp_path, url), clock=FixedClock(TODAY))  # a later start records nothing
        assert _rows(url) == [(1, "national", "published", date(2000, 1, 1), None)]


def test_a_publication_is_what_the_next_transaction_and_the_reads_see(tmp_path):
    from leerroute.bootstrap import build

    with own_database(tmp_path) as url:
        container = build(test_settings(tmp_path, url), clock=FixedClock(TODAY))
        content = model_to_dict(baseline_model(container.settings.milestone_terms))
        content["terms"]["stallWeeks"] = 10
        container.service.handle(rm.DraftRouteModel(actor=APT, on=ON, content=content, valid_from=date(2027, 1, 1)))
        before = container.route_models.in_force(None, date(2027, 1, 1))
        assert before.model_id == BASELINE_MODEL_ID
        container.service.handle(rm.PublishRouteModel(actor=APT, on=ON, model_version=2))
        with container.unit_of_work() as uow:
            in_session = uow.route_models.in_force(None, date(2027, 1, 1))
            assert in_session.model_id == model_id_of(2) and in_session.terms.stall_weeks == 10
            assert uow.route_models.in_force(None, date(2026, 12, 31)).model_id == BASELINE_MODEL_ID
        assert container.route_models.in_force(None, date(2027, 1, 1)) == in_session
        assert _rows(url) == [(1, "national", str(ModelStatus.SUCCEEDED), date(2000, 1, 1), date(2026, 12, 31)),
                              (2, "national", "published", date(2027, 1, 1), None)]


def test_a_refused_publication_writes_nothing(tmp_path):
    from leerroute.bootstrap import build

    with own_database(tmp_path) as url:
        container = build(test_settings(tmp_path, url), clock=FixedClock(TODAY))
        content = model_to_dict(baseline_model(container.settings.milestone_terms))
        container.service.handle(rm.DraftRouteModel(actor=APT, on=ON, content=content, valid_from=date(1999, 1, 1),
                                                    valid_until=date(2001, 1, 1)))
        log_size = container.store.log_size()
        rows = _rows(url)
        with pytest.raises(RuleViolation) as caught:
            container.service.handle(rm.PublishRouteModel(actor=APT, on=ON, model_version=2))
        assert caught.value.rule == "validity-periods-do-not-overlap"
        assert container.store.log_size() == log_size and _rows(url) == rows
        with read_session(url) as session:
            assert session.execute(select(func.count()).select_from(route_models)).scalar() == 2
