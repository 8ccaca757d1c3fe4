"""Consulate staff approve a pending employer, approve the oldest submitted request and reject the
next one with a reason, in the browser.

The browser asks for Spanish; the names of the new pages' controls match their English text too,
so the test holds before and after the Spanish catalogue has them."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from employers.models import Employer, RequestStatus
from tests.e2e.browser import audit
from tests.e2e.test_sign_in import sign_in
from tests.factories import EmployerFactory, WorkerRequestFactory, WorksiteFactory

pytestmark = pytest.mark.e2e


def either(english: str, spanish: str) -> re.Pattern:
    return re.compile(rf"^\s*({re.escape(english)}|{re.escape(spanish)})\s*$")


EMPLOYERS = either("Employers", "Empleadores")
REQUESTS = either("Requests", "Solicitudes")
APPROVE = either("Approve", "Aprobar")
REJECT = either("Reject", "Rechazar")
CONFIRM_APPROVAL = either("Confirm the approval", "Confirmar la aprobación")
CONFIRM_REJECTION = either("Confirm the rejection", "Confirmar el rechazo")


def test_consulate_staff_approve_an_employer_then_approve_one_request_and_reject_another(page, staff_ontario,
                                                                                          program, worksite_a):
    pending = EmployerFactory(legal_name="Maple Grove Orchards Ltd.", status=Employer.Status.PENDING)
    WorksiteFactory(employer=pending, name="Maple Grove orchard", region="CA-ON")
    now = timezone.now()
    oldest, newer = (
        WorkerRequestFactory(employer=worksite_a.employer, worksite=worksite_a, program=program,
                             status=RequestStatus.SUBMITTED, submitted_at=now - datetime.timedelta(days=days))
        for days in (3, 1)
    )

    sign_in(page, staff_ontario.username)
    audit(page)  # the staff home, with what waits for this consulate
    expect(page.locator("article[aria-labelledby=panel-requests]")).to_contain_text("2")
    expect(page.locator("article[aria-labelledby=panel-employers]")).to_contain_text("1")
    main_navigation = page.get_by_role("navigation", name="Principal")

    # The employer approval queue: the pending registration first.
    main_navigation.get_by_role("link", name=EMPLOYERS).click()
    audit(page)
    expect(page.locator("tbody tr").first).to_contain_text("Maple Grove Orchards Ltd.")
    page.get_by_role("link", name="Maple Grove Orchards Ltd.").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Maple Grove Orchards Ltd.")
    expect(page.get_by_role("cell", name="Maple Grove orchard")).to_be_visible()
    audit(page)
    page.get_by_role("link", name=APPROVE).click()
    audit(page)  # the confirmation: nothing has changed yet
    pending.refresh_from_db()
    assert pending.status == Employer.Status.PENDING
    page.get_by_role("button", name=CONFIRM_APPROVAL).click()
    expect(page.get_by_role("status").first).to_contain_text(re.compile("Employer approved.|Empleador aprobado."))
    audit(page)
    pending.refresh_from_db()
    assert pending.status == Employer.Status.APPROVED
    expect(page.get_by_role("link", name=APPROVE)).to_have_count(0)

    # The request queue: submitted requests, oldest first.
    main_navigation.get_by_role("link", name=REQUESTS).click()
    audit(page)
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("tbody tr").first).to_contain_text(oldest.number)
    page.get_by_role("link", name=oldest.number).click()
    expect(page.get_by_text(worksite_a.name).first).to_be_visible()
    audit(page)
    page.get_by_role("link", name=APPROVE).click()
    audit(page)
    page.get_by_role("button", name=CONFIRM_APPROVAL).click()
    expect(page.get_by_role("status").first).to_contain_text(re.compile("Request approved.|Solicitud aprobada."))
    audit(page)
    oldest.refresh_from_db()
    assert oldest.status == RequestStatus.APPROVED
    # The timeline names who approved it.
    expect(page.locator("ol.timeline")).to_contain_text(staff_ontario.username)

    main_navigation.get_by_role("link", name=REQUESTS).click()
    audit(page)
    expect(page.locator("tbody tr")).to_have_count(1)
    page.get_by_role("link", name=newer.number).click()
    audit(page)
    page.get_by_role("link", name=REJECT).click()
    audit(page)
    # Without a reason the rejection is refused, and says why.
    page.get_by_role("button", name=CONFIRM_REJECTION).click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit(page)
    newer.refresh_from_db()
    assert newer.status == RequestStatus.SUBMITTED
    page.get_by_label(re.compile("^(Reason|Motivo)")).fill("The LMIA covers 2 workers, not 4: file again for 2.")
    page.get_by_role("button", name=CONFIRM_REJECTION).click()
    expect(page.get_by_role("status").first).to_contain_text(re.compile("Request rejected.|Solicitud rechazada."))
    expect(page.get_by_text("The LMIA covers 2 workers, not 4: file again for 2.").first).to_be_visible()
    audit(page)
    newer.refresh_from_db()
    assert (newer.status, newer.status_reason) == (RequestStatus.REJECTED,
                                                   "The LMIA covers 2 workers, not 4: file again for 2.")
