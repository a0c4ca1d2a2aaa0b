"""`leerroute money reconcile` re-derives the money read models from the log, reports every
difference from the stored rows, and `--repair` makes them equal again."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from adapters.clock import FixedClock
from adapters.database import write_session
from adapters.tables import money_agreements, money_claims, money_saving_periods
from tests.conftest import TODAY, registration, test_settings


def test_reconcile_reports_tampered_figures_and_repair_restores_them(fresh_database: str, tmp_path: Path, tokens):
    from api.main import create_app
    from leerroute.bootstrap import build
    from leerroute.cli import cli

    settings = test_settings(tmp_path, fresh_database, REDIS_URL=None)
    container = build(settings, clock=FixedClock(TODAY))
    km_headers = {"Authorization": tokens.klantmanager("GM0363")["Authorization"]}
    with TestClient(create_app(container, run_worker=False)) as api:
        agreement = api.post("/v1/financing-agreements", headers=km_headers, json={
            "kind": "start", "trigger": "registered", "validFrom": "2025-01-01", "concludedOn": "2025-01-01",
            "terms": {"amountCents": 99999},
        })
        assert agreement.status_code == 201, agreement.text
        trajectory = api.post("/v1/trajectories", json=registration(registered_on="2026-01-05"), headers=km_headers).json()["id"]
        api.post(f"/v1/trajectories/{trajectory}/benefit-changes", headers=km_headers,
                 json={"date": "2026-02-01", "kind": "reduced", "monthlyAmountCents": 50000})
        claim = api.post("/v1/claims", headers=km_headers,
                         json={"agreementId": agreement.json()["id"], "trajectoryId": trajectory, "filedOn": "2026-01-10"})
        assert claim.status_code == 201, claim.text
    container.projections.catch_up()

    env = {
        "DATABASE_URL": fresh_database, "LEERROUTE_DATA_DIR": str(tmp_path), "REDIS_URL": "",
        "LEERROUTE_JWT_SECRET": settings.jwt_secret, "LEERROUTE_PSEUDONYM_SECRET": settings.pseudonym_secret,
        "LEERROUTE_PERSONAL_DATA_SECRET": settings.personal_data_secret,
    }
    runner = CliRunner()
    clean = runner.invoke(cli, ["money", "reconcile"], env=env)
    assert clean.exit_code == 0, clean.output
    assert "equal the log" in clean.output

    with write_session(fresh_database) as session:
        session.execute(update(money_claims).values(amount_cents=money_claims.c.amount_cents + 1))
        session.execute(update(money_saving_periods).values(paid_cents=1))
        session.execute(delete(money_agreements))

    found = runner.invoke(cli, ["money", "reconcile"], env=env)
    assert found.exit_code == 1, found.output
    assert "money_claims" in found.output and "amount_cents: stored 100000, derived from the log 99999" in found.output
    assert "money_saving_periods" in found.output and "paid_cents: stored 1, derived from the log 50000" in found.output
    assert f"money_agreements {agreement.json()['id']} (row): stored None" in found.output
    assert "3 differences" in found.output

    repaired = runner.invoke(cli, ["money", "reconcile", "--repair"], env=env)
    assert repaired.exit_code == 0, repaired.output
    assert "repaired" in repaired.output
    with write_session(fresh_database) as session:
        assert session.execute(select(money_claims.c.amount_cents)).scalar_one() == 99999
        assert session.execute(select(money_saving_periods.c.paid_cents)).scalar_one() == 50000
    again = runner.invoke(cli, ["money", "reconcile"], env=env)
    assert again.exit_code == 0, again.output
