"""The klantmanager in the browser: registering a candidate, logging the steps of the route up to
a placement, the timeline, the worklist and finding a candidate by BSN (a POST: the BSN is never in
a URL). Every page passes axe-core and the keyboard walk."""

from __future__ import annotations

from typing import Any

from tests.conftest import new_bsn, new_kvk, new_municipality
from tests.e2e.console.browser import check_page, screenshot
from tests.e2e.console.conftest import wait_until


def register(page: Any, bsn: str, *, family_name: str = "Haddad", check: bool = False) -> str:
    page.goto("/console/trajecten/nieuw")
    if check:
        check_page(page)
    page.fill("#veld-bsn", bsn)
    page.fill("#veld-voornamen", "Amal")
    page.fill("#veld-achternaam", family_name)
    page.fill("#veld-geboortedatum", "1990-03-04")
    page.select_option("#veld-doelgroep", "statushouder")
    page.fill("#veld-datum", "2026-01-05")
    page.fill("#veld-uitkering", "1250,00")
    page.fill("#veld-uitkering_sinds", "2024-06-01")
    if check:
        screenshot(page, "kandidaat-aanmelden")
    page.click("button:has-text('Aanmelden')")
    assert "/console/trajecten/" in page.url and "nieuw" not in page.url, page.inner_text("main")
    return page.url.split("/console/trajecten/")[1].split("?")[0]


def step(page: Any, trajectory_id: str, slug: str, fields: dict[str, str], *, check: bool = False) -> None:
    page.goto(f"/console/trajecten/{trajectory_id}")
    page.click(f"a[href$='/stappen/{slug}']")
    page.wait_for_load_state()  # the click waits for the form page to start loading, not for its fields
    if check:
        check_page(page)
    for name, value in fields.items():
        selector = f"#veld-{name}"
        if page.locator(selector).evaluate("e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    page.click("form:not(.inline-form) button[type=submit]")
    page.wait_for_load_state()
    assert page.url.split("?")[0].endswith(f"/console/trajecten/{trajectory_id}"), page.inner_text("main")
    assert "De stap is vastgelegd." in page.inner_text("main")


def walk_to_placement(page: Any, kvk: str, *, check: bool = False) -> tuple[str, str]:
    bsn = new_bsn()
    trajectory_id = register(page, bsn, check=check)
    step(page, trajectory_id, "fase-starten", {"fase": "orientation", "datum": "2026-01-12"}, check=check)
    step(page, trajectory_id, "fase-afronden", {"fase": "orientation", "datum": "2026-02-06"}, check=check)
    step(page, trajectory_id, "fase-overslaan", {"fase": "pre-trajectory", "datum": "2026-02-07", "grond": "evc",
                                                 "reden": "vijf jaar ervaring als installateur"}, check=check)
    step(page, trajectory_id, "fase-starten", {"fase": "bedrijfsvakschool", "datum": "2026-02-09", "opleider": "Bouwmensen Amsterdam"})
    step(page, trajectory_id, "plaatsing-voorstellen", {"datum": "2026-06-01", "kvk": kvk, "werkgever": "Installatiebedrijf Noord BV",
                                                        "functie": "assistent-hulpmonteur", "uren": "36", "niveau": "assistent"},
         check=check)
    return trajectory_id, bsn


def test_a_klantmanager_registers_a_candidate_and_logs_the_route_up_to_a_placement(sign_in):
    municipality, kvk = new_municipality(), new_kvk()
    page = sign_in("klantmanager", municipality, "km-jansen")
    check_page(page)  # the worklist
    trajectory_id, bsn = walk_to_placement(page, kvk, check=True)

    page.goto(f"/console/trajecten/{trajectory_id}")
    main = page.inner_text("main")
    assert "Traject van Amal Haddad" in main
    assert page.inner_text("#huidige-fase") == "bedrijfsvakschool"
    timeline = page.inner_text(".timeline")
    for what in ("Aangemeld", "Fase begonnen", "Fase afgerond", "Fase overgeslagen", "Plaatsing voorgesteld"):
        assert what in timeline
    assert "Gebeurd op 1 juni 2026" in timeline and "door km-jansen (klantmanager" in timeline
    assert "werkgever: Installatiebedrijf Noord BV" in timeline
    check_page(page)
    screenshot(page, "traject")

    def awaiting_on_worklist() -> bool:
        page.goto("/console/werklijst")
        return "Installatiebedrijf Noord BV" in page.inner_text("main")

    wait_until(awaiting_on_worklist, 30, "the placement on the worklist")
    check_page(page)
    screenshot(page, "werklijst")

    page.goto("/console/trajecten")
    check_page(page)
    assert f"/console/trajecten/{trajectory_id}" in page.content()

    page.goto("/console/zoeken")
    check_page(page)
    page.fill("#veld-bsn", bsn)
    page.click("form:not(.inline-form) button[type=submit]")
    assert bsn not in page.url
    assert page.url.endswith("/console/zoeken")
    check_page(page)
    page.click(f"a[href='/console/trajecten/{trajectory_id}']")
    assert page.url.endswith(trajectory_id)


def test_a_bsn_that_is_not_of_the_municipality_finds_nothing(sign_in):
    page = sign_in("klantmanager", new_municipality())
    page.goto("/console/zoeken")
    page.fill("#veld-bsn", new_bsn())
    page.click("form:not(.inline-form) button[type=submit]")
    assert "geen kandidaat met dit BSN" in page.inner_text("main")


def test_every_step_form_passes_the_checks_and_the_other_steps_are_recorded(sign_in):
    from api.console.route_forms import STEPS

    page = sign_in("klantmanager", new_municipality())
    trajectory_id = register(page, new_bsn())
    for slug in STEPS:
        page.goto(f"/console/trajecten/{trajectory_id}/stappen/{slug}")
        check_page(page)
    step(page, trajectory_id, "fase-overslaan", {"fase": "orientation", "datum": "2026-01-06", "grond": "other", "reden": "al georiënteerd"})
    step(page, trajectory_id, "fase-overslaan", {"fase": "pre-trajectory", "datum": "2026-01-06", "grond": "evc", "reden": "ervaring"})
    step(page, trajectory_id, "fase-starten", {"fase": "bedrijfsvakschool", "datum": "2026-01-12", "opleider": "Bouwmensen"})
    step(page, trajectory_id, "certificaat", {"fase": "bedrijfsvakschool", "datum": "2026-01-20", "soort": "vca", "titel": "VCA basis"})
    step(page, trajectory_id, "maatwerk", {"regel": "language-requirement", "reden": "taalles loopt door naast het werk",
                                           "datum": "2026-01-21", "tot": "2026-12-31", "door": "teamleider werk"})
    step(page, trajectory_id, "uitval", {"datum": "2026-02-01", "reden": "health", "toelichting": "langdurig ziek"})
    step(page, trajectory_id, "herinstroom", {"datum": "2026-04-01", "toelichting": "weer hersteld"})
    step(page, trajectory_id, "uitkering", {"datum": "2026-04-01", "soort": "reduced", "bedrag": "800,00"})
    page.goto(f"/console/trajecten/{trajectory_id}")
    timeline = page.inner_text(".timeline")
    for what in ("Certificaat behaald", "Maatwerk toegekend", "Uitgevallen", "Weer ingestroomd", "Uitkering verlaagd"):
        assert what in timeline
    assert "reden: gezondheid" in timeline and "regel: taaleis" in timeline and "bedrag per maand: € 800,00" in timeline


def test_maatwerk_names_the_norm_it_departs_from_and_a_drop_out_a_regional_sub_reason_only_where_the_region_has_one(sign_in):
    page = sign_in("klantmanager", new_municipality())
    trajectory_id = register(page, new_bsn())
    step(page, trajectory_id, "maatwerk", {"regel": "training-duration", "reden": "praktijk duurt langer", "datum": "2026-01-21",
                                           "tot": "2026-12-31", "door": "teamleider werk", "norm": "pre-trajectory.practice",
                                           "normweken": "20"})
    page.goto(f"/console/trajecten/{trajectory_id}")
    assert "norm: voortraject — praktijk" in page.inner_text(".timeline")
    # Version 1 (this route's model) knows no sub-reasons: the form says so at the field.
    page.goto(f"/console/trajecten/{trajectory_id}/stappen/uitval")
    page.fill("#veld-datum", "2026-02-01")
    page.select_option("#veld-reden", "not-suited")
    page.fill("#veld-subreden", "geen-rijbewijs")
    page.fill("#veld-toelichting", "rijbewijs nodig")
    page.click("form:not(.inline-form) button[type=submit]")
    page.wait_for_load_state()
    assert "De stap is vastgelegd." not in page.inner_text("main")
    check_page(page)
    assert "Deze subreden kent het routemodel van deze route niet" in page.inner_text("main")
