"""The console's forms: bad input shows its message in the page (never a 500 or JSON); a form
posted twice records its step once; a post without this session's form token changes nothing."""

from __future__ import annotations

from typing import Any

from tests.conftest import new_bsn, new_municipality
from tests.e2e.console.browser import check_page
from tests.e2e.console.test_console_klantmanager import register

# Post the page's form as it is, twice, from the page itself (as a double click or the back
# button does), and answer the statuses.
POST_TWICE = """async ([overrides]) => {
  const form = document.querySelector('main form');
  const body = new URLSearchParams(new FormData(form));
  for (const [k, v] of Object.entries(overrides || {})) body.set(k, v);
  const statuses = [];
  for (let i = 0; i < 2; i++) {
    const r = await fetch(form.action, {method: 'POST', body, redirect: 'manual'});
    statuses.push(r.status === 0 ? 303 : r.status);
  }
  return statuses;
}"""

POST_ONCE = """async ([overrides]) => {
  const form = document.querySelector('main form');
  const body = new URLSearchParams(new FormData(form));
  for (const [k, v] of Object.entries(overrides || {})) body.set(k, v);
  const r = await fetch(form.action, {method: 'POST', body});
  return {status: r.status, type: r.headers.get('content-type'), text: await r.text()};
}"""


def events_of(page: Any, trajectory_id: str, what: str) -> int:
    page.goto(f"/console/trajecten/{trajectory_id}")
    return sum(1 for h in page.locator(".timeline h3").all_inner_texts() if h == what)


def test_bad_input_shows_its_message_next_to_the_field(sign_in):
    page = sign_in("klantmanager", new_municipality())
    page.goto("/console/trajecten/nieuw")
    page.fill("#veld-bsn", "123456789")
    page.fill("#veld-geboortedatum", "1990-03-04")
    page.click("main button[type=submit]")
    assert page.inner_text("#fout-bsn") == "Een BSN is negen cijfers en voldoet aan de elfproef."
    assert page.inner_text("#fout-voornamen") == "Vul dit veld in."
    assert page.inner_text("#fout-doelgroep") == "Maak een keuze."
    assert page.get_attribute("#veld-bsn", "aria-invalid") == "true"
    assert page.input_value("#veld-geboortedatum") == "1990-03-04"  # what was typed stays
    check_page(page)


def test_a_rule_of_the_route_is_shown_in_words_at_the_step_and_nothing_is_recorded(sign_in):
    page = sign_in("klantmanager", new_municipality())
    trajectory_id = register(page, new_bsn())
    page.goto(f"/console/trajecten/{trajectory_id}/stappen/fase-starten")
    page.select_option("#veld-fase", "bedrijfsvakschool")
    page.fill("#veld-datum", "2026-02-01")
    page.click("main button[type=submit]")
    assert "De fasen volgen elkaar op" in page.inner_text("#fout-fase")
    check_page(page)
    page.fill("#veld-datum", "2027-01-01")
    page.select_option("#veld-fase", "orientation")
    page.click("main button[type=submit]")
    assert "Deze datum ligt na vandaag" in page.inner_text("#fout-datum")
    assert events_of(page, trajectory_id, "Fase begonnen") == 0


def test_a_form_posted_twice_records_its_step_once(sign_in):
    page = sign_in("klantmanager", new_municipality())
    trajectory_id = register(page, new_bsn())
    page.goto(f"/console/trajecten/{trajectory_id}/stappen/fase-starten")
    page.select_option("#veld-fase", "orientation")
    page.fill("#veld-datum", "2026-01-12")
    assert page.evaluate(POST_TWICE, [{}]) == [303, 303]
    assert events_of(page, trajectory_id, "Fase begonnen") == 1

    # the back button: the form as it was rendered (its key) sent again after the step was recorded
    page.goto(f"/console/trajecten/{trajectory_id}/stappen/fase-afronden")
    page.select_option("#veld-fase", "orientation")
    page.fill("#veld-datum", "2026-02-06")
    page.evaluate("() => { window.name = new URLSearchParams(new FormData(document.querySelector('main form'))).toString(); }")
    page.click("main button[type=submit]")
    assert "De stap is vastgelegd." in page.inner_text("main")
    again = page.evaluate("""async ([url]) => {
      const r = await fetch(url, {method: 'POST', body: new URLSearchParams(window.name), redirect: 'manual'});
      return r.type === 'opaqueredirect' ? 303 : r.status;
    }""", [f"/console/trajecten/{trajectory_id}/stappen/fase-afronden"])
    assert again == 303
    assert events_of(page, trajectory_id, "Fase afgerond") == 1


def test_a_form_without_the_sessions_token_changes_nothing(sign_in):
    page = sign_in("klantmanager", new_municipality())
    trajectory_id = register(page, new_bsn())
    page.goto(f"/console/trajecten/{trajectory_id}/stappen/fase-starten")
    page.select_option("#veld-fase", "orientation")
    page.fill("#veld-datum", "2026-01-12")
    for token in ("forged", ""):
        answer = page.evaluate(POST_ONCE, [{"csrf_token": token}])
        assert answer["status"] == 403 and answer["type"].startswith("text/html")
        assert "er is niets vastgelegd" in answer["text"]
    assert events_of(page, trajectory_id, "Fase begonnen") == 0

    assert events_of(page, trajectory_id, "Fase begonnen") == 0


def test_the_console_answers_in_pages_never_json(sign_in):
    page = sign_in("klantmanager", new_municipality())
    for path, status in (("/console/trajecten/not-a-uuid", 400), ("/console/trajecten/7f3c7c52-1bd1-4c3e-9a39-1a4b3c2d1e0f", 404),
                         ("/console/bestaat-niet", 404), ("/console/werklijst?onbekend=1", 400)):
        response = page.goto(path)
        assert response.status == status, path
        assert response.headers["content-type"].startswith("text/html"), path
        check_page(page)
