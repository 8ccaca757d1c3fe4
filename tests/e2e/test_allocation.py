"""A state office's staff open the candidates of an approved request, pick two, confirm, and find
the request partially filled with both assignments on its timeline, in the browser.

The browser asks for Spanish; the names of the new pages' controls match their English text too,
so the test holds before and after the Spanish catalogue has them."""

import re

import pytest
from playwright.sync_api import expect

from contracts.models import Contract, ContractStatus
from employers.models import RequestStatus
from tests.e2e.browser import audit
from tests.e2e.test_sign_in import sign_in
from tests.factories import WorkerFactory, WorkerRequestFactory, fully_documented, next_season_start
from workers.models import WorkerStatus

pytestmark = pytest.mark.e2e


def either(english: str, spanish: str) -> re.Pattern:
    return re.compile(rf"^\s*({re.escape(english)}|{re.escape(spanish)})\s*$")


CANDIDATES = either("Candidates", "Candidatos")
ALLOCATE = either("Allocate", "Asignar")
CONFIRM = either("Confirm the allocation", "Confirmar la asignación")


def test_staff_allocate_two_candidates_and_the_request_is_partially_filled(page, staff_tlaxcala, program,
                                                                            worksite_a):
    request = WorkerRequestFactory(employer=worksite_a.employer, worksite=worksite_a, program=program,
                                   status=RequestStatus.APPROVED, workers_requested=3)
    rosa, pedro, lucia = (
        fully_documented(WorkerFactory(first_names=name, paternal_surname="Tlapa", state_of_origin="TLA",
                                       status=WorkerStatus.ELIGIBLE), staff_tlaxcala, start=next_season_start())
        for name in ("Rosa", "Pedro", "Lucía")
    )

    sign_in(page, staff_tlaxcala.username)
    audit(page)
    page.goto(f"/review/requests/{request.public_id}/")
    audit(page)
    page.get_by_role("link", name=CANDIDATES).click()
    audit(page)  # the ranked candidates, each with the parts of its score
    expect(page.locator("tbody tr")).to_have_count(3)
    expect(page.locator("#places-left")).to_have_text("3")

    page.get_by_label(rosa.full_name).check()
    page.get_by_label(lucia.full_name).check()
    page.get_by_role("button", name=ALLOCATE).click()
    audit(page)  # the confirmation: nothing has changed yet
    assert not Contract.objects.exists()
    expect(page.locator("main li")).to_have_text([rosa.full_name, lucia.full_name])
    page.get_by_role("button", name=CONFIRM).click()

    # Back on the request: partially filled, both assignments on the timeline.
    expect(page.get_by_role("status").first).to_contain_text(request.number)
    audit(page)
    request.refresh_from_db()
    assert request.status == RequestStatus.PARTIALLY_FILLED
    assert set(Contract.objects.filter(request=request, status=ContractStatus.PROPOSED)
               .values_list("worker__first_names", flat=True)) == {"Rosa", "Lucía"}
    timeline = page.get_by_role("list", name=re.compile("Timeline|Cronología|Historial"))
    expect(timeline).to_contain_text(rosa.full_name)
    expect(timeline).to_contain_text(lucia.full_name)

    # One place left, and only the worker not chosen is still a candidate.
    page.get_by_role("link", name=CANDIDATES).click()
    audit(page)
    expect(page.locator("#places-left")).to_have_text("1")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text(pedro.full_name)
