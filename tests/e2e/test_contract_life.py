"""A state office's staff find a proposed contract in the list, record both signatures, and cancel
another after confirming; the employer sees its contract without the worker's CURP and ends it
early, in the browser, each page checked for accessibility."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contracts.models import Contract, ContractStatus
from contracts.services import contracts_allocate
from employers.models import RequestStatus
from tests.e2e.browser import audit
from tests.e2e.test_allocation import either
from tests.e2e.test_sign_in import sign_in
from tests.factories import WorkerFactory, WorkerRequestFactory, fully_documented, next_season_start
from workers.models import WorkerStatus

pytestmark = pytest.mark.e2e

CONTRACTS = either("Contracts", "Contratos")
SIGNATURES = either("Record the signatures", "Registrar las firmas")
CANCEL = either("Cancel the contract", "Cancelar el contrato")
END_EARLY = either("End early", "Terminar anticipadamente")


def proposed(program, worksite, staff, names):
    request = WorkerRequestFactory(employer=worksite.employer, worksite=worksite, program=program,
                                   status=RequestStatus.APPROVED, workers_requested=len(names))
    workers = [fully_documented(WorkerFactory(first_names=name, paternal_surname="Tlapa", state_of_origin="TLA",
                                              status=WorkerStatus.ELIGIBLE), staff, start=next_season_start())
               for name in names]
    return contracts_allocate(request=request, workers=workers, by=staff)


def test_staff_sign_one_contract_and_cancel_another(page, staff_tlaxcala, program, worksite_a):
    rosa, pedro = proposed(program, worksite_a, staff_tlaxcala, ["Rosa", "Pedro"])
    sign_in(page, staff_tlaxcala.username)
    audit(page)  # the staff home
    page.get_by_role("link", name=CONTRACTS).first.click()
    audit(page)  # the list
    expect(page.locator("tbody tr")).to_have_count(2)
    page.get_by_role("link", name=rosa.worker.full_name).click()
    audit(page)  # the contract, with what staff can do now

    page.get_by_text(SIGNATURES).first.click()  # open the action
    today = timezone.localdate().isoformat()
    page.locator("#id_sign-worker_signed_on").fill(today)
    page.locator("#id_sign-employer_signed_on").fill(today)
    page.get_by_role("button", name=SIGNATURES).click()
    expect(page.locator("#contract-status")).to_have_text(re.compile("Signed|Firmado"))
    audit(page)
    assert Contract.objects.get(pk=rosa.pk).status == ContractStatus.SIGNED

    page.goto(f"/contracts/{pedro.public_id}/")
    page.get_by_text(CANCEL).first.click()
    page.get_by_role("button", name=CANCEL).click()
    audit(page)  # the confirmation: nothing has changed yet
    assert Contract.objects.get(pk=pedro.pk).status == ContractStatus.PROPOSED
    page.get_by_role("button", name=re.compile("Confirm|Confirmar")).click()
    expect(page.locator("#contract-status")).to_have_text(re.compile("Cancelled|Cancelad"))
    audit(page)
    assert Contract.objects.get(pk=pedro.pk).status == ContractStatus.CANCELLED


def test_the_employer_ends_its_contract_early(page, employer_a_user, staff_tlaxcala, program, worksite_a):
    (contract,) = proposed(program, worksite_a, staff_tlaxcala, ["Lucía"])
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.ACTIVE)
    sign_in(page, employer_a_user.username)
    audit(page)  # the portal's home
    page.goto(f"/contracts/{contract.public_id}/")
    audit(page)
    expect(page.locator("main")).not_to_contain_text(contract.worker.curp)
    page.get_by_text(END_EARLY).first.click()
    page.locator("#id_terminate-reason").select_option("medical")
    page.locator("#id_terminate-on").fill((contract.start_date + datetime.timedelta(days=9)).isoformat())
    page.get_by_role("button", name=END_EARLY).click()
    audit(page)
    page.get_by_role("button", name=re.compile("Confirm|Confirmar")).click()
    expect(page.locator("#contract-status")).to_have_text(re.compile("Terminated early|Terminado anticipadamente"))
    audit(page)
    assert Contract.objects.get(pk=contract.pk).termination_reason == "medical"
