"""Ontario's consulate staff read the employer indicators: from the employers' page to the table
(the flagged employer marked by an icon and a word, not by colour alone), sorted by another
column, then one employer's history by season; each page checked for accessibility."""

import re

import pytest
from playwright.sync_api import expect

from observatory import facts
from tests.contracts.test_indicators import season_request
from tests.contracts.test_returns import finished
from tests.e2e.browser import audit
from tests.e2e.test_allocation import either
from tests.e2e.test_sign_in import sign_in
from tests.factories import EmployerFactory, WorkerFactory, WorksiteFactory

pytestmark = pytest.mark.e2e

EMPLOYERS = either("Employers", "Empleadores")
INDICATORS = either("Employer indicators", "Indicadores de empleadores")
PLACEMENTS = either("Placements", "Colocaciones")


def test_staff_read_the_employer_indicators(page, staff_ontario, program, employer_a, worksite_a):
    last_season = program.today().year - 1
    # Employer A: two returns, one late (50 %: flagged), in two seasons. A second Ontario
    # employer: three returns, all on time.
    for year, on_time in ((last_season - 1, True), (last_season, False)):
        finished(season_request(program, employer_a, worksite_a, year), WorkerFactory(), status="returned",
                 open_return=False, returned_on_time=on_time)
    punctual = EmployerFactory(legal_name="Punctual Farms Ltd.")
    punctual_site = WorksiteFactory(employer=punctual, region="CA-ON")
    punctual_request = season_request(program, punctual, punctual_site, last_season)
    for _ in range(3):
        finished(punctual_request, WorkerFactory(), status="returned", open_return=False, returned_on_time=True)

    facts.refresh()  # the indicators read the Observatory's facts
    sign_in(page, staff_ontario.username)
    audit(page)  # the staff home
    page.get_by_role("link", name=EMPLOYERS).first.click()
    audit(page)  # the employers, with the link to their indicators
    page.get_by_role("link", name=INDICATORS).click()
    page.wait_for_load_state("load")
    audit(page)  # the indicators, the late-return rate highest first
    rows = page.locator("#employer-indicators tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first.locator("th")).to_have_text(employer_a.legal_name)
    expect(rows.first.locator("td.late")).to_contain_text("⚠")
    expect(rows.first.locator("td.late")).to_contain_text(re.compile(r"50\s*%"))
    expect(rows.nth(1).locator("td.late")).not_to_contain_text("⚠")

    page.get_by_role("link", name=PLACEMENTS).click()
    page.wait_for_load_state("load")
    audit(page)  # sorted by placements, most first
    assert "sort=placements" in page.url
    expect(page.locator("#employer-indicators th[aria-sort='descending']")).to_have_count(1)
    expect(rows.first.locator("th")).to_have_text(punctual.legal_name)

    rows.nth(1).get_by_role("link", name=employer_a.legal_name).click()
    page.wait_for_load_state("load")
    audit(page)  # employer A's history, the latest season first
    expect(page.get_by_role("heading", level=1)).to_have_text(employer_a.legal_name)
    seasons = page.locator("#employer-history tbody tr th")
    expect(seasons).to_have_text([str(last_season), str(last_season - 1)])
    expect(page.locator("#employer-history tfoot td.placements")).to_have_text("2")
