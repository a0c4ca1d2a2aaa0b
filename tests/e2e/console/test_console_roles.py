"""The pages of the employer, the fund and the privacy officer, and each role kept to its own:
declining a placement with a reason, a claim refused with its condition in words, the access log
of a candidate and erasure after a confirmation step."""

from __future__ import annotations

from domain.terms import FinancingKind, Trigger
from tests.conftest import new_bsn, new_kvk, new_municipality
from tests.e2e.console.browser import check_page, screenshot
from tests.e2e.console.conftest import wait_until
from tests.e2e.console.test_console_klantmanager import register, step
from tests.e2e.console.test_console_walk import FUND, conclude_agreement


def propose(km, kvk: str) -> str:
    trajectory_id = register(km, new_bsn())
    step(km, trajectory_id, "fase-starten", {"fase": "orientation", "datum": "2026-01-12"})
    step(km, trajectory_id, "plaatsing-voorstellen", {"datum": "2026-03-01", "kvk": kvk, "werkgever": "Bouwbedrijf Zuid",
                                                      "functie": "timmerman", "uren": "32", "niveau": "full"})
    return trajectory_id


def test_an_employer_declines_with_a_reason_and_sees_only_its_own_placements(sign_in):
    municipality, kvk, other = new_municipality(), new_kvk(), new_kvk()
    km = sign_in("klantmanager", municipality)
    trajectory_id = propose(km, kvk)
    propose(km, other)
    employer = sign_in("employer", kvk)

    def shown() -> bool:
        employer.goto("/console/werkgever")
        return "timmerman" in employer.inner_text("main")

    wait_until(shown, 30, "the placement on the employer's page")
    assert employer.locator("main tbody tr").count() == 1
    employer.click("a:has-text('Afwijzen')")
    employer.click("main button[type=submit]")
    assert employer.inner_text("#fout-reden") == "Vul dit veld in."
    employer.fill("#veld-reden", "geen plek in het team tot de zomer")
    employer.click("main button[type=submit]")
    assert "afgewezen" in employer.inner_text("main tbody")
    km.goto(f"/console/trajecten/{trajectory_id}")
    assert "reden: geen plek in het team tot de zomer" in km.inner_text(".timeline")
    assert employer.goto(f"/console/trajecten/{trajectory_id}").status == 403


def test_a_claim_refused_by_its_condition_is_shown_in_words(sign_in, console):
    municipality = new_municipality()
    agreement_id = conclude_agreement(console.container, municipality, FinancingKind.RESULT, Trigger.PLACEMENT_STARTED)
    km = sign_in("klantmanager", municipality)
    trajectory_id = register(km, new_bsn())
    fund = sign_in("fund", FUND)
    fund.goto(f"/console/fonds/declareren?traject={trajectory_id}")
    fund.select_option("#veld-overeenkomst", str(agreement_id))
    fund.fill("#veld-datum", "2026-02-01")
    fund.click("main button[type=submit]")
    assert "nog niet bereikt" in fund.inner_text("#foutmeldingen")
    fund.fill("#veld-datum", "2026-01-02")
    fund.click("main button[type=submit]")
    assert "vóór de aanmelding" in fund.inner_text("#fout-datum")
    check_page(fund)
    fund.fill("#veld-traject", "geen-nummer")
    fund.click("main button[type=submit]")
    assert "Vul het nummer in" in fund.inner_text("#fout-traject")


def test_a_privacy_officer_reads_the_access_log_and_erases_after_confirming(sign_in):
    municipality = new_municipality()
    km = sign_in("klantmanager", municipality, "km-lezer")
    trajectory_id = register(km, new_bsn(), family_name="Wissen")
    officer = sign_in("privacy-officer", municipality, "po-1")
    check_page(officer)
    officer.fill("#veld-traject", trajectory_id)
    officer.click("main button[type=submit]")
    log = officer.inner_text("main table")
    assert "km-lezer" in log and "get_trajectory" in log
    check_page(officer)
    screenshot(officer, "logboek")
    officer.click("a:has-text('Persoonsgegevens wissen')")
    check_page(officer)
    officer.click("main button[type=submit]")
    assert officer.inner_text("#fout-bevestiging") == "Bevestig dit om door te gaan."
    km.goto(f"/console/trajecten/{trajectory_id}")
    assert "Wissen" in km.inner_text("h1")  # nothing erased without the confirmation
    officer.check("#veld-bevestiging")
    officer.click("main button[type=submit]")
    assert "De persoonsgegevens zijn gewist." in officer.inner_text("main")
    km.goto(f"/console/trajecten/{trajectory_id}")
    assert "Wissen" not in km.inner_text("h1") and "gewist op" in km.inner_text("main")


def test_each_role_is_kept_to_its_own_pages(sign_in):
    pages = {"klantmanager": "/console/werklijst", "employer": "/console/werkgever", "fund": "/console/fonds",
             "procesregie": "/console/procesregie", "privacy-officer": "/console/privacy"}
    people = {"klantmanager": new_municipality(), "employer": new_kvk(), "fund": FUND, "procesregie": "APT",
              "privacy-officer": new_municipality()}
    for role, organisation in people.items():
        page = sign_in(role, organisation)
        assert page.url.endswith(pages[role])
        for other, path in pages.items():
            if other != role:
                response = page.goto(path)
                assert response.status == 403 and "Geen toegang" in page.inner_text("main"), (role, path)
        check_page(page)
