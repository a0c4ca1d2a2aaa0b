"""The whole walk in the browser, each person signed in separately: a klantmanager registers a
candidate and logs the steps up to a placement; the employer confirms it; the klantmanager sees it
on the timeline; a fund files a claim; procesregie sees the route in the funnel and the money
page. Every page passes axe-core and the keyboard walk."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import httpx

from domain import commands as c
from domain.terms import FinancingKind, Terms, Trigger
from domain.values import Actor, Role
from tests.conftest import new_kvk, new_municipality
from tests.e2e.console.browser import check_page, screenshot
from tests.e2e.console.conftest import wait_until
from tests.e2e.console.test_console_klantmanager import step, walk_to_placement

FUND = "oo-fonds-techniek"


def conclude_agreement(container, municipality: str, kind: FinancingKind = FinancingKind.START,
                       trigger: Trigger = Trigger.REGISTERED) -> UUID:
    """The municipality pays a start payment on registration (or ``kind`` on ``trigger``), claimed
    by the O&O fund (as a klantmanager would conclude it through the API)."""
    outcome = container.service.handle(c.ConcludeAgreement(
        actor=Actor("km-financiering", Role.KLANTMANAGER, municipality), on=date(2026, 1, 1), kind=kind,
        trigger=trigger, phase=None, claimant=FUND, valid_from=date(2026, 1, 1), valid_until=None,
        budget_cap_cents=None, terms=Terms(effective_from=date(2026, 1, 1), amount_cents=150_000, municipalities=(municipality,)),
    ))
    return outcome.aggregate.id


def test_the_walk_from_registration_to_the_funnel_and_the_money(sign_in, console):
    municipality, kvk = new_municipality(), new_kvk()
    agreement_id = conclude_agreement(console.container, municipality)

    km = sign_in("klantmanager", municipality, "km-jansen")
    trajectory_id, _ = walk_to_placement(km, kvk)
    step(km, trajectory_id, "uitkering", {"datum": "2026-07-01", "soort": "stopped"}, check=True)

    employer = sign_in("employer", kvk, "hr-de-vries")

    def proposed() -> bool:
        employer.goto("/console/werkgever")
        return "assistent-hulpmonteur" in employer.inner_text("main")

    wait_until(proposed, 30, "the placement on the employer's page")
    main = employer.inner_text("main")
    assert "Amal Haddad" in main and "36" in main and "assistent (jobcarving)" in main
    assert "1990" not in main and "€" not in main  # no birth date, no benefit; the BSN is never on it
    check_page(employer)
    screenshot(employer, "werkgever")
    employer.click("a:has-text('Bevestigen')")
    check_page(employer)
    employer.fill("#veld-datum", "2026-06-08")
    employer.click("main button[type=submit]")
    assert "Uw antwoord is vastgelegd." in employer.inner_text("main")
    assert "bevestigd" in employer.inner_text("main")
    check_page(employer)
    employer.click("a:has-text('Start contract')")
    employer.fill("#veld-datum", "2026-06-15")
    employer.fill("#veld-uren", "36")
    employer.click("main button[type=submit]")
    assert "contract begonnen" in employer.inner_text("main")

    km.goto(f"/console/trajecten/{trajectory_id}")
    timeline = km.inner_text(".timeline")
    assert "Plaatsing bevestigd door de werkgever" in timeline and "door hr-de-vries (werkgever" in timeline
    assert "Contract begonnen" in timeline
    assert km.inner_text("#huidige-fase") == "plaatsing"

    fund = sign_in("fund", FUND, "fonds-medewerker")
    fund.goto("/console/fonds")
    assert trajectory_id in fund.inner_text("main")
    check_page(fund)
    fund.click(f"a[href*='traject={trajectory_id}']")
    assert fund.input_value("#veld-overeenkomst") == str(agreement_id)
    check_page(fund)
    fund.click("main button[type=submit]")
    assert "De declaratie is ingediend." in fund.inner_text("main")
    assert "ingediend" in fund.inner_text("main table")
    check_page(fund)
    screenshot(fund, "fonds")

    regie = sign_in("procesregie", "APT", "regie-1")

    def in_the_funnel() -> bool:
        regie.goto(f"/console/procesregie?niveau=gemeente&gemeente={municipality}")
        rows = {r.split("\t")[0]: r.split("\t")[1:] for r in regie.locator("#trechter-tabel tbody tr").all_inner_texts()}
        return rows.get("aangemeld", ["0"])[0] == "1" and rows.get("plaatsing", ["0"])[0] == "1"

    wait_until(in_the_funnel, 30, "the route in the funnel")
    check_page(regie)
    regie.goto("/console/procesregie")
    inflow = regie.inner_text("#instroom-tabel")  # this year's inflow against the (absent) target
    assert "statushouders" in inflow and "Aangemeld in 2025" in inflow
    check_page(regie)
    screenshot(regie, "trechter")
    download = httpx.get(f"{console.url}/console/procesregie?niveau=gemeente&gemeente={municipality}&formaat=csv",
                         cookies={c["name"]: c["value"] for c in regie.context.cookies()})
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert "registered,1," in download.text

    regie.goto(f"/console/procesregie/geld?gemeente={municipality}")
    money = regie.inner_text("#geld-tabel")
    assert municipality in money
    assert regie.locator("svg[role=img]").count() == 2
    check_page(regie)
    screenshot(regie, "geld")
    xlsx = httpx.get(f"{console.url}/console/procesregie/geld?formaat=xlsx", cookies={c["name"]: c["value"] for c in regie.context.cookies()})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
