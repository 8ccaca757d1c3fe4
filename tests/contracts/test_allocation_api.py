"""Candidates, allocation and contracts over REST: who may do what (a role × endpoint matrix, with
nothing changed on refusal), the ranking's parts and the named workers who cannot go, allocation
filling the request and refusing conflicts with 409, and lists whose query count does not grow
with their page."""

import dataclasses
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Contract, ContractStatus, ContractStatusChange, RankingWeights
from contracts.ranking import PARTS
from employers.models import NamedWorker, RequestEvent, RequestStatus, WorkerRequest
from tests.factories import WorkerFactory, WorkerRequestFactory, fully_documented, next_season_start
from tests.helpers import assert_constant_queries, check_cell, matrix
from workers.models import Worker, WorkerStatus

pytestmark = pytest.mark.django_db

APPROVED = "/api/v1/requests/{approved}/"
CANDIDATES = APPROVED + "candidates/"
ALLOCATE = APPROVED + "allocate/"
CONTRACTS = "/api/v1/contracts/"
CONTRACT = CONTRACTS + "{contract}/"


@pytest.fixture
def api_as(api_as):
    """API clients that read the answers in English (the messages below are quoted in English)."""

    def make(user):
        client = api_as(user)
        client.credentials(HTTP_ACCEPT_LANGUAGE="en")
        return client

    return make


def eligible(verifier, **fields):
    fields.setdefault("state_of_origin", "TLA")
    return fully_documented(WorkerFactory(status=WorkerStatus.ELIGIBLE, **fields), verifier, start=next_season_start())


def past_contract(worker, request, **fields):
    """A contract ``worker`` worked on ``request`` (of an earlier season)."""
    return Contract.objects.create(
        request=request, worker=worker, program=request.program, season=request.season,
        start_date=request.start_date, end_date=request.end_date, wage_amount=request.wage_amount,
        wage_currency=request.wage_currency, hours_per_week=request.hours_per_week,
        worker_status_before=WorkerStatus.ELIGIBLE, **{"status": ContractStatus.RETURNED, **fields})


def last_season_request(program, employer, worksite):
    year = next_season_start().year - 2
    return WorkerRequestFactory(program=program, employer=employer, worksite=worksite, status=RequestStatus.FILLED,
                                start_date=datetime.date(year, 5, 4), end_date=datetime.date(year, 8, 3),
                                workers_requested=20)


@pytest.fixture
def approved(program, employer_a, worksite_a):
    return WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                status=RequestStatus.APPROVED, workers_requested=2)


@pytest.fixture
def world(personas, program, employer_a, worksite_a, approved, staff_tlaxcala):
    """Employer A's approved request (Ontario) for 2 workers; an eligible worker from Tlaxcala; a
    contract employer A had with another Tlaxcala worker two seasons ago."""
    worker = eligible(staff_tlaxcala, first_names="Rosa", paternal_surname="Tlapa")
    veteran = eligible(staff_tlaxcala, first_names="Pedro", paternal_surname="Xicohténcatl")
    contract = past_contract(veteran, last_season_request(program, employer_a, worksite_a), returned_on_time=True)
    return {"approved": approved.public_id, "worker": worker.public_id, "contract": contract.public_id}


def state():
    """Everything a call on these endpoints could change."""
    return (
        list(Contract.objects.order_by("id").values()),
        ContractStatusChange.objects.count(),
        list(WorkerRequest.objects.order_by("id").values("id", "status", "version")),
        RequestEvent.objects.count(),
        list(Worker.objects.order_by("id").values("id", "status", "version")),
    )


def filled(value, objects):
    """The cell's body with each "{name}" string replaced by that object's public id."""
    if isinstance(value, dict):
        return {key: filled(item, objects) for key, item in value.items()}
    if isinstance(value, list):
        return [filled(item, objects) for item in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return str(objects[value[1:-1]])
    return value


# --- Role × endpoint -----------------------------------------------------------------------------

STAFF_ONLY = {"anonymous": 401, "administrator": 200, "staff_ontario": 200, "staff_quebec": 404,
              "staff_tlaxcala": 200, "employer_a": 404, "employer_b": 404}


@pytest.mark.parametrize("cell", matrix(
    ("GET", CANDIDATES, STAFF_ONLY),
    ("GET", CANDIDATES + "?limit=201", {"administrator": 400, "employer_a": 404}),
    # Allocating needs the request and the worker in sight: Ontario's consulate does not see a
    # Tlaxcala worker never placed in Ontario, so the id reads as unknown.
    ("POST", ALLOCATE, {"anonymous": 401, "administrator": 201, "staff_ontario": 400, "staff_quebec": 404,
                        "staff_tlaxcala": 201, "employer_a": 404, "employer_b": 404}, {"workers": ["{worker}"]}),
    ("POST", ALLOCATE, {"administrator": 400, "staff_tlaxcala": 400, "employer_a": 404}, {"workers": []}),
    ("POST", ALLOCATE, {"administrator": 400}, {"workers": ["{worker}", "{worker}"]}),
    ("GET", ALLOCATE, {"anonymous": 401, "administrator": 405, "employer_a": 405}),
    ("GET", CONTRACTS, {"anonymous": 401, "administrator": 200, "staff_ontario": 200, "staff_quebec": 200,
                        "staff_tlaxcala": 200, "employer_a": 200, "employer_b": 200}),
    ("GET", CONTRACT, {"anonymous": 401, "administrator": 200, "staff_ontario": 200, "staff_quebec": 404,
                       "staff_tlaxcala": 200, "employer_a": 200, "employer_b": 404}),
    ("PATCH", CONTRACT, {"anonymous": 401, "administrator": 405, "employer_a": 405}, {"status": "cancelled"}),
    ("DELETE", CONTRACT, {"anonymous": 401, "administrator": 405, "employer_a": 405}),
    ("POST", CONTRACTS, {"anonymous": 401, "administrator": 405, "staff_ontario": 405}, {}),
))
def test_role_endpoint_matrix(cell, personas, world):
    cell = dataclasses.replace(cell, data=filled(cell.data, world))
    check_cell(cell, personas=personas, objects=world, state=state)


def test_each_list_shows_only_what_the_caller_may_see(api_as, personas, world):
    def ids(persona):
        return [row["id"] for row in api_as(personas[persona]).get(CONTRACTS).json()["results"]]

    contract = str(world["contract"])
    assert ids("administrator") == ids("staff_ontario") == ids("staff_tlaxcala") == ids("employer_a") == [contract]
    assert ids("staff_quebec") == ids("employer_b") == []


def test_employers_see_a_contracts_worker_by_name_only(api_as, personas, world):
    as_employer = api_as(personas["employer_a"]).get(CONTRACTS + f"{world['contract']}/").json()
    as_staff = api_as(personas["staff_ontario"]).get(CONTRACTS + f"{world['contract']}/").json()
    veteran = Contract.objects.get(public_id=world["contract"]).worker
    assert as_employer["worker"] == {"id": str(veteran.public_id), "name": veteran.full_name}
    assert as_employer["score"] is None
    assert as_staff["worker"] == {"id": str(veteran.public_id), "name": veteran.full_name, "curp": veteran.curp,
                                  "state_of_origin": "TLA", "status": WorkerStatus.ELIGIBLE}
    assert veteran.curp not in str(as_employer) and veteran.nss not in str(as_employer)


# --- Candidates ----------------------------------------------------------------------------------

def test_candidates_are_ranked_with_the_parts_of_their_score(api_as, administrator, world, approved, program):
    named = eligible(administrator, first_names="Nombrada")
    NamedWorker.objects.create(request=approved, worker=named, added_by=administrator)
    body = api_as(administrator).get(CANDIDATES.format(approved=approved.public_id)).json()
    weights = RankingWeights.for_program(program)
    names = [candidate["name"].split()[0] for candidate in body["candidates"]]
    assert names == ["Nombrada", "Pedro", "Rosa"]  # named, then came home on time, then the new entrant
    first, second = body["candidates"][:2]
    assert first["parts"]["named"] == weights.named
    assert second["parts"]["returned_on_time"] == weights.returned_on_time
    assert second["parts"]["same_employer"] == weights.same_employer
    for candidate in body["candidates"]:
        assert set(candidate["parts"]) == set(PARTS)
        assert candidate["score"] == sum(candidate["parts"].values())
        assert candidate["state_of_origin"] == "TLA"
    assert body["places_left"] == 2
    assert body["named_unavailable"] == []


def test_named_workers_who_cannot_go_are_listed_with_every_reason(api_as, administrator, world, approved):
    undocumented = WorkerFactory(first_names="Sin", paternal_surname="Papeles", status=WorkerStatus.ELIGIBLE)
    NamedWorker.objects.create(request=approved, worker=undocumented, added_by=administrator)
    body = api_as(administrator).get(CANDIDATES.format(approved=approved.public_id)).json()
    [row] = body["named_unavailable"]
    assert row["id"] == str(undocumented.public_id) and row["name"] == undocumented.full_name
    codes = {reason["code"] for reason in row["reasons"]}
    assert {"passport_missing_or_expiring", "medical_missing_or_outdated", "background_check_missing"} <= codes, codes
    assert all(reason["message"] for reason in row["reasons"])
    assert undocumented.full_name not in [candidate["name"] for candidate in body["candidates"]]


def test_candidates_are_only_the_workers_the_staff_member_sees(api_as, staff_ontario, staff_tlaxcala, world,
                                                                 approved):
    eligible(staff_tlaxcala, first_names="Mexiquense", state_of_origin="MEX")
    url = CANDIDATES.format(approved=approved.public_id)
    tlaxcala = [row["name"].split()[0] for row in api_as(staff_tlaxcala).get(url).json()["candidates"]]
    assert tlaxcala == ["Pedro", "Rosa"]
    # Ontario's consulate sees the worker it placed in Ontario before, no one else.
    ontario = [row["name"].split()[0] for row in api_as(staff_ontario).get(url).json()["candidates"]]
    assert ontario == ["Pedro"]


def test_candidates_cost_the_same_queries_whatever_the_limit(api_as, administrator, approved):
    for number in range(10):
        eligible(administrator, first_names=f"Trabajador {number}")
    NamedWorker.objects.create(request=approved, worker=WorkerFactory(), added_by=administrator)
    client = api_as(administrator)
    url = CANDIDATES.format(approved=approved.public_id)
    client.get(url)  # the first ranking of a program creates its weights row
    counts = {}
    for limit in (2, 10):
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url, {"limit": limit}).json()
        assert len(body["candidates"]) == limit
        counts[limit] = len(queries)
    # The request, the weights, the required schemes, the bounds of the best workers and one scored
    # batch (candidates() ranks in batches by upper bound), the named workers and what their
    # eligibility reads (prefetched), the places taken: the same whatever the limit.
    assert counts[2] == counts[10] <= 20, counts


# --- Allocation ----------------------------------------------------------------------------------

def test_allocating_fills_the_request_step_by_step(api_as, staff_tlaxcala, world, approved):
    client = api_as(staff_tlaxcala)
    url = ALLOCATE.format(approved=approved.public_id)
    response = client.post(url, {"workers": [str(world["worker"])]}, format="json")
    assert response.status_code == 201, response.json()
    [contract] = response.json()
    assert contract["status"] == ContractStatus.PROPOSED
    assert contract["worker"]["id"] == str(world["worker"])
    assert contract["request"] == str(approved.public_id)
    assert (contract["start_date"], contract["end_date"]) == (approved.start_date.isoformat(),
                                                              approved.end_date.isoformat())
    assert set(contract["score"]) == {"score", *PARTS}
    approved.refresh_from_db()
    assert approved.status == RequestStatus.PARTIALLY_FILLED
    assert Worker.objects.get(public_id=world["worker"]).status == WorkerStatus.SELECTED

    veteran = Contract.objects.get(public_id=world["contract"]).worker
    response = client.post(url, {"workers": [str(veteran.public_id)]}, format="json")
    assert response.status_code == 201, response.json()
    approved.refresh_from_db()
    assert approved.status == RequestStatus.FILLED
    assert list(approved.timeline.filter(kind="worker_assigned").values_list("details__name", flat=True)) == [
        Worker.objects.get(public_id=world["worker"]).full_name, veteran.full_name]


def test_more_workers_than_places_left_is_a_conflict_and_changes_nothing(api_as, administrator, world, approved):
    workers = [str(eligible(administrator).public_id) for _ in range(3)]
    before = state()
    response = api_as(administrator).post(ALLOCATE.format(approved=approved.public_id), {"workers": workers},
                                          format="json")
    assert response.status_code == 409
    assert response.json() == {"workers": [f"Request {approved.number} has 2 places left; 3 workers were chosen."]}
    assert state() == before


def test_a_worker_with_a_contract_over_the_dates_is_a_conflict(api_as, administrator, world, approved, program,
                                                               employer_b, worksite_b):
    other = WorkerRequestFactory(program=program, employer=employer_b, worksite=worksite_b,
                                 status=RequestStatus.APPROVED,
                                 start_date=approved.start_date + datetime.timedelta(weeks=2),
                                 end_date=approved.end_date + datetime.timedelta(weeks=2))
    client = api_as(administrator)
    body = {"workers": [str(world["worker"])]}
    assert client.post(ALLOCATE.format(approved=other.public_id), body, format="json").status_code == 201
    before = state()
    response = client.post(ALLOCATE.format(approved=approved.public_id), body, format="json")
    assert response.status_code == 409
    [message] = response.json()["workers"]
    assert message.startswith("Rosa Tlapa") and "contract" in message, message
    assert state() == before


def test_a_request_not_approved_takes_no_workers(api_as, administrator, world, program, employer_a, worksite_a):
    submitted = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                     status=RequestStatus.SUBMITTED)
    before = state()
    response = api_as(administrator).post(ALLOCATE.format(approved=submitted.public_id),
                                          {"workers": [str(world["worker"])]}, format="json")
    assert response.status_code == 409
    assert response.json()["current_status"] == RequestStatus.SUBMITTED
    assert state() == before


# --- Contracts list ------------------------------------------------------------------------------

@pytest.fixture
def many_contracts(program, employer_a, worksite_a, administrator):
    request = last_season_request(program, employer_a, worksite_a)
    return [past_contract(WorkerFactory(), request, employer_rating=4) for _ in range(10)]


def test_contract_list_queries_do_not_grow_with_the_page(api_as, personas, many_contracts):
    for persona in ("administrator", "staff_ontario", "employer_a"):
        count = assert_constant_queries(api_as(personas[persona]), CONTRACTS)
        # Staff: the user's office (scope); then the contracts with request, employer, worksite,
        # occupation and worker joined in.
        assert count <= 2, (persona, count)


def test_contract_list_filters(api_as, administrator, many_contracts, world):
    client = api_as(administrator)
    veteran_contract = Contract.objects.get(public_id=world["contract"])

    def ids(**params):
        return {row["id"] for row in client.get(CONTRACTS, params).json()["results"]}

    assert ids(worker=str(veteran_contract.worker.public_id)) == {str(veteran_contract.public_id)}
    assert ids(request=str(many_contracts[0].request.public_id)) == {str(c.public_id) for c in many_contracts}
    assert ids(status="proposed") == set()
    assert len(ids(status="returned", season=veteran_contract.season)) == 11
    assert client.get(CONTRACTS, {"status": "lost"}).status_code == 400
