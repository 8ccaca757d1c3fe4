"""Allocation under concurrent staff, on the real PostgreSQL: threads, each with its own
connection, released together by a barrier, many trials.

- One worker offered to 20 requests over the same dates at once: exactly one contract, every
  other call a clean ``Conflict`` (409), never a deadlock or an integrity error.
- Twenty workers offered to one request at once: never more contracts than it asks for.

Each runs once more with its safeguard removed (``with_teeth``) and must then fail: without the
request lock the places are counted before the others commit and the request is over-filled;
without the exclusion constraint (the calls skip the eligibility check, as season allocation
does) the worker gets several contracts. The worker locks are what make every loser of the first
race queue and get a clean conflict; here, 10 trials of 20 racers without them still ended in
clean conflicts (the deadlocks between inserters of the constraint are rare), so they have no
teeth variant of their own: the intact run proves no loser ever sees a deadlock."""

import datetime
from collections import Counter

import pytest
from django.db import connection

from contracts import services
from contracts.models import Contract
from contracts.services import contracts_allocate
from employers.models import RequestStatus, WorkerRequest
from tests.factories import WorkerFactory, WorkerRequestFactory, fully_documented, next_season_start
from tests.helpers import race, with_teeth
from twp.exceptions import Conflict, InvalidTransition
from workers.models import WorkerStatus

pytestmark = pytest.mark.django_db(transaction=True)

TRIALS = 10
NO_OVERLAP = next(constraint for constraint in Contract._meta.constraints if constraint.name == "contract_no_overlap")
RACERS = 20


def without_exclusion_constraint(monkeypatch):
    """Drops ``contract_no_overlap`` for this test (``constraint_restored`` puts it back)."""
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {Contract._meta.db_table} DROP CONSTRAINT {NO_OVERLAP.name}")


@pytest.fixture(autouse=True)
def constraint_restored():
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_constraint WHERE conname = %s", [NO_OVERLAP.name])
        present = cursor.fetchone()
    if not present:
        Contract.objects.all().delete()
        with connection.schema_editor() as editor:
            editor.add_constraint(Contract, NO_OVERLAP)


def without_request_lock(monkeypatch):
    monkeypatch.setattr(services, "lock_request",
                        lambda pk: WorkerRequest.objects.select_related("program").get(pk=pk))


def eligible(verifier):
    return fully_documented(WorkerFactory(status=WorkerStatus.ELIGIBLE), verifier, start=next_season_start())


def judge(outcomes) -> tuple[int, Counter]:
    """How many calls won, and what the others raised: "409" for a clean conflict (``Conflict``,
    or ``InvalidTransition`` once the request is filled), else the exception's class."""
    won = sum(1 for outcome in outcomes if isinstance(outcome, list))
    raised = Counter("409" if isinstance(outcome, Conflict | InvalidTransition) else type(outcome).__name__
                     for outcome in outcomes if not isinstance(outcome, list))
    return won, raised


@with_teeth(without_exclusion_constraint)
def test_one_worker_offered_to_twenty_requests_at_once_gets_one_contract(safeguard, program, employer_a,
                                                                         administrator):
    # Twenty places each, so every trial finds them all still open; the same dates, so they overlap.
    requests = [WorkerRequestFactory(program=program, employer=employer_a, status=RequestStatus.APPROVED,
                                     workers_requested=RACERS) for _ in range(RACERS)]
    failures = []
    for trial in range(TRIALS):
        worker = eligible(administrator)
        outcomes = race([
            lambda request=request, worker=worker: contracts_allocate(request=request, workers=[worker],
                                                                      by=administrator, check=False)
            for request in requests
        ], language="en")
        won, raised = judge(outcomes)
        contracts = Contract.objects.filter(worker=worker).count()
        if (won, contracts, raised) != (1, 1, Counter({"409": RACERS - 1})):
            failures.append((trial, won, contracts, dict(raised)))
        else:
            losers = [outcome for outcome in outcomes if isinstance(outcome, Conflict)]
            assert all(worker.full_name in str(loser) or "already has a contract" in str(loser).lower()
                       for loser in losers), [str(loser) for loser in losers]
    assert not failures, f"trials with other than one contract and {RACERS - 1} conflicts: {failures}"


@with_teeth(without_request_lock)
def test_twenty_workers_offered_to_one_request_at_once_never_overfill_it(safeguard, program, employer_a,
                                                                         administrator):
    places = 5
    # Documents do not matter here (``check=False``, as season allocation calls it): only places do.
    workers = [WorkerFactory(status=WorkerStatus.ELIGIBLE) for _ in range(RACERS)]
    failures = []
    for trial in range(TRIALS):
        # A request of its own per trial, after the previous one: the same workers race again.
        start = next_season_start() + trial * datetime.timedelta(weeks=14)
        request = WorkerRequestFactory(program=program, employer=employer_a, status=RequestStatus.APPROVED,
                                       workers_requested=places, start_date=start,
                                       end_date=start + datetime.timedelta(weeks=12))
        outcomes = race([
            lambda worker=worker, request=request: contracts_allocate(request=request, workers=[worker],
                                                                      by=administrator, check=False)
            for worker in workers
        ], language="en")
        won, raised = judge(outcomes)
        contracts = Contract.objects.filter(request=request).count()
        request.refresh_from_db()
        if (won, contracts, raised, request.status) != (places, places, Counter({"409": RACERS - places}),
                                                        RequestStatus.FILLED):
            failures.append((trial, won, contracts, dict(raised), request.status))
    assert not failures, f"trials where {places} places did not give exactly {places} contracts: {failures}"
