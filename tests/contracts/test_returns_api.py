"""Returns over REST: ``contracts/{id}/confirm-return/`` and ``returns/`` — role × endpoint,
201 then 200 for the same confirmation, the three states, what employers do not see, filters,
and a list whose query count does not grow with its page."""

import dataclasses
import datetime

import pytest
from django.utils import translation

from contracts.models import Contract, ContractStatus, ExpectedReturn
from contracts.returns import contract_confirm_return
from tests.contracts.test_allocation_api import filled
from tests.contracts.test_returns import SEEN, ended_request, finished
from tests.factories import WorkerFactory
from tests.helpers import assert_constant_queries, check_cell, matrix
from workers.models import Worker, WorkerStatus

pytestmark = pytest.mark.django_db
CONFIRM = "/api/v1/contracts/{contract}/confirm-return/"
RETURNS = "/api/v1/returns/"
RETURN = RETURNS + "{expected}/"
BODY = {"seen_home_on": "{seen}", "place": "consulate", "identity_document": "passport"}
OUT_OF_SCOPE = {"anonymous": 401, "staff_quebec": 404, "employer_b": 404}


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(personas, program, employer_a, worksite_a):
    """Employer A's contract (Ontario) with a Tlaxcala worker, ended 10 days ago: overdue by 3."""
    contract = finished(ended_request(program, employer_a, worksite_a),
                        WorkerFactory(status=WorkerStatus.ABROAD, state_of_origin="TLA"))
    return {"contract": contract.public_id, "expected": contract.expected_return.public_id,
            "seen": contract.end_date.isoformat(),
            "tomorrow": (program.today() + datetime.timedelta(days=1)).isoformat()}


def state():
    return (list(Contract.objects.order_by("id").values("id", "status", "version", "returned_on_time")),
            list(ExpectedReturn.objects.order_by("id").values()),
            list(Worker.objects.order_by("id").values("id", "status", "version")))


@pytest.mark.parametrize("cell", matrix(
    ("POST", CONFIRM, {**OUT_OF_SCOPE, "administrator": 201, "staff_ontario": 201, "staff_tlaxcala": 201,
                       "employer_a": 403}, BODY),
    ("POST", CONFIRM, {"administrator": 400, "staff_tlaxcala": 400, "employer_a": 403, "staff_quebec": 404},
     {**BODY, "seen_home_on": "{tomorrow}"}),
    ("POST", CONFIRM, {"administrator": 400, "employer_a": 403}, {"place": "consulate"}),
    ("POST", CONFIRM, {"administrator": 400}, {**BODY, "identity_document": "library_card"}),
    ("GET", CONFIRM, {"anonymous": 401, "administrator": 405, "employer_a": 405}),
    ("GET", RETURNS, {"anonymous": 401, "administrator": 200, "staff_ontario": 200, "staff_quebec": 200,
                      "staff_tlaxcala": 200, "employer_a": 200, "employer_b": 200}),
    ("GET", RETURN, {**OUT_OF_SCOPE, "administrator": 200, "staff_ontario": 200, "staff_tlaxcala": 200,
                     "employer_a": 200}),
    ("POST", RETURNS, {"anonymous": 401, "administrator": 405, "employer_a": 405}, {}),
    ("DELETE", RETURN, {"administrator": 405, "staff_quebec": 405}),
))
def test_who_may_do_what(cell, personas, world):
    check_cell(dataclasses.replace(cell, data=filled(cell.data, world)), personas=personas, objects=world,
               state=state)


def test_a_second_confirmation_answers_200_with_the_record_unchanged(api_as, personas, world):
    body = filled(BODY, world)
    first = api_as(personas["staff_tlaxcala"]).post(CONFIRM.format(**world), body, format="json")
    assert first.status_code == 201
    assert (first.json()["state"], first.json()["days_late"], first.json()["contract_status"]) == (
        "confirmed", -7, "returned")
    before = state()
    again = api_as(personas["staff_ontario"]).post(CONFIRM.format(**world), {**body, "place": "port_of_entry"},
                                                   format="json")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert state() == before


def test_a_refusal_names_the_field(api_as, personas, world):
    response = api_as(personas["administrator"]).post(CONFIRM.format(**world),
                                                      filled({**BODY, "seen_home_on": "{tomorrow}"}, world),
                                                      format="json")
    assert response.status_code == 400
    assert "seen_home_on" in str(response.json())


def test_a_contract_still_active_is_a_409_listing_the_allowed_actions(api_as, personas, world):
    Contract.objects.filter(public_id=world["contract"]).update(status=ContractStatus.ACTIVE)
    response = api_as(personas["administrator"]).post(CONFIRM.format(**world), filled(BODY, world), format="json")
    assert response.status_code == 409
    assert "confirm-return" not in response.json()["allowed_actions"]


def test_employers_see_their_returns_without_the_identity_document(api_as, personas, world):
    contract_confirm_return(contract=Contract.objects.get(public_id=world["contract"]),
                            by=personas["staff_ontario"], seen_home_on=datetime.date.fromisoformat(world["seen"]),
                            **SEEN)
    staff = api_as(personas["staff_ontario"]).get(RETURN.format(**world)).json()
    employer = api_as(personas["employer_a"]).get(RETURN.format(**world)).json()
    assert (staff["identity_document"], staff["confirmed_by"]) == ("passport", "staff.ontario")
    assert (employer["identity_document"], employer["confirmed_by"]) == (None, None)
    assert employer["worker"] == staff["worker"] and set(employer["worker"]) == {"id", "name"}
    assert api_as(personas["employer_b"]).get(RETURNS).json()["results"] == []


def test_the_three_states(api_as, personas, program, employer_a, worksite_a):
    due_today = finished(ended_request(program, employer_a, worksite_a, ended_days_ago=7))
    overdue = finished(ended_request(program, employer_a, worksite_a, ended_days_ago=12))
    confirmed = finished(ended_request(program, employer_a, worksite_a, ended_days_ago=30))
    contract_confirm_return(contract=confirmed, by=personas["staff_ontario"], seen_home_on=program.today(), **SEEN)
    client = api_as(personas["staff_ontario"])

    def listed(state):
        return [(row["contract"], row["state"], row["days_late"])
                for row in client.get(RETURNS, {"state": state}).json()["results"]]

    assert listed("expected") == [(str(due_today.public_id), "expected", None)]
    assert listed("overdue") == [(str(overdue.public_id), "overdue", 5)]
    assert listed("confirmed") == [(str(confirmed.public_id), "confirmed", 30 - 7)]
    assert client.get(RETURNS, {"state": "lost"}).status_code == 400


def test_filters_by_season_and_program(api_as, personas, program, employer_a, worksite_a):
    contract = finished(ended_request(program, employer_a, worksite_a))
    client = api_as(personas["administrator"])
    assert len(client.get(RETURNS, {"season": contract.season, "program": program.pk}).json()["results"]) == 1
    assert client.get(RETURNS, {"season": contract.season - 1}).json()["results"] == []
    assert client.get(RETURNS, {"program": program.pk + 1000}).status_code == 400  # no such program


def test_the_list_costs_the_same_queries_whatever_its_length(api_as, personas, program, employer_a, worksite_a):
    request = ended_request(program, employer_a, worksite_a, ended_days_ago=20)
    for _number in range(10):
        finished(request)
    # The time zones of the programs (overdue counts in each), then the page with its contracts,
    # workers, programs, employers and who confirmed, in one join.
    count = assert_constant_queries(api_as(personas["staff_ontario"]), RETURNS, params={"state": "overdue"})
    assert count == 2
