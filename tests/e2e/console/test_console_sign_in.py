"""Signing in on the embedded default: `/` leads a browser to the console's sign-in, the
development sign-in is marked as such, checks the organisation against the role, ends with
sign-out; the API stays under /v1 with its bearer tokens."""

from __future__ import annotations

import httpx

from tests.conftest import new_municipality
from tests.e2e.console.browser import check_page, screenshot


def test_a_browser_that_opens_the_root_arrives_at_the_sign_in(chromium, console):
    context = chromium.new_context(base_url=console.url)
    try:
        page = context.new_page()
        page.goto("/")
        assert page.url == console.url + "/console/aanmelden"
        assert "Ontwikkelaanmelding" in page.inner_text("main")
        assert "Alleen voor de ingebouwde ontwikkelomgeving" in page.inner_text("main")
        check_page(page)
        screenshot(page, "aanmelden-ontwikkeling")
        page.goto("/console/werklijst")
        assert page.url == console.url + "/console/aanmelden"
    finally:
        context.close()


def test_the_session_cookie_is_signed_http_only_and_same_site(sign_in):
    page = sign_in("klantmanager", new_municipality())
    cookie = next(c for c in page.context.cookies() if c["name"] == "leerroute_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert "klantmanager" not in cookie["value"] or "." in cookie["value"]


def test_an_organisation_that_does_not_fit_the_role_is_refused(chromium, console):
    context = chromium.new_context(base_url=console.url)
    try:
        page = context.new_page()
        page.goto("/console/aanmelden")
        page.select_option("#veld-rol", "employer")
        page.fill("#veld-organisatie", "GM0363")
        page.fill("#veld-naam", "hr-1")
        page.click("main button[type=submit]")
        assert "past niet bij de rol" in page.inner_text("#fout-organisatie")
        check_page(page)
    finally:
        context.close()


def test_sign_out_ends_the_session(sign_in, console):
    page = sign_in("klantmanager", new_municipality())
    page.click("button:has-text('Afmelden')")
    assert page.url == console.url + "/console/aanmelden"
    page.goto("/console/werklijst")
    assert page.url == console.url + "/console/aanmelden"


def test_the_api_stays_under_v1_without_the_consoles_cookie(console):
    response = httpx.get(console.url + "/v1/worklist")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "set-cookie" not in response.headers
    paths = httpx.get(console.url + "/openapi.json").json()["paths"]
    assert any(p.endswith("/worklist") for p in paths)
    assert not any("console" in p or "aanmelden" in p for p in paths)
