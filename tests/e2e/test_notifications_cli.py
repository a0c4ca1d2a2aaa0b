"""`leerroute notifications status` and `deliver` on a database of their own."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.e2e.notification_world import make_world
from tests.notifications.receiver import Receiver


@pytest.fixture
def world(fresh_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    w, client = make_world(fresh_database, tmp_path)
    settings = w.container.settings
    for key, value in {"DATABASE_URL": fresh_database, "LEERROUTE_DATA_DIR": str(tmp_path),
                       "LEERROUTE_PERSONAL_DATA_SECRET": settings.personal_data_secret,
                       "LEERROUTE_PSEUDONYM_SECRET": settings.pseudonym_secret}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("REDIS_URL", raising=False)
    yield w
    client.__exit__(None, None, None)


def _cli(*args: str) -> tuple[int, str]:
    from leerroute.cli import cli

    result = CliRunner().invoke(cli, ["notifications", *args], env={"COLUMNS": "250"})
    return result.exit_code, result.output


def test_status_shows_the_lag_then_deliver_catches_up(world):
    receiver = Receiver()
    subscription = world.subscribe("klantmanager", "GM0363", receiver, ["nl.leerroute.trajectory.registered"])
    world.route("GM0363", ["11111111"])
    world.container.projections.catch_up()
    code, output = _cli("status")
    assert code == 0, output
    assert subscription["id"] in output and "GM0363 (klantmanager)" in output and "active" in output
    code, output = _cli("deliver")
    assert code == 0 and "delivered 1 notifications" in output, output
    assert [e["type"] for e in receiver.events()] == ["nl.leerroute.trajectory.registered"]
    code, output = _cli("status", "--subscription", subscription["id"], "--follow", "5")
    assert code == 0 and "recent attempts" in output and "204" in output, output
    code, output = _cli("status", "--subscription", "nope")
    assert code != 0
