"""Every request carries a valid bearer token naming subject, role and organisation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

from domain.values import Role
from tests.conftest import assert_problem, new_municipality, registration


def _token(container, **overrides) -> str:
    now = datetime.now(UTC)
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
    past = int((datetime.now(UTC) - timedelta(hours=1)).timestamp())
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


def test_a_tampered_payload_is_401(api, container):
    import base64
    import json

    header, payload, signature = _token(container).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["org"] = "GM0599"  # another municipality, the signature left as it was
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    response = api.get("/v1/trajectories", headers={"Authorization": f"Bearer {header}.{forged}.{signature}"})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


# --- an OpenID Connect issuer, served from a local thread ---------------------------------------

import json as _json  # noqa: E402
import threading  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402


class _Issuer:
    """An OIDC issuer on loopback: a discovery document and a JWKS that can rotate."""

    def __init__(self) -> None:
        self.documents: dict[str, dict] = {}
        self.fetches = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                document = issuer.documents.get(self.path)
                if self.path == "/jwks.json":
                    issuer.fetches += 1
                body = _json.dumps(document).encode()
                self.send_response(200 if document is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.documents["/.well-known/openid-configuration"] = {"issuer": self.url, "jwks_uri": self.url + "/jwks.json"}
        self.keys: dict[str, object] = {}
        self.publish(rsa.generate_private_key(public_exponent=65537, key_size=2048), "key-1")
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, private_key, kid: str) -> None:
        self.keys = {kid: private_key}
        jwks = []
        for k, key in self.keys.items():
            jwk = _json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            jwks.append({**jwk, "kid": k, "use": "sig", "alg": "RS256"})
        self.documents["/jwks.json"] = {"keys": jwks}

    def token(self, kid: str = "key-1", key=None, algorithm: str = "RS256", **overrides) -> str:
        now = datetime.now(UTC)
        claims = {
            "sub": "km-oidc", "realm_access": {"roles": ["offline_access", "klantmanager"]}, "gemeente": "GM0363",
            "iss": self.url, "aud": "leerroute-api", "iat": int(now.timestamp()), "exp": int((now + timedelta(minutes=5)).timestamp()),
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, key if key is not None else self.keys[kid], algorithm=algorithm, headers={"kid": kid})


@pytest.fixture(scope="module")
def oidc(database_url: str, tmp_path_factory: pytest.TempPathFactory):
    from fastapi.testclient import TestClient

    from adapters.clock import FixedClock
    from api.main import create_app
    from leerroute.bootstrap import build
    from tests.conftest import TODAY, test_settings

    issuer = _Issuer()
    settings = test_settings(
        Path(tmp_path_factory.mktemp("oidc")), database_url,
        LEERROUTE_OIDC_ISSUER=issuer.url, LEERROUTE_OIDC_AUDIENCE="leerroute-api", LEERROUTE_OIDC_REFRESH_COOLDOWN_SECONDS=0,
        LEERROUTE_ROLE_CLAIM="realm_access.roles", LEERROUTE_ORGANISATION_CLAIM="gemeente",
    )
    with TestClient(create_app(build(settings, clock=FixedClock(TODAY)), run_worker=False)) as client:
        yield issuer, client
    issuer.server.shutdown()


def _status(client, token: str) -> int:
    response = client.get("/v1/trajectories", headers={"Authorization": f"Bearer {token}"})
    if response.status_code == 401:
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"] == "Bearer"
    return response.status_code


def test_oidc_tokens_of_the_issuer_are_accepted_with_mapped_role_and_organisation(oidc):
    issuer, client = oidc
    token = issuer.token()
    response = client.post("/v1/trajectories", json=registration(), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text
    assert response.json()["municipality"] == "GM0363"
    assert _status(client, token) == 200


def test_oidc_refuses_every_bad_token_with_401(oidc, container):
    issuer, client = oidc
    past = int((datetime.now(UTC) - timedelta(hours=1)).timestamp())
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = issuer.keys["key-1"].public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header, payload, signature = issuer.token().split(".")
    tampered_claims = _json.loads(base64_decode(payload))
    tampered_claims["gemeente"] = "GM0599"
    tampered = f"{header}.{base64_encode(_json.dumps(tampered_claims).encode())}.{signature}"
    bad = {
        "expired": issuer.token(exp=past),
        "wrong issuer": issuer.token(iss="https://login.example.org"),
        "wrong audience": issuer.token(aud="another-api"),
        "alg none": jwt.encode({"sub": "x", "iss": issuer.url, "aud": "leerroute-api", "exp": 2**31}, None, algorithm="none", headers={"kid": "key-1"}),
        "tampered payload": tampered,
        "wrong key": issuer.token(key=stranger),
        "unknown key id": issuer.token(kid="key-9", key=stranger),
        "HS256 signed with the public key": _hmac_token(public_pem, issuer),
        "EC key the issuer never published": issuer.token(key=ec.generate_private_key(ec.SECP256R1()), algorithm="ES256"),
        "no role": issuer.token(realm_access={"roles": ["offline_access"]}),
        "two roles": issuer.token(realm_access={"roles": ["klantmanager", "procesregie"]}),
        "no subject": issuer.token(sub=None),
        "no expiry": issuer.token(exp=None),
        "malformed": "eyJhbGciOiJSUzI1NiJ9.not-json.x",
        "a local development token": container.tokens.issue(
            subject="km", role=Role.KLANTMANAGER, organisation="GM0363", now=datetime.now(UTC), ttl=timedelta(hours=1)
        ),
    }
    statuses = {name: _status(client, token) for name, token in bad.items()}
    assert statuses == {name: 401 for name in bad}


def test_oidc_accepts_keys_the_issuer_rotated_in(oidc):
    issuer, client = oidc
    assert _status(client, issuer.token()) == 200
    fetched = issuer.fetches
    assert _status(client, issuer.token()) == 200
    assert issuer.fetches == fetched, "the key set is cached"
    issuer.publish(rsa.generate_private_key(public_exponent=65537, key_size=2048), "key-2")
    assert _status(client, issuer.token(kid="key-2")) == 200
    assert issuer.fetches == fetched + 1


def _hmac_token(secret: bytes, issuer: _Issuer) -> str:
    """The algorithm-confusion attack: HS256 with the issuer's public key as the shared secret."""
    import hashlib
    import hmac

    header = base64_encode(_json.dumps({"alg": "HS256", "typ": "JWT", "kid": "key-1"}).encode())
    _, payload, _ = issuer.token().split(".")
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{base64_encode(signature)}"


def base64_decode(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def base64_encode(raw: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_an_unreachable_issuer_is_503_not_500(oidc):
    import socket

    from adapters.tokens import OidcVerifier, TokenKeysUnavailable

    issuer, _ = oidc
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    for verifier in (
        OidcVerifier(issuer=closed, audience="leerroute-api", timeout_seconds=1),
        OidcVerifier(issuer=issuer.url, audience="leerroute-api", jwks_url=closed + "/jwks.json", timeout_seconds=1),
    ):
        with pytest.raises(TokenKeysUnavailable):
            verifier.verify(issuer.token(kid=next(iter(issuer.keys))))
