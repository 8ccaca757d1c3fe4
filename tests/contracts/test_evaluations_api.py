"""Evaluations over REST (``evaluations/``): a role × endpoint matrix with nothing changed on
refusal, one evaluation per contract and side (409, even when two arrive at once), errors named
per criterion, what employers read (their own evaluations, no contest; the workers' ratings of them
only as averages from five on), and a list whose query count does not grow with its page."""

import dataclasses

import pytest
from rest_framework.test import APIClient

from contracts.evaluations import evaluation_record
from contracts.models import Contract, ContractStatus, Evaluation
from tests.contracts.test_allocation_api import filled, last_season_request, past_contract
from tests.contracts.test_concurrency import race
from tests.factories import WorkerFactory
from tests.helpers import assert_constant_queries, check_cell, matrix

pytestmark = pytest.mark.django_db
S = ContractStatus
D = Evaluation.Direction

EVALUATIONS = "/api/v1/evaluations/"
OF_WORKER = EVALUATIONS + "{of_worker}/"
OF_EMPLOYER = EVALUATIONS + "{of_employer}/"
AVERAGES = EVALUATIONS + "employer-averages/"
WORKER_SCORES = {"quality": 5, "reliability": 4, "safety": 4, "teamwork": 3}
EMPLOYER_SCORES = {"housing": 3, "treatment": 4, "wages_on_time": 5, "safety": 4}
BY_EMPLOYER = {"contract": "{contract}", "direction": "of_worker", "scores": WORKER_SCORES, "would_repeat": True,
               "comment": "Careful picker."}
BY_WORKER = {"contract": "{contract}", "direction": "of_employer", "scores": EMPLOYER_SCORES,
             "would_repeat": False}
# Employer A's contracts are in Ontario, of Tlaxcala workers: Quebec's consulate sees none of it.
STAFF_SEE = {"anonymous": 401, "administrator": 200, "staff_ontario": 200, "staff_tlaxcala": 200,
             "staff_quebec": 404, "employer_b": 404}
STAFF_RECORD = {"anonymous": 401, "administrator": 201, "staff_ontario": 201, "staff_tlaxcala": 201,
                "staff_quebec": 404, "employer_b": 404}


@pytest.fixture
def api_as(api_as):
    """API clients that read the answers in English (the messages below are quoted in English)."""

    def make(user):
        client = api_as(user)
        client.credentials(HTTP_ACCEPT_LANGUAGE="en")
        return client

    return make


@pytest.fixture
def request_a(program, employer_a, worksite_a):
    return last_season_request(program, employer_a, worksite_a)


def worked(request, status=S.ENDED) -> Contract:
    return past_contract(WorkerFactory(state_of_origin="TLA"), request, status=status)


def record(contract, by, direction=D.OF_WORKER, scores=None):
    scores = scores or (WORKER_SCORES if direction == D.OF_WORKER else EMPLOYER_SCORES)
    return evaluation_record(contract=contract, direction=direction, scores=scores, would_repeat=True, by=by)


@pytest.fixture
def world(personas, employer_a, request_a):
    """On employer A's request in Ontario: a contract worked and not evaluated, one evaluated both
    ways, and one only proposed."""
    evaluated = worked(request_a, S.RETURNED)
    return {
        "contract": worked(request_a).public_id,
        "evaluated": evaluated.public_id,
        "proposed": worked(request_a, S.PROPOSED).public_id,
        "of_worker": record(evaluated, personas["employer_a"]).public_id,
        "of_employer": record(evaluated, personas["staff_ontario"], D.OF_EMPLOYER).public_id,
        "employer": employer_a.public_id,
    }


def state():
    """Everything a call on these endpoints could change."""
    return (list(Evaluation.objects.order_by("id").values()),
            list(Contract.objects.order_by("id").values("id", "employer_rating", "version")))


# --- Role × endpoint -----------------------------------------------------------------------------

@pytest.mark.parametrize("cell", matrix(
    ("GET", EVALUATIONS, {**STAFF_SEE, "staff_quebec": 200, "employer_a": 200, "employer_b": 200}),
    ("GET", OF_WORKER, {**STAFF_SEE, "employer_a": 200}),
    # The worker's evaluation of employer A reaches A only as an average.
    ("GET", OF_EMPLOYER, {**STAFF_SEE, "employer_a": 404}),
    ("POST", EVALUATIONS, {**STAFF_RECORD, "employer_a": 201}, BY_EMPLOYER),
    ("POST", EVALUATIONS, {**STAFF_RECORD, "employer_a": 403}, BY_WORKER),
    ("POST", EVALUATIONS, {"administrator": 409, "employer_a": 409}, {**BY_EMPLOYER, "contract": "{evaluated}"}),
    ("POST", EVALUATIONS, {"administrator": 409, "employer_a": 409}, {**BY_EMPLOYER, "contract": "{proposed}"}),
    ("POST", EVALUATIONS, {"administrator": 400, "employer_a": 400},
     {**BY_EMPLOYER, "scores": {**WORKER_SCORES, "quality": 6}}),
    ("POST", EVALUATIONS, {"administrator": 400, "employer_a": 400}, {**BY_EMPLOYER, "direction": "of_office"}),
    # Whether the caller may record this side is answered before the scores are read.
    ("POST", EVALUATIONS, {"administrator": 400, "employer_a": 403}, {**BY_WORKER, "scores": {"housing": 9}}),
    ("POST", EVALUATIONS, {"administrator": 404, "employer_a": 404},
     {**BY_EMPLOYER, "contract": "00000000-0000-4000-8000-000000000000"}),
    ("POST", OF_WORKER + "show-to-worker/", {**STAFF_SEE, "employer_a": 403}),
    ("POST", OF_EMPLOYER + "show-to-worker/", {"administrator": 400, "employer_a": 404}),
    # Not shown to the worker yet.
    ("POST", OF_WORKER + "contest/", {**STAFF_SEE, "administrator": 409, "staff_ontario": 409,
                                      "staff_tlaxcala": 409, "employer_a": 403}, {"text": "I was never late."}),
    ("POST", OF_WORKER + "contest/", {"administrator": 400, "employer_a": 403}, {}),
    ("GET", AVERAGES + "?employer={employer}", {**STAFF_SEE, "staff_tlaxcala": 404, "employer_a": 200}),
    ("GET", AVERAGES, {"anonymous": 401, "administrator": 400, "employer_a": 400}),
    ("PATCH", OF_WORKER, {"anonymous": 401, "administrator": 405, "employer_a": 405}, {"overall": 1}),
    ("PUT", OF_WORKER, {"administrator": 405, "employer_a": 405}, BY_EMPLOYER),
    ("DELETE", OF_WORKER, {"anonymous": 401, "administrator": 405, "employer_a": 405}),
))
def test_role_endpoint_matrix(cell, personas, world):
    check_cell(dataclasses.replace(cell, data=filled(cell.data, world)), personas=personas, objects=world,
               state=state)


def test_each_list_shows_only_what_the_caller_may_see(api_as, personas, world):
    def ids(persona):
        return [row["id"] for row in api_as(personas[persona]).get(EVALUATIONS).json()["results"]]

    both = [str(world["of_employer"]), str(world["of_worker"])]
    assert ids("administrator") == ids("staff_ontario") == ids("staff_tlaxcala") == both
    assert ids("employer_a") == [str(world["of_worker"])]
    assert ids("staff_quebec") == ids("employer_b") == []


def test_the_list_filters_by_direction_and_contract(api_as, personas, world):
    client = api_as(personas["administrator"])

    def ids(**params):
        return [row["id"] for row in client.get(EVALUATIONS, params).json()["results"]]

    assert ids(direction="of_employer") == [str(world["of_employer"])]
    assert ids(contract=str(world["contract"])) == []
    assert ids(employer=str(world["employer"]), direction="of_worker") == [str(world["of_worker"])]


# --- Recording -----------------------------------------------------------------------------------

def test_an_employer_records_its_evaluation_and_the_contract_carries_the_rating(api_as, personas, world):
    response = api_as(personas["employer_a"]).post(EVALUATIONS, filled(BY_EMPLOYER, world), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["contract"], body["direction"], body["scores"], body["overall"], body["would_repeat"],
            body["comment"]) == (str(world["contract"]), "of_worker", WORKER_SCORES, 4, True, "Careful picker.")
    # Who recorded it, its showing and its contest are for staff.
    assert (body["recorded_by"], body["shown_to_worker_at"], body["contest"]) == (None, None, None)
    assert Contract.objects.get(public_id=world["contract"]).employer_rating == 4


def test_a_second_evaluation_of_the_same_side_is_a_409_and_the_first_stands(api_as, personas, world):
    first = api_as(personas["employer_a"]).post(EVALUATIONS, filled(BY_EMPLOYER, world), format="json")
    before = state()
    second = api_as(personas["staff_ontario"]).post(
        EVALUATIONS, filled({**BY_EMPLOYER, "scores": dict.fromkeys(WORKER_SCORES, 1)}, world), format="json")
    assert (first.status_code, second.status_code) == (201, 409)
    assert second.json() == {"detail": "This contract already has this evaluation."}
    assert state() == before


@pytest.mark.django_db(transaction=True)
def test_two_evaluations_posted_at_once_give_one_201_and_one_409(personas, request_a):
    contract = worked(request_a)
    body = filled(BY_EMPLOYER, {"contract": contract.public_id})

    def post(user):
        client = APIClient()
        client.force_authenticate(user)
        return lambda: client.post(EVALUATIONS, body, format="json").status_code

    outcomes = race([post(personas["employer_a"]), post(personas["staff_ontario"]), post(personas["administrator"])])
    assert sorted(outcomes) == [201, 409, 409]
    assert Evaluation.objects.filter(contract=contract).count() == 1


def test_a_contract_not_worked_yet_is_a_409_on_the_contract(api_as, personas, world):
    response = api_as(personas["employer_a"]).post(EVALUATIONS, filled({**BY_EMPLOYER, "contract": "{proposed}"},
                                                                        world), format="json")
    assert (response.status_code, response.json()) == (
        409, {"contract": ["This contract has not been worked yet: evaluate it once it has ended."]})


def test_scores_are_refused_with_a_message_naming_each_criterion(api_as, personas, world):
    scores = {"quality": 9, "reliability": 4, "safety": "good", "bogus": 1}
    response = api_as(personas["employer_a"]).post(EVALUATIONS, filled({**BY_EMPLOYER, "scores": scores}, world),
                                                   format="json")
    assert (response.status_code, response.json()) == (400, {"scores": [
        "Not a criterion of this evaluation: “bogus”. The criteria are: quality, reliability, safety, teamwork.",
        "Rate “quality” with a whole number from 1 to 5.",
        "Rate “safety” with a whole number from 1 to 5.",
        "Rate “teamwork” from 1 to 5.",
    ]})


def test_missing_fields_are_named(api_as, personas, world):
    response = api_as(personas["staff_ontario"]).post(EVALUATIONS, {"scores": []}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"contract", "direction", "scores", "would_repeat"}


# --- Shown to the worker, contested --------------------------------------------------------------

def test_the_worker_contests_after_seeing_it_and_staff_read_the_contest_beside(api_as, personas, world):
    staff = api_as(personas["staff_tlaxcala"])
    contest = OF_WORKER.format(**world) + "contest/"
    assert staff.post(contest, {"text": "I was never late."}, format="json").status_code == 409

    shown = staff.post(OF_WORKER.format(**world) + "show-to-worker/", format="json")
    assert shown.status_code == 200 and shown.json()["shown_to_worker_at"] is not None
    again = staff.post(OF_WORKER.format(**world) + "show-to-worker/", format="json")
    assert again.json()["shown_to_worker_at"] == shown.json()["shown_to_worker_at"]

    contested = staff.post(contest, {"text": "I was never late."}, format="json")
    assert contested.status_code == 200
    assert (contested.json()["contest"]["text"], contested.json()["contest"]["recorded_by"],
            contested.json()["overall"]) == ("I was never late.", "staff.tlaxcala", 4)
    assert staff.post(contest, {"text": "Once more."}, format="json").status_code == 409

    as_staff = api_as(personas["staff_ontario"]).get(OF_WORKER.format(**world)).json()
    assert (as_staff["contest"]["text"], as_staff["recorded_by"]) == ("I was never late.", "employer.a")
    as_employer = api_as(personas["employer_a"]).get(OF_WORKER.format(**world)).json()
    assert (as_employer["contest"], as_employer["shown_to_worker_at"], as_employer["recorded_by"]) == (
        None, None, None)
    assert (as_employer["scores"], as_employer["overall"]) == (WORKER_SCORES, 4)


# --- The workers' ratings of an employer ---------------------------------------------------------

def test_an_employer_sees_its_averages_only_from_five_ratings(api_as, personas, world, request_a):
    url = AVERAGES + f"?employer={world['employer']}"
    for _extra in range(3):  # with the world's one: four ratings
        record(worked(request_a), personas["staff_ontario"], D.OF_EMPLOYER)
    hidden = {"employer": str(world["employer"]), "shown": False, "count": None, "overall": None, "criteria": None}
    assert api_as(personas["employer_a"]).get(url).json() == hidden
    assert api_as(personas["staff_ontario"]).get(url).json()["count"] == 4

    record(worked(request_a), personas["staff_ontario"], D.OF_EMPLOYER,
           scores={"housing": 1, "treatment": 1, "wages_on_time": 1, "safety": 1})
    shown = api_as(personas["employer_a"]).get(url).json()
    # Four ratings of 3, 4, 5, 4 (overall 4) and one of 1s.
    assert shown == {"employer": str(world["employer"]), "shown": True, "count": 5, "overall": 3.4,
                     "criteria": {"housing": 2.6, "treatment": 3.4, "wages_on_time": 4.2, "safety": 3.4}}
    assert api_as(personas["administrator"]).get(url).json() == shown


# --- Query counts --------------------------------------------------------------------------------

@pytest.fixture
def many_evaluations(request_a, employer_a_user, staff_ontario):
    for _index in range(10):
        contract = worked(request_a)
        record(contract, employer_a_user)
        record(contract, staff_ontario, D.OF_EMPLOYER)


def test_the_list_costs_the_same_queries_at_any_page_size(api_as, personas, many_evaluations):
    for persona in ("administrator", "staff_ontario", "employer_a"):
        count = assert_constant_queries(api_as(personas[persona]), EVALUATIONS)
        # One: the page of evaluations with their contract, worker, employer and the users who
        # recorded them joined in, the staff's scope as a subquery (the signed-in user comes with
        # their office already loaded).
        assert count == 1, (persona, count)
