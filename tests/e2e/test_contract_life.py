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


def running(program, worksite, staff, name, *, status=ContractStatus.ACTIVE):
    """A contract under way since three weeks ago."""
    start = timezone.localdate() - datetime.timedelta(days=21)
    request = WorkerRequestFactory(employer=worksite.employer, worksite=worksite, program=program,
                                   status=RequestStatus.APPROVED, workers_requested=1, start_date=start,
                                   end_date=start + datetime.timedelta(weeks=12), season=start.year)
    worker = WorkerFactory(first_names=name, paternal_surname="Tlapa", state_of_origin="TLA",
                           status=WorkerStatus.ABROAD)
    return Contract.objects.create(
        request=request, worker=worker, program=program, season=start.year, start_date=request.start_date,
        end_date=request.end_date, wage_amount=request.wage_amount, wage_currency=request.wage_currency,
        hours_per_week=request.hours_per_week, status=status, worker_status_before=WorkerStatus.ELIGIBLE)


def test_the_employer_reports_an_absence_and_rates_a_worker(page, employer_a_user, staff_tlaxcala, program,
                                                           worksite_a):
    from contracts.models import Absence, Evaluation

    absent = running(program, worksite_a, staff_tlaxcala, "Marta")
    finished = running(program, worksite_a, staff_tlaxcala, "Julio", status=ContractStatus.ENDED)
    sign_in(page, employer_a_user.username)
    audit(page)
    page.goto(f"/contracts/{absent.public_id}/")
    audit(page)
    page.get_by_text(either("Report an absence", "Reportar una ausencia")).first.click()
    page.locator("#id_absence-last_seen_on").fill((timezone.localdate() - datetime.timedelta(days=2)).isoformat())
    page.locator("#id_absence-note").fill("Not at the farm since Monday")
    page.get_by_role("button", name=either("Report an absence", "Reportar una ausencia")).click()
    expect(page.get_by_role("status").first).to_be_visible()
    audit(page)  # the absence, at stage "late"
    assert Absence.objects.get(contract=absent).stage == Absence.Stage.LATE

    page.goto(f"/contracts/{finished.public_id}/")
    page.get_by_text(re.compile("Record:|Registrar:")).first.click()
    for code in ("quality", "reliability", "safety", "teamwork"):
        page.locator(f"#id_evaluation-of_worker-score_{code}").select_option("4")
    page.get_by_role("button", name=either("Record the evaluation", "Registrar la evaluación")).click()
    expect(page.get_by_role("status").first).to_be_visible()
    audit(page)
    assert Evaluation.objects.get(contract=finished).overall == 4


def test_staff_follow_an_absence_to_the_welfare_check(page, staff_ontario, staff_tlaxcala, program, worksite_a):
    from contracts.absences import absence_report
    from contracts.models import Absence

    contract = running(program, worksite_a, staff_tlaxcala, "Marta")
    absence = absence_report(contract=contract, last_seen_on=timezone.localdate() - datetime.timedelta(days=3),
                             by=staff_tlaxcala)
    sign_in(page, staff_ontario.username)
    audit(page)
    page.goto(f"/contracts/{contract.public_id}/")
    audit(page)
    page.get_by_text(either("Mark as missing", "Marcar como desaparecido")).first.click()
    page.get_by_role("button", name=either("Mark as missing", "Marcar como desaparecido")).click()
    expect(page.get_by_role("status").first).to_be_visible()
    audit(page)
    welfare_check = either("Record the welfare check", "Registrar la verificación de bienestar")
    page.get_by_text(welfare_check).first.click()
    page.locator(f"#id_absence-{absence.pk}-welfare-check-note").fill("Safe with family in Leamington")
    page.get_by_role("button", name=welfare_check).click()
    expect(page.locator("main")).to_contain_text("Safe with family in Leamington")
    audit(page)
    absence.refresh_from_db()
    assert (absence.stage, absence.welfare_check_note) == (Absence.Stage.MISSING, "Safe with family in Leamington")
