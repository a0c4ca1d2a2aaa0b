"""Every request carries a valid bearer token naming subject, role and organisation."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import jwt

from tests.conftest import assert_problem, new_municipality, registration


def _token(container, **overrides) -> str:  # noqa: ANN001
    now = datetime.now(timezone.utc)
    claims = {
        "sub": "km-1",
        "role": "klantmanager",
        "org": "GM0363",
        "iss": container.settings.jwt_issuer,
        "aud": container.settings.jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, container.settings.effective_jwt_secret, algorithm="HS256")


def test_no_token_is_401_problem(api):
    response = api.get("/v1/trajectories")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_invalid_tokens_are_401(api, container):
    past = int((datetime.now(timezone.utc) - timedelta(hours=1)).timestamp())
    bad = [
        "not-a-jwt",
        _token(container, exp=past),
        _token(container, iss="someone-else"),
        _token(container, aud="other-api"),
        _token(container, role="admin"),
        _token(container, org="Amsterdam"),
        _token(container, sub=None),
        jwt.encode({"sub": "x", "role": "klantmanager", "org": "GM0363"}, "wrong-key-" + "z" * 40, algorithm="HS256"),
        jwt.encode({"sub": "x", "role": "klantmanager", "org": "GM0363"}, None, algorithm="none"),
    ]
    for token in bad:
        response = api.get("/v1/trajectories", headers={"Authorization": f"Bearer {token}"})
        assert_problem(response, 401)


def test_writes_without_a_token_record_nothing(api, tokens):
    km = tokens.klantmanager(new_municipality())
    trajectory_id = api.post("/v1/trajectories", json=registration(), headers=km).json()["id"]
    response = api.post(f"/v1/trajectories/{trajectory_id}/phases/orientation/start", json={"date": "2026-02-01"})
    assert_problem(response, 401)
    assert len(api.get(f"/v1/trajectories/{trajectory_id}/history", headers=km).json()["events"]) == 1


def test_cli_token_is_accepted(api, container, monkeypatch):
    from typer.testing import CliRunner

    from leerroute.cli import cli

    monkeypatch.setenv("LEERROUTE_JWT_SECRET", container.settings.effective_jwt_secret)
    result = CliRunner().invoke(cli, ["token", "--role", "klantmanager", "--org", "GM0599", "--subject", "km-rotterdam"])
    assert result.exit_code == 0, result.output
    response = api.get("/v1/trajectories", headers={"Authorization": f"Bearer {result.output.strip()}"})
    assert response.status_code == 200
    refused = CliRunner().invoke(cli, ["token", "--role", "employer", "--org", "GM0599"])
    assert refused.exit_code != 0
