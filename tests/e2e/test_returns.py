"""A state office's staff check a returning worker in: the nav link, the CURP typed at the desk
(sent by POST), the contract awaiting return with its due date, one more click to confirm; then
the confirmed list and the staff home's on-time rate, each page checked for accessibility."""

import re

import pytest
from playwright.sync_api import expect

from contracts.models import Contract, ContractStatus, ExpectedReturn
from tests.contracts.test_returns import ended_request, finished
from tests.e2e.browser import audit
from tests.e2e.test_allocation import either
from tests.e2e.test_sign_in import sign_in
from tests.factories import WorkerFactory
from workers.models import Worker, WorkerStatus

pytestmark = pytest.mark.e2e

RETURNS = either("Returns", "Regresos")
FIND = either("Find the worker", "Buscar al trabajador")
CONFIRM = either("Confirm the return", "Confirmar el regreso")
CONFIRMED = either("Confirmed", "Confirmados")


def test_staff_check_a_returning_worker_in(page, staff_tlaxcala, program, employer_a, worksite_a):
    contract = finished(ended_request(program, employer_a, worksite_a),
                        WorkerFactory(status=WorkerStatus.ABROAD, state_of_origin="TLA", first_names="Rosa",
                                      paternal_surname="Tlapa"))
    sign_in(page, staff_tlaxcala.username)
    page.get_by_role("link", name=RETURNS).first.click()
    audit(page)  # the check-in desk
    page.locator("#id_curp").fill(contract.worker.curp.lower())
    page.get_by_role("button", name=FIND).click()
    audit(page)  # the worker and the contract awaiting return
    assert contract.worker.curp not in page.url and "curp" not in page.url.lower()
    expect(page.locator(".worker-name")).to_have_text(contract.worker.full_name)
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.ENDED  # nothing yet

    prefix = f"#id_return-{contract.public_id}-"
    expect(page.locator(prefix + "seen_home_on")).to_have_value(program.today().isoformat())  # default today
    page.locator(prefix + "place").select_option("home_office")
    page.locator(prefix + "identity_document").select_option("voter_card")
    page.get_by_role("button", name=CONFIRM).click()
    page.wait_for_load_state("load")
    expect(page.locator("p.message-success")).to_contain_text("Rosa Tlapa")
    audit(page)  # back at the desk, with the confirmation's message
    expected = ExpectedReturn.objects.get(contract=contract)
    assert (expected.place, expected.identity_document, expected.confirmed_by_id) == (
        "home_office", "voter_card", staff_tlaxcala.pk)
    assert Worker.objects.get(pk=contract.worker_id).status == WorkerStatus.RETURNED

    page.get_by_role("link", name=CONFIRMED).click()
    audit(page)  # the confirmed returns
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr .days-late")).to_have_text("3")
    page.goto("/staff/")
    audit(page)  # the staff home with the on-time rate
    expect(page.locator("#circularity-by-program .rate")).to_have_text(re.compile(r"0\s*%"))
