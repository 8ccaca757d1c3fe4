"""Office staff read the program dashboard: the nav link, the season chosen, the charts with
their data tables, a chart's CSV the same rows as its table; each page checked for
accessibility (and for horizontal scrolling on a phone)."""

import csv

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import audit
from tests.e2e.test_allocation import either
from tests.e2e.test_sign_in import sign_in
from tests.observatory.conftest import SEASON
from tests.observatory.test_dashboard import dataset, placed  # noqa: F401 (fixtures)

pytestmark = pytest.mark.e2e

DASHBOARD = either("Dashboard", "Tablero")
SHOW = either("Show", "Mostrar")


def test_staff_read_the_dashboard_of_their_jurisdiction(page, dataset, staff_ontario, settings):  # noqa: F811
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "dashboard-e2e"}}
    sign_in(page, staff_ontario.username)
    audit(page)  # the staff home, where the dashboard is one click away
    page.get_by_role("link", name=DASHBOARD).first.click()
    audit(page)  # this year's season: maybe nothing yet, each chart says so
    page.locator("#id_season").select_option(str(SEASON))
    page.get_by_role("button", name=SHOW).click()
    page.wait_for_load_state("load")
    audit(page)  # the season's charts
    # Ontario's consulate: employer A's 7 contracts only, not Quebec's 3.
    expect(page.locator('#headline dd[data-key="placements"]')).to_have_text("7")
    table = page.locator("#table-on-time-by-state")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr td")).to_have_text(either("75.0% (3 of 4)", "75,0% (3 de 4)"))
    expect(page.locator("#chart-on-time-by-state svg.chart-bars rect")).to_have_count(1)
    with page.expect_download() as download:
        page.locator("#csv-placements-by-destination").click()
    with open(download.value.path(), encoding="utf-8-sig") as file:
        found = list(csv.reader(file))
    shown = page.locator("#table-placements-by-destination tbody tr")
    expect(shown).to_have_count(len(found) - 1)
    assert [row[1] for row in found[1:]] == [cell.strip() for cell in shown.locator("td").all_inner_texts()]
