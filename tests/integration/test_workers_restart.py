"""The workers of one process stopped and started again (the benchmark does so, and so may an
embedding application): one dramatiq worker on the broker, and a message sent after the restart
is handled."""

from __future__ import annotations

from fastapi.testclient import TestClient

from adapters.clock import FixedClock
from tests.conftest import TODAY, Tokens, own_database, registration, test_settings
from workers.actors import PROJECTIONS_QUEUE


def test_workers_started_again_leave_one_worker_on_the_broker_and_handle_what_is_sent(tmp_path):
    from api.main import create_app
    from leerroute.bootstrap import build

    with own_database(tmp_path) as url:
        settings = test_settings(tmp_path, url, REDIS_URL=None, LEERROUTE_CATCH_UP_SECONDS=3600)
        container = build(settings, clock=FixedClock(TODAY))
        workers = container.workers
        for _ in range(3):
            workers.start(policies=False)
            workers.stop()
        workers.start(policies=False)
        try:
            on_broker = [m for m in workers.broker.middleware if type(m).__name__ == "_WorkerMiddleware"]
            assert len(on_broker) == 1 and on_broker[0].worker is workers._worker
            with TestClient(create_app(container, run_worker=False)) as api:
                created = api.post("/v1/trajectories", json=registration(), headers=Tokens(container).klantmanager("GM0363"))
            assert created.status_code == 201, created.text
            # The periodic catch-up waits an hour: only the write's message brings the read models up.
            workers.broker.join(PROJECTIONS_QUEUE, timeout=30_000)
            assert container.projections.lowest_position() >= int(created.headers["Leerroute-Log-Position"])
        finally:
            workers.stop()
