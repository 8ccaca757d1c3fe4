"""An administrator allocates a season in the browser: confirms, follows the progress bar while a
real Celery worker allocates, then reads the report.

The browser asks for Spanish; the new page's controls are matched in English or Spanish, so the
test holds before and after the Spanish catalogue has them."""

import re

import pytest
from playwright.sync_api import expect

from contracts.models import AllocationRun, Contract
from employers.models import NamedWorker, RequestStatus
from tests.celery_worker import running_worker
from tests.e2e.browser import audit
from tests.e2e.test_sign_in import sign_in
from tests.factories import WorkerFactory, WorkerRequestFactory, fully_documented, next_season_start
from workers.models import WorkerStatus

pytestmark = [pytest.mark.e2e, pytest.mark.celery]


def either(english: str, spanish: str) -> re.Pattern:
    return re.compile(rf"({re.escape(english)}|{re.escape(spanish)})")


def test_an_administrator_allocates_a_season_and_reads_the_report(page, administrator, program, employer_a,
                                                                  employer_b):
    filled = WorkerRequestFactory(program=program, employer=employer_a, status=RequestStatus.APPROVED,
                                  workers_requested=2)
    unfilled = WorkerRequestFactory(program=program, employer=employer_b, status=RequestStatus.APPROVED,
                                    workers_requested=1)
    for _ in range(2):
        fully_documented(WorkerFactory(status=WorkerStatus.ELIGIBLE), administrator, start=next_season_start())
    undocumented = WorkerFactory(status=WorkerStatus.ELIGIBLE, first_names="Sinpapeles")
    NamedWorker.objects.create(request=unfilled, worker=undocumented, added_by=administrator)

    with running_worker():
        sign_in(page, administrator.username)
        audit(page)
        page.get_by_role("navigation", name="Principal").get_by_role(
            "link", name=either("Season allocation", "Asignación de temporada")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(either("Season allocation",
                                                                         "Asignación de temporada"))
        audit(page)
        page.get_by_label(either("Program", "Programa")).select_option(str(program.pk))
        page.get_by_label(either("Season", "Temporada"), exact=False).first.fill(str(next_season_start().year))
        page.get_by_role("button", name=either("Allocate the season", "Asignar la temporada")).click()
        audit(page)  # refused: the confirmation was not ticked
        assert not AllocationRun.objects.exists()
        page.get_by_role("checkbox").check()
        page.get_by_role("button", name=either("Allocate the season", "Asignar la temporada")).click()

        expect(page.locator("#season-progress-bar")).to_be_visible()
        audit(page)  # the progress bar, polled by htmx
        report = page.get_by_role("table", name=either("Report", "Informe"))
        expect(report).to_be_visible(timeout=60_000)  # the page reloads when the run ends
    expect(page.locator("#season-progress-bar")).to_have_attribute("value", "2")
    expect(report.get_by_role("row")).to_have_count(3)
    expect(report.get_by_role("row").nth(1)).to_contain_text(filled.number)
    expect(report.get_by_role("row").nth(2)).to_contain_text(unfilled.number)
    expect(report.get_by_role("row").nth(2)).to_contain_text(undocumented.full_name)
    audit(page)
    run = AllocationRun.objects.get()
    assert (run.status, run.added) == ("done", 2)
    assert Contract.objects.filter(request=filled).count() == 2
