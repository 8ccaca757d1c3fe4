"""The ranking: named workers first, then returning workers who came home on time (this
employer's first), then the rest by the parts of their score."""

import datetime

import pytest

from contracts.models import Contract, ContractStatus, RankingWeights
from contracts.ranking import PARTS, candidates
from employers.models import NamedWorker, RequestStatus
from tests.factories import WorkerFactory, WorkerRequestFactory, fully_documented, next_season_start
from workers.models import WorkerStatus

pytestmark = pytest.mark.django_db


def eligible(verifier, **fields):
    return fully_documented(WorkerFactory(status=WorkerStatus.ELIGIBLE, **fields), verifier, start=next_season_start())


def past_contract(worker, employer, program, *, on_time=True, rating=None, years_ago=1):
    year = next_season_start().year - years_ago
    request = WorkerRequestFactory(program=program, employer=employer, status=RequestStatus.FILLED,
                                   start_date=datetime.date(year, 5, 3), end_date=datetime.date(year, 8, 2))
    return Contract.objects.create(
        request=request, worker=worker, program=program, season=year, start_date=request.start_date,
        end_date=request.end_date, wage_amount=request.wage_amount, wage_currency="CAD", hours_per_week=40,
        status=ContractStatus.RETURNED, worker_status_before=WorkerStatus.ELIGIBLE, returned_on_time=on_time,
        employer_rating=rating)


def test_named_then_returning_on_time_then_new_entrants(program, employer_a, employer_b, administrator):
    request = WorkerRequestFactory(program=program, employer=employer_a, status=RequestStatus.APPROVED)
    eligible(administrator, first_names="Nuevo")
    came_back_late = eligible(administrator, first_names="Tarde")
    past_contract(came_back_late, employer_b, program, on_time=False)
    returning_elsewhere = eligible(administrator, first_names="Otro")
    past_contract(returning_elsewhere, employer_b, program, rating=4)
    returning_here = eligible(administrator, first_names="Aqui")
    past_contract(returning_here, employer_a, program, rating=4)
    named = eligible(administrator, first_names="Nombrado")
    NamedWorker.objects.create(request=request, worker=named, added_by=administrator)
    ineligible = WorkerFactory(first_names="Sin Papeles", status=WorkerStatus.ELIGIBLE)

    ranking = candidates(request)
    order = [candidate.worker.first_names for candidate in ranking]
    assert order[:3] == ["Nombrado", "Aqui", "Otro"]
    assert ineligible.first_names not in order
    parts = {candidate.worker.first_names: candidate.parts for candidate in ranking}
    weights = RankingWeights.for_program(program)
    assert parts["Nombrado"]["named"] == weights.named
    assert parts["Aqui"]["same_employer"] == weights.same_employer
    assert parts["Aqui"]["evaluation"] == 4 * weights.evaluation
    assert parts["Otro"]["same_employer"] == 0 and parts["Otro"]["returned_on_time"] == weights.returned_on_time
    assert parts["Tarde"]["returned_on_time"] == 0
    for candidate in ranking:
        assert set(candidate.parts) == set(PARTS)
        assert candidate.score == sum(candidate.parts.values())


def test_weights_are_data(program, employer_a, administrator):
    request = WorkerRequestFactory(program=program, employer=employer_a, status=RequestStatus.APPROVED)
    named = eligible(administrator, first_names="Nombrado")
    NamedWorker.objects.create(request=request, worker=named, added_by=administrator)
    veteran = eligible(administrator, first_names="Veterano")
    past_contract(veteran, employer_a, program, rating=5)
    RankingWeights.objects.filter(program=program).update(named=0)
    RankingWeights.objects.get_or_create(program=program, defaults={"named": 0})
    assert next(candidate.worker.first_names for candidate in candidates(request)) == "Veterano"
