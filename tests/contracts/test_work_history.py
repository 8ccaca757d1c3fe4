"""The work history the ranking's bounds read is kept by the database, whatever writes contracts."""

import datetime

import pytest
from django.db import connection

from contracts.models import Contract, ContractStatus, WorkHistory
from tests.contracts.test_ranking import eligible, past_contract
from tests.factories import next_season_start

pytestmark = pytest.mark.django_db


def history(worker):
    return WorkHistory.objects.filter(worker=worker).values_list("last_end", "on_time", "best_rating").first()


def test_worked_contracts_sum_up_per_worker(program, employer_a, employer_b, administrator):
    worker = eligible(administrator)
    assert history(worker) is None
    older = past_contract(worker, employer_a, program, on_time=False, rating=5, years_ago=2)
    assert history(worker) == (older.end_date, False, 5)
    newer = past_contract(worker, employer_b, program, on_time=True, rating=2, years_ago=1)
    assert history(worker) == (newer.end_date, True, 5)
    # Rated later, through a bulk UPDATE the application never routes through a model.
    Contract.objects.filter(pk=older.pk).update(employer_rating=1)
    assert history(worker) == (newer.end_date, True, 2)
    Contract.objects.filter(pk=newer.pk).update(status=ContractStatus.CANCELLED)
    assert history(worker) == (older.end_date, False, 1)
    Contract.objects.filter(pk=older.pk).delete()
    assert history(worker) is None


def test_contracts_not_worked_leave_no_history(program, employer_a, administrator):
    from contracts.services import contracts_allocate
    from employers.models import RequestStatus
    from tests.factories import WorkerRequestFactory

    worker = eligible(administrator)
    request = WorkerRequestFactory(program=program, employer=employer_a, status=RequestStatus.APPROVED)
    contracts_allocate(request=request, workers=[worker], by=administrator)
    assert history(worker) is None


def test_a_bulk_copy_fills_it_in_one_statement(program, employer_a, administrator):
    """What the data generator does: many workers' contracts in one INSERT."""
    workers = [eligible(administrator) for _ in range(3)]
    contracts = [past_contract(worker, employer_a, program, rating=index + 1) for index, worker in enumerate(workers)]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM contracts_workhistory")
        cursor.execute("UPDATE contracts_contract SET end_date = end_date - 1 WHERE id = ANY(%s)",
                       [[contract.pk for contract in contracts]])
    assert [history(worker) for worker in workers] == [
        (contract.end_date - datetime.timedelta(days=1), True, index + 1) for index, contract in enumerate(contracts)]
    assert next_season_start() > contracts[0].end_date
