"""The work history the ranking's bounds read is kept by the database, whatever writes contracts."""

import datetime

import numpy as np
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


# --- the copy each process keeps (contracts.ranking.WorkHistoryCache) --------------------------
def cached(worker):
    """What this process's copy says of a worker: (last end, on time, best rating), or None."""
    from contracts.ranking import WorkHistoryCache

    copy = WorkHistoryCache.current()
    at = [index for index, pk in enumerate(copy.ids.tolist()) if pk == worker.pk]
    if not at:
        return None
    return (datetime.date.fromordinal(int(copy.last_end[at[0]])), bool(copy.on_time[at[0]]),
            int(copy.best_rating[at[0]]) or None)


def holds(worker, occupation) -> bool:
    from contracts.ranking import WorkHistoryCache

    return worker.pk in WorkHistoryCache.current().holders.get(occupation.pk, np.zeros(0)).tolist()


def test_the_cached_copy_follows_every_change(program, employer_a, administrator):
    worker = eligible(administrator)
    assert cached(worker) is None
    contract = past_contract(worker, employer_a, program, on_time=False, rating=3)
    assert cached(worker) == history(worker) == (contract.end_date, False, 3)
    Contract.objects.filter(pk=contract.pk).update(returned_on_time=True, employer_rating=4)
    assert cached(worker) == (contract.end_date, True, 4)
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.CANCELLED)
    assert cached(worker) is None


def test_a_rolled_back_change_never_lingers_in_the_copy(program, employer_a, administrator):
    """Versions come from a sequence: after a rollback the row holds the old version again,
    never one a process cached for the rolled-back data."""
    from django.db import transaction

    worker = eligible(administrator)
    assert cached(worker) is None

    class Undone(Exception):
        pass

    with pytest.raises(Undone), transaction.atomic():
        past_contract(worker, employer_a, program, rating=5)
        assert cached(worker) is not None  # seen inside the transaction that made it
        raise Undone
    assert cached(worker) is None


def test_occupations_of_workers_with_contracts_bump_the_version(program, employer_a, administrator):
    from contracts.ranking import WorkHistoryCache
    from workers.models import Occupation

    worker, newcomer = eligible(administrator), eligible(administrator)
    past_contract(worker, employer_a, program)
    occupation = Occupation.objects.exclude(pk__in=worker.occupations.all()).first()
    assert not holds(worker, occupation)
    worker.occupations.add(occupation)
    assert holds(worker, occupation)
    worker.occupations.remove(occupation)
    assert not holds(worker, occupation)
    version = WorkHistoryCache.current().version
    newcomer.occupations.add(occupation)  # a worker with no contract: nobody's bound changes
    assert WorkHistoryCache.current().version == version
