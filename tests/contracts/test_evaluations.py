"""Evaluations, both ways (``contracts.evaluations``): once per contract and direction, only of a
contract worked, each side recorded by whom DESIGN.md says; the employer's rating feeds the
ranking; the worker sees and contests the employer's evaluation; the workers' ratings reach an
employer only as averages over five or more."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation

from contracts.evaluations import (
    CRITERIA,
    MINIMUM_RATINGS_SHOWN_TO_EMPLOYER,
    employer_averages,
    evaluation_record,
    evaluation_record_contest,
    evaluation_show_to_worker,
    overall_of,
)
from contracts.models import WORKED_STATUSES, Contract, ContractStatus, Evaluation, WorkHistory
from employers.models import RequestStatus
from tests.contracts.test_allocation_api import last_season_request, past_contract
from tests.contracts.test_concurrency import race
from tests.factories import EmployerFactory, WorkerFactory, WorkerRequestFactory, WorksiteFactory
from tests.helpers import with_teeth
from twp.exceptions import Conflict, DomainError

pytestmark = pytest.mark.django_db
S = ContractStatus
D = Evaluation.Direction
OF_WORKER = {"quality": 5, "reliability": 4, "safety": 4, "teamwork": 3}  # mean 4
OF_EMPLOYER = {"housing": 3, "treatment": 4, "wages_on_time": 5, "safety": 4}  # mean 4
SCORES = {D.OF_WORKER: OF_WORKER, D.OF_EMPLOYER: OF_EMPLOYER}


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def request_a(program, employer_a, worksite_a):
    """Employer A's request in Ontario, last season."""
    return last_season_request(program, employer_a, worksite_a)


def worked(request, status=S.ENDED) -> Contract:
    """A contract a Tlaxcala worker worked on ``request`` (``status`` one of the worked ones)."""
    return past_contract(WorkerFactory(state_of_origin="TLA"), request, status=status)


@pytest.fixture
def contract(request_a):
    return worked(request_a)


def record(contract, by, direction=D.OF_WORKER, **fields):
    fields.setdefault("scores", SCORES[direction])
    fields.setdefault("would_repeat", True)
    return evaluation_record(contract=contract, direction=direction, by=by, **fields)


def snapshot(contract):
    row = Contract.objects.get(pk=contract.pk)
    return (list(Evaluation.objects.order_by("id").values()), row.employer_rating, row.version,
            list(WorkHistory.objects.filter(worker=contract.worker_id).values()))


# --- Recording ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("scores", "overall"), [
    ((4, 4, 4, 4), 4), ((4, 4, 3, 3), 4), ((3, 3, 2, 2), 3), ((5, 4, 4, 4), 4), ((5, 5, 5, 4), 5), ((1, 1, 1, 2), 1),
])
def test_the_overall_rating_is_the_mean_with_halves_rounded_up(scores, overall):
    assert overall_of(dict(zip("abcd", scores, strict=True))) == overall


def test_the_employers_evaluation_feeds_the_ranking(contract, employer_a_user):
    version = contract.version
    evaluation = record(contract, employer_a_user, comment="  Careful picker.  ", would_repeat=True)

    assert (evaluation.direction, evaluation.scores, evaluation.overall, evaluation.would_repeat,
            evaluation.comment, evaluation.by) == (D.OF_WORKER, OF_WORKER, 4, True, "Careful picker.",
                                                   employer_a_user)
    contract.refresh_from_db()
    assert (contract.employer_rating, contract.version) == (4, version + 1)
    # The database trigger carried it into the work history the ranking reads.
    assert WorkHistory.objects.get(worker=contract.worker_id).best_rating == 4


def test_the_ranking_reads_the_best_rating_of_a_workers_contracts(program, employer_a, request_a, employer_a_user,
                                                                  administrator):
    first = worked(request_a)
    later = WorkerRequestFactory(program=program, employer=employer_a, worksite=request_a.worksite,
                                 status=RequestStatus.FILLED, start_date=request_a.end_date,
                                 end_date=request_a.end_date + datetime.timedelta(weeks=8), workers_requested=20)
    second = past_contract(first.worker, later, status=S.RETURNED)
    record(second, administrator, scores={"quality": 5, "reliability": 5, "safety": 4, "teamwork": 4})
    record(first, employer_a_user, scores={"quality": 2, "reliability": 2, "safety": 2, "teamwork": 2})
    assert WorkHistory.objects.get(worker=first.worker_id).best_rating == 5


def test_the_workers_evaluation_of_the_employer_leaves_the_contracts_rating_alone(contract, staff_ontario):
    version = contract.version
    evaluation = record(contract, staff_ontario, D.OF_EMPLOYER, would_repeat=False)
    contract.refresh_from_db()
    assert (evaluation.overall, evaluation.would_repeat, contract.employer_rating, contract.version) == (
        4, False, None, version)


@pytest.mark.parametrize("status", WORKED_STATUSES)
def test_a_worked_contract_may_be_evaluated_both_ways(status, request_a, employer_a_user, staff_ontario):
    contract = worked(request_a, status)
    record(contract, employer_a_user)
    record(contract, staff_ontario, D.OF_EMPLOYER)
    assert sorted(contract.evaluations.values_list("direction", flat=True)) == ["of_employer", "of_worker"]


@pytest.mark.parametrize("status", [S.PROPOSED, S.SIGNED, S.DEPARTED, S.ACTIVE, S.CANCELLED])
@pytest.mark.parametrize("direction", D.values)
def test_a_contract_not_worked_cannot_be_evaluated(status, direction, request_a, administrator):
    contract = worked(request_a, status)
    before = snapshot(contract)
    with pytest.raises(Conflict, match="has not been worked yet") as refused:
        record(contract, administrator, direction)
    assert refused.value.field == "contract"
    assert snapshot(contract) == before


@pytest.mark.parametrize("direction", D.values)
def test_a_contract_has_each_evaluation_once(direction, contract, administrator, staff_ontario):
    record(contract, administrator, direction)
    before = snapshot(contract)
    with pytest.raises(Conflict, match="already has this evaluation"):
        record(contract, staff_ontario, direction, scores=dict.fromkeys(CRITERIA[direction], 1))
    assert snapshot(contract) == before


WHO_RECORDS = {  # persona: the directions DESIGN.md lets them record on employer A's contract in Ontario
    "administrator": set(D.values),
    "staff_ontario": set(D.values),  # the consulate over the worksite
    "staff_tlaxcala": set(D.values),  # the worker's home state office
    "staff_quebec": set(),  # sees neither the worksite nor the worker
    "employer_a": {D.OF_WORKER},  # never the workers' evaluation of itself
    "employer_b": set(),
}


@pytest.mark.parametrize("persona", WHO_RECORDS)
@pytest.mark.parametrize("direction", D.values)
def test_who_records_which_evaluation(persona, direction, personas, contract):
    before = snapshot(contract)
    if direction in WHO_RECORDS[persona]:
        assert record(contract, personas[persona], direction).by == personas[persona]
    else:
        with pytest.raises(PermissionDenied):
            record(contract, personas[persona], direction)
        assert snapshot(contract) == before


@pytest.mark.parametrize(("direction", "scores", "messages"), [
    (D.OF_WORKER, {**OF_WORKER, "housing": 3},
     ["Not a criterion of this evaluation: “housing”. The criteria are: quality, reliability, safety, teamwork."]),
    (D.OF_WORKER, {"quality": 5, "reliability": 4, "safety": 4}, ["Rate “teamwork” from 1 to 5."]),
    (D.OF_EMPLOYER, {**OF_EMPLOYER, "housing": 0}, ["Rate “housing” with a whole number from 1 to 5."]),
    (D.OF_EMPLOYER, {**OF_EMPLOYER, "treatment": 6}, ["Rate “treatment” with a whole number from 1 to 5."]),
    (D.OF_EMPLOYER, {**OF_EMPLOYER, "safety": "4"}, ["Rate “safety” with a whole number from 1 to 5."]),
    (D.OF_EMPLOYER, {**OF_EMPLOYER, "safety": True}, ["Rate “safety” with a whole number from 1 to 5."]),
    (D.OF_EMPLOYER, {**OF_EMPLOYER, "safety": 3.5}, ["Rate “safety” with a whole number from 1 to 5."]),
    (D.OF_WORKER, {}, [f"Rate “{criterion}” from 1 to 5." for criterion in CRITERIA[D.OF_WORKER]]),
    (D.OF_WORKER, [5, 4, 4, 3], ["Give one score per criterion."]),
])
def test_scores_are_refused_criterion_by_criterion(direction, scores, messages, contract, administrator):
    before = snapshot(contract)
    with pytest.raises(ValidationError) as refused:
        record(contract, administrator, direction, scores=scores)
    assert refused.value.message_dict == {"scores": messages}
    assert snapshot(contract) == before


def test_an_unknown_direction_is_refused(contract, administrator):
    with pytest.raises(DomainError) as refused:
        evaluation_record(contract=contract, direction="of_office", scores=OF_WORKER, would_repeat=True,
                          by=administrator)
    assert refused.value.field == "direction"
    assert not Evaluation.objects.exists()


# --- Two recorders at once -----------------------------------------------------------------------

ONCE = next(constraint for constraint in Evaluation._meta.constraints
            if constraint.name == "evaluation_once_per_contract")


def without_the_unique_constraint(monkeypatch):
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {Evaluation._meta.db_table} DROP CONSTRAINT {ONCE.name}")


@pytest.fixture
def unique_constraint_restored():
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_constraint WHERE conname = %s", [ONCE.name])
        present = cursor.fetchone()
    if not present:
        Evaluation.objects.all().delete()
        with connection.schema_editor() as editor:
            editor.add_constraint(Evaluation, ONCE)


@pytest.mark.django_db(transaction=True)
@with_teeth(without_the_unique_constraint)
def test_of_two_recorders_at_once_one_wins_and_the_other_gets_a_conflict(
        safeguard, unique_constraint_restored, request_a, employer_a_user, staff_ontario):
    # Nothing reads before inserting: without the constraint both racers would record one.
    contract = worked(request_a)
    outcomes = race([lambda: record(contract, employer_a_user), lambda: record(contract, staff_ontario),
                     lambda: record(contract, employer_a_user)])
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Conflict", "Conflict", "Evaluation"]
    assert Evaluation.objects.filter(contract=contract).count() == 1


# --- Shown to the worker, contested --------------------------------------------------------------

@pytest.fixture
def evaluation(contract, employer_a_user):
    return record(contract, employer_a_user)


def test_a_contest_needs_the_evaluation_shown_to_the_worker_first(evaluation, staff_tlaxcala):
    with pytest.raises(Conflict, match="Show the evaluation to the worker"):
        evaluation_record_contest(evaluation=evaluation, text="I was never late.", by=staff_tlaxcala)
    evaluation.refresh_from_db()
    assert (evaluation.contest, evaluation.contested_at) == ("", None)


def test_staff_show_the_evaluation_and_record_the_workers_contest_once(evaluation, staff_tlaxcala, staff_ontario):
    shown = evaluation_show_to_worker(evaluation=evaluation, by=staff_tlaxcala).shown_to_worker_at
    assert shown is not None
    # Shown again: the first date stands.
    assert evaluation_show_to_worker(evaluation=evaluation, by=staff_ontario).shown_to_worker_at == shown

    contested = evaluation_record_contest(evaluation=evaluation, text="  I was never late.  ", by=staff_tlaxcala)
    assert (contested.contest, contested.contest_recorded_by, contested.overall, contested.scores) == (
        "I was never late.", staff_tlaxcala, 4, OF_WORKER)
    assert contested.contested_at is not None
    with pytest.raises(Conflict, match="already recorded"):
        evaluation_record_contest(evaluation=evaluation, text="And the housing was cold.", by=staff_ontario)
    evaluation.refresh_from_db()
    assert (evaluation.contest, evaluation.contest_recorded_by) == ("I was never late.", staff_tlaxcala)


def test_employers_neither_show_an_evaluation_nor_record_a_contest(evaluation, employer_a_user, staff_ontario):
    with pytest.raises(PermissionDenied):
        evaluation_show_to_worker(evaluation=evaluation, by=employer_a_user)
    evaluation_show_to_worker(evaluation=evaluation, by=staff_ontario)
    with pytest.raises(PermissionDenied):
        evaluation_record_contest(evaluation=evaluation, text="Nothing to contest.", by=employer_a_user)
    evaluation.refresh_from_db()
    assert evaluation.contested_at is None


def test_a_contest_needs_its_text(evaluation, staff_ontario):
    evaluation_show_to_worker(evaluation=evaluation, by=staff_ontario)
    with pytest.raises(DomainError) as refused:
        evaluation_record_contest(evaluation=evaluation, text="   ", by=staff_ontario)
    assert refused.value.field == "text"


def test_the_workers_evaluation_of_the_employer_is_neither_shown_nor_contested(contract, staff_ontario):
    evaluation = record(contract, staff_ontario, D.OF_EMPLOYER)
    with pytest.raises(DomainError):
        evaluation_show_to_worker(evaluation=evaluation, by=staff_ontario)
    with pytest.raises(DomainError):
        evaluation_record_contest(evaluation=evaluation, text="Nothing.", by=staff_ontario)
    evaluation.refresh_from_db()
    assert (evaluation.shown_to_worker_at, evaluation.contested_at) == (None, None)


# --- Averages of the workers' ratings of an employer -------------------------------------------

def rate_employer(request, by, *scores_per_worker):
    """One worked contract per entry of ``scores_per_worker``, each with the worker's evaluation."""
    for scores in scores_per_worker:
        record(worked(request), by, D.OF_EMPLOYER, scores=dict(zip(CRITERIA[D.OF_EMPLOYER], scores, strict=True)))


def test_under_five_ratings_the_employer_sees_no_average_and_staff_do(employer_a, request_a, staff_ontario,
                                                                      employer_a_user):
    rate_employer(request_a, staff_ontario, *[(5, 4, 3, 2)] * (MINIMUM_RATINGS_SHOWN_TO_EMPLOYER - 1))
    # The employer's own evaluations of its workers are no ratings of it.
    record(worked(request_a), employer_a_user)

    assert employer_averages(employer=employer_a, for_employer=True) is None
    staff_view = employer_averages(employer=employer_a, for_employer=False)
    assert (staff_view.count, staff_view.overall, staff_view.criteria) == (
        4, 4.0, {"housing": 5.0, "treatment": 4.0, "wages_on_time": 3.0, "safety": 2.0})


def test_from_five_ratings_the_employer_sees_the_averages(employer_a, request_a, staff_ontario, program):
    rate_employer(request_a, staff_ontario, (5, 5, 5, 5), (4, 4, 4, 4), (3, 4, 5, 2), (1, 2, 3, 4), (2, 2, 2, 3))
    # Another employer's ratings do not count.
    employer_b = EmployerFactory(legal_name="Otra granja")
    rate_employer(last_season_request(program, employer_b, WorksiteFactory(employer=employer_b, region="CA-ON")),
                  staff_ontario, (1, 1, 1, 1))

    averages = employer_averages(employer=employer_a, for_employer=True)
    # Overall ratings: 5, 4, 4 (3.5 rounded up), 3 (2.5 rounded up), 2 (2.25).
    assert (averages.count, averages.overall, averages.criteria) == (
        5, 3.6, {"housing": 3.0, "treatment": 3.4, "wages_on_time": 3.8, "safety": 3.6})
    assert employer_averages(employer=employer_a, for_employer=False) == averages


def test_staff_see_an_employer_without_ratings_as_such(employer_a):
    averages = employer_averages(employer=employer_a, for_employer=False)
    assert (averages.count, averages.overall, averages.criteria) == (
        0, None, dict.fromkeys(CRITERIA[D.OF_EMPLOYER]))
