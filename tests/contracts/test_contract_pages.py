"""The contract pages: who sees which contract, the actions offered, a confirmation before the
actions that end something, errors shown with nothing changed, and a list that stays cheap."""

import datetime

import pytest
from django.utils import timezone, translation

from contracts.models import Contract, ContractStatus
from contracts.services import contracts_allocate
from employers.models import RequestStatus
from tests.contracts.test_allocation_api import eligible
from tests.factories import WorkerRequestFactory
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def contract(program, employer_a, worksite_a, staff_tlaxcala):
    request = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                   status=RequestStatus.APPROVED, workers_requested=1)
    return contracts_allocate(request=request, workers=[eligible(staff_tlaxcala)], by=staff_tlaxcala)[0]


def url(contract, tail=""):
    return f"/contracts/{contract.public_id}/{tail}"


@pytest.mark.parametrize(("persona", "status"), [
    ("administrator", 200), ("staff_ontario", 200), ("staff_tlaxcala", 200), ("employer_a", 200),
    ("staff_quebec", 404), ("employer_b", 404),
])
def test_who_opens_a_contract(sign_in, personas, contract, persona, status):
    assert sign_in(personas[persona]).get(url(contract)).status_code == status


def test_anonymous_people_are_sent_to_sign_in(client, contract):
    response = client.get(url(contract))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_see_the_actions_they_may_take_and_employers_theirs(sign_in, personas, contract):
    staff = sign_in(personas["staff_tlaxcala"]).get(url(contract))
    assert [name for name, *_rest in staff.context["actions"]] == ["cancel", "sign"]
    assert contract.worker.curp in staff.content.decode()
    employer = sign_in(personas["employer_a"]).get(url(contract))
    assert employer.context["actions"] == []
    assert contract.worker.curp not in employer.content.decode()  # employers never see the CURP


def test_signing_from_the_page(sign_in, staff_tlaxcala, contract):
    today = timezone.localdate().isoformat()
    client = sign_in(staff_tlaxcala)
    missing = client.post(url(contract, "sign/"), {"sign-worker_signed_on": today})
    assert missing.status_code == 400
    form = {name: form for name, _label, _confirmed, form in missing.context["actions"]}["sign"]
    assert list(form.errors) == ["employer_signed_on"]
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.PROPOSED
    done = client.post(url(contract, "sign/"), {"sign-worker_signed_on": today, "sign-employer_signed_on": today})
    assert done.status_code == 302
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.SIGNED


def test_cancel_asks_for_confirmation_first(sign_in, staff_tlaxcala, contract):
    client = sign_in(staff_tlaxcala)
    page = client.post(url(contract, "cancel/"), {"cancel-note": "Visa refused"})
    assert page.status_code == 200
    assert "contracts/contract_confirm.html" in [template.name for template in page.templates]
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.PROPOSED
    client.post(url(contract, "cancel/"), {"cancel-note": "Visa refused", "confirm": "1"})
    row = Contract.objects.get(pk=contract.pk)
    assert (row.status, row.status_note) == (ContractStatus.CANCELLED, "Visa refused")


def test_employers_end_early_their_own_contracts(sign_in, employer_a_user, employer_b_user, contract):
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.ACTIVE)
    day = (contract.start_date + datetime.timedelta(days=10)).isoformat()
    body = {"terminate-reason": "medical", "terminate-on": day, "confirm": "1"}
    assert sign_in(employer_b_user).post(url(contract, "terminate/"), body).status_code == 404
    assert sign_in(employer_a_user).post(url(contract, "terminate/"), body).status_code == 302
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.TERMINATED_EARLY


def test_the_document_downloads(sign_in, employer_a_user, contract):
    response = sign_in(employer_a_user).get(url(contract, "document/"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_the_list_costs_the_same_queries_whatever_its_length(sign_in, administrator, program, employer_a,
                                                             worksite_a, staff_tlaxcala):
    request = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                   status=RequestStatus.APPROVED, workers_requested=30)
    contracts_allocate(request=request, workers=[eligible(staff_tlaxcala) for _ in range(26)], by=staff_tlaxcala)
    client = sign_in(administrator)
    client.get("/contracts/")  # the session's first page loads what later pages reuse
    assert_constant_queries(client, "/contracts/", sizes=(3, 25), rows=lambda page: page.context["contracts"])


def test_search_and_empty_states(sign_in, administrator, contract):
    client = sign_in(administrator)
    found = client.get("/contracts/", {"q": contract.request.number})
    assert list(found.context["contracts"]) == [contract]
    none = client.get("/contracts/", {"q": "nobody at all"})
    assert list(none.context["contracts"]) == []
    assert 'class="empty"' in none.content.decode()
