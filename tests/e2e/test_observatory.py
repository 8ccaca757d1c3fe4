"""The public Observatory in the browser, signed out: the list of aggregates, a table with its
hidden cells marked, the CSV; every page checked for accessibility."""

import pytest
from playwright.sync_api import expect

from contracts.models import Contract
from observatory import facts
from tests.e2e.browser import audit
from tests.factories import WorkerFactory
from tests.savings.conftest import contract_of

pytestmark = pytest.mark.e2e
SEASON = 2027


def test_anyone_reads_the_observatory(page, program, employer_a, worksite_a, settings):
    # A cache of this test's own: the tables are cached an hour, and other tests ask for seasons too.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "observatory-e2e"}}
    for state, count in (("TLA", 5), ("OAX", 4), ("PUE", 7)):
        for _ in range(count):
            contract = contract_of(program, employer_a, worksite_a, worker=WorkerFactory(state_of_origin=state))
            Contract.objects.filter(pk=contract.pk).update(season=SEASON)
    facts.refresh()
    page.goto(f"/observatory/?season={SEASON}")
    audit(page)  # the aggregates
    page.locator('#aggregates a[href^="/observatory/placements-by-state/"]').click()
    expect(page.locator("#stats-table tbody tr")).to_have_count(3)
    expect(page.locator('#stats-table tr[data-key="OAX"]')).to_have_attribute("data-suppressed", "small")
    expect(page.locator('#stats-table tr[data-key="TLA"]')).to_have_attribute("data-suppressed", "secondary")
    expect(page.locator('#stats-table tr[data-key="PUE"] td').first).to_have_text("7")
    audit(page)  # the table, hidden cells marked
    with page.expect_download() as download:
        page.locator("#stats-csv").click()
    assert ",7," in download.value.path().read_text(encoding="utf-8-sig")
