"""The contract actions over REST: role × action, a 409 that lists what is allowed, nothing
changed by any refusal."""

import dataclasses
import datetime

import pytest
from django.utils import timezone, translation

from contracts.models import Contract, ContractStatus
from contracts.services import contracts_allocate
from employers.models import RequestStatus
from tests.contracts.test_allocation_api import eligible, filled, state
from tests.factories import WorkerRequestFactory
from tests.helpers import check_cell, matrix

pytestmark = pytest.mark.django_db
CONTRACT = "/api/v1/contracts/{contract}/"
TODAY = {"worker_signed_on": "{today}", "employer_signed_on": "{today}"}
SEEN_BY_ALL_STAFF = {"anonymous": 401, "staff_quebec": 404, "employer_b": 404}


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(personas, program, employer_a, worksite_a, staff_tlaxcala):
    """A contract proposed to a Tlaxcala worker on employer A's request in Ontario."""
    request = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                   status=RequestStatus.APPROVED, workers_requested=2)
    contract = contracts_allocate(request=request, workers=[eligible(staff_tlaxcala)], by=staff_tlaxcala)[0]
    return {"contract": contract.public_id, "today": timezone.localdate().isoformat()}


def active(world):
    Contract.objects.filter(public_id=world["contract"]).update(status=ContractStatus.ACTIVE)
    return world


@pytest.mark.parametrize("cell", matrix(
    ("POST", CONTRACT + "sign/", {**SEEN_BY_ALL_STAFF, "administrator": 200, "staff_ontario": 200,
                                  "staff_tlaxcala": 200, "employer_a": 403}, TODAY),
    ("POST", CONTRACT + "sign/", {"administrator": 400, "employer_a": 403}, {}),
    ("POST", CONTRACT + "cancel/", {**SEEN_BY_ALL_STAFF, "administrator": 200, "staff_ontario": 200,
                                    "employer_a": 403}, {}),
    ("POST", CONTRACT + "depart/", {**SEEN_BY_ALL_STAFF, "administrator": 409, "employer_a": 403}, {}),
    ("POST", CONTRACT + "arrive/", {**SEEN_BY_ALL_STAFF, "administrator": 409, "employer_a": 409}, {}),
    ("POST", CONTRACT + "end/", {**SEEN_BY_ALL_STAFF, "administrator": 409, "employer_a": 403}, {}),
    ("POST", CONTRACT + "terminate/", {**SEEN_BY_ALL_STAFF, "administrator": 409, "employer_a": 409},
     {"reason": "medical"}),
    ("GET", CONTRACT + "sign/", {"anonymous": 401, "administrator": 405, "employer_a": 405}),
))
def test_actions_on_a_proposed_contract(cell, personas, world):
    check_cell(dataclasses.replace(cell, data=filled(cell.data, world)), personas=personas, objects=world,
               state=state)


@pytest.mark.parametrize("cell", matrix(
    ("POST", CONTRACT + "terminate/", {**SEEN_BY_ALL_STAFF, "administrator": 200, "staff_tlaxcala": 200,
                                       "employer_a": 200}, {"reason": "lack_of_work", "on": "{start}"}),
    ("POST", CONTRACT + "terminate/", {"administrator": 400, "employer_a": 400}, {"reason": "bored", "on": "{start}"}),
    ("POST", CONTRACT + "end/", {**SEEN_BY_ALL_STAFF, "administrator": 400, "employer_a": 403}, {}),  # before its end
    ("POST", CONTRACT + "cancel/", {**SEEN_BY_ALL_STAFF, "administrator": 409, "employer_a": 403}, {}),
    ("POST", CONTRACT + "transfer/", {**SEEN_BY_ALL_STAFF, "administrator": 201, "staff_tlaxcala": 201,
                                      "employer_a": 403},
     {"request": "{elsewhere}", "consent_on": "{today}", "on": "{moving_day}"}),
    ("POST", CONTRACT + "transfer/", {"administrator": 400}, {"request": "{elsewhere}", "on": "{moving_day}"}),
))
def test_actions_on_an_active_contract(cell, personas, world, program, employer_b):
    start = Contract.objects.get(public_id=world["contract"]).start_date
    elsewhere = WorkerRequestFactory(program=program, employer=employer_b, status=RequestStatus.APPROVED)
    moving_day = start + datetime.timedelta(days=20)
    world = {**active(world), "start": start.isoformat(), "moving_day": moving_day.isoformat(),
             "elsewhere": elsewhere.public_id}
    check_cell(dataclasses.replace(cell, data=filled(cell.data, world)), personas=personas, objects=world,
               state=state)


def test_a_refused_action_lists_the_allowed_ones(api_as, personas, world):
    response = api_as(personas["employer_a"]).post(CONTRACT.format(**world) + "arrive/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["current_status"] == "proposed"
    assert response.json()["allowed_actions"] == []
    response = api_as(personas["administrator"]).post(CONTRACT.format(**world) + "arrive/", {}, format="json")
    assert response.json()["allowed_actions"] == ["cancel", "sign"]


def test_a_stale_version_is_a_409_and_the_fresh_one_goes_through(api_as, personas, world):
    client = api_as(personas["administrator"])
    version = client.get(CONTRACT.format(**world)).json()["version"]
    stale = client.post(CONTRACT.format(**world) + "cancel/", {"version": version + 1}, format="json")
    assert stale.status_code == 409
    done = client.post(CONTRACT.format(**world) + "cancel/", {"version": version}, format="json")
    assert (done.status_code, done.json()["status"], done.json()["version"]) == (200, "cancelled", version + 1)


def test_terminate_answers_with_the_contract_as_the_employer_may_see_it(api_as, personas, world):
    start = Contract.objects.get(public_id=active(world)["contract"]).start_date
    response = api_as(personas["employer_a"]).post(
        CONTRACT.format(**world) + "terminate/",
        {"reason": "medical", "on": (start + datetime.timedelta(days=3)).isoformat(), "note": "Back injury"},
        format="json")
    body = response.json()
    assert (body["status"], body["termination_reason"], body["status_note"]) == ("terminated_early", "medical",
                                                                                 "Back injury")
    assert set(body["worker"]) == {"id", "name"} and body["score"] is None
