"""Sign-in against a real OpenID Connect provider (the oidc-provider npm package, run with node on
an ephemeral loopback port): the authorization code flow with PKCE, a callback with a wrong state,
a session that has ended, and an account whose role leerroute does not know. With an issuer
configured the development sign-in does not exist."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from adapters.clock import FixedClock
from tests.conftest import TODAY, test_settings
from tests.e2e.console.browser import HERE, check_page, screenshot
from tests.e2e.console.conftest import free_port, serve, wait_until

ACCOUNTS = {
    "km-oidc": {"role": "klantmanager", "org": "GM0599"},
    "beheerder": {"role": "beheerder", "org": "GM0599"},
}
CLIENT_ID, CLIENT_SECRET = "leerroute-console", "console-test-secret-" + "s" * 20


@pytest.fixture(scope="module")
def oidc_console(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, FixedClock]]:
    from leerroute.bootstrap import build

    node = shutil.which("node")
    assert node, "the sign-in tests need node (Debian's nodejs package)"
    assert (HERE / "node_modules" / "oidc-provider").exists(), "run npm ci --prefix tests/e2e/console"
    app_port, provider_port = free_port(), free_port()
    issuer = f"http://127.0.0.1:{provider_port}"
    redirect = f"http://127.0.0.1:{app_port}/console/aanmelden/terug"
    log = open(Path(tmp_path_factory.mktemp("oidc")) / "provider.log", "w")  # noqa: SIM115
    provider = subprocess.Popen([node, str(HERE / "oidc_provider.mjs"), str(provider_port), CLIENT_ID, CLIENT_SECRET, redirect,
                                 json.dumps(ACCOUNTS)], cwd=HERE, stdout=log, stderr=subprocess.STDOUT)

    def discovered() -> bool:
        assert provider.poll() is None, "the OpenID Connect provider stopped"
        try:
            return httpx.get(issuer + "/.well-known/openid-configuration").status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(discovered, 30, "the OpenID Connect provider")
        clock = FixedClock(TODAY)
        settings = test_settings(
            Path(tmp_path_factory.mktemp("oidc-data")), database_url, LEERROUTE_OIDC_ISSUER=issuer,
            LEERROUTE_OIDC_CLIENT_ID=CLIENT_ID, LEERROUTE_OIDC_CLIENT_SECRET=CLIENT_SECRET, LEERROUTE_OIDC_AUDIENCE=CLIENT_ID,
        )
        container = build(settings, clock=clock)
        for url in _serve_on(container, app_port):
            yield url, issuer, clock
    finally:
        provider.terminate()
        provider.wait(timeout=10)


def _serve_on(container: Any, port: int) -> Iterator[str]:
    import tests.e2e.console.conftest as fixtures

    original = fixtures.free_port
    fixtures.free_port = lambda: port  # the redirect URI the provider knows names this port
    try:
        yield from serve(container)
    finally:
        fixtures.free_port = original


def _sign_in_at_provider(page: Any, account: str) -> None:
    page.click("button:has-text('Aanmelden met uw organisatie-account')")
    page.wait_for_selector("input[name=login]")
    page.fill("input[name=login]", account)
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_the_code_flow_with_pkce_signs_a_klantmanager_in(chromium, oidc_console):
    base, issuer, _ = oidc_console
    context = chromium.new_context(base_url=base)
    try:
        page = context.new_page()
        page.goto("/")
        assert page.url == base + "/console/aanmelden"
        assert "Ontwikkelaanmelding" not in page.inner_text("main")
        check_page(page)
        screenshot(page, "aanmelden-oidc")
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        _sign_in_at_provider(page, "km-oidc")
        assert page.url == base + "/console/werklijst", page.inner_text("body")
        assert "km-oidc · klantmanager · GM0599" in page.inner_text("header")
        authorize = next(u for u in requests if u.startswith(issuer) and "/auth" in urlparse(u).path and "client_id" in u)
        query = parse_qs(urlparse(authorize).query)
        assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
        assert query["response_type"] == ["code"] and query["state"][0]
    finally:
        context.close()


def test_a_callback_with_a_wrong_state_signs_nobody_in(chromium, oidc_console):
    base, _, _ = oidc_console
    context = chromium.new_context(base_url=base)
    try:
        page = context.new_page()
        page.goto("/console/aanmelden")
        page.click("button:has-text('Aanmelden met uw organisatie-account')")
        page.wait_for_selector("input[name=login]")
        response = page.goto("/console/aanmelden/terug?code=made-up&state=not-the-state")
        assert response.status == 400
        assert "Aanmelden is mislukt" in page.inner_text("main")
        check_page(page)
        page.goto("/console/werklijst")
        assert page.url == base + "/console/aanmelden"
    finally:
        context.close()


def test_a_session_that_has_ended_asks_to_sign_in_again(chromium, oidc_console):
    base, _, clock = oidc_console
    context = chromium.new_context(base_url=base)
    try:
        page = context.new_page()
        page.goto("/console/aanmelden")
        _sign_in_at_provider(page, "km-oidc")
        assert page.url == base + "/console/werklijst"
        clock.move_to(TODAY + timedelta(minutes=481))
        page.goto("/console/werklijst")
        assert page.url == base + "/console/aanmelden?reden=verlopen"
        assert "Uw sessie is verlopen" in page.inner_text("main")
    finally:
        clock.move_to(TODAY)
        context.close()


def test_an_account_with_a_role_the_console_does_not_know_gets_no_session(chromium, oidc_console):
    base, _, _ = oidc_console
    context = chromium.new_context(base_url=base)
    try:
        page = context.new_page()
        page.goto("/console/aanmelden")
        _sign_in_at_provider(page, "beheerder")
        assert "Geen toegang" in page.inner_text("main")
        assert "geen rol of organisatie die leerroute kent" in page.inner_text("main")
        check_page(page)
        page.goto("/console/werklijst")
        assert page.url == base + "/console/aanmelden"
    finally:
        context.close()


def test_with_an_issuer_the_development_sign_in_does_not_exist(chromium, oidc_console):
    base, _, _ = oidc_console
    context = chromium.new_context(base_url=base)
    try:
        page = context.new_page()
        page.goto("/console/aanmelden")
        answer = page.evaluate("""async () => {
          const body = new URLSearchParams({csrf_token: document.querySelector('[name=csrf_token]').value,
                                            rol: 'procesregie', organisatie: 'APT', naam: 'x'});
          const r = await fetch('/console/aanmelden/ontwikkeling', {method: 'POST', body});
          return r.status;
        }""")
        assert answer == 404
        page.goto("/console/werklijst")
        assert page.url.startswith(base + "/console/aanmelden")
    finally:
        context.close()
