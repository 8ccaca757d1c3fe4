"""Allocation through its service: contracts proposed all or nothing, never overlapping (the
database says so), never more than the request asks for."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import translation

from contracts.models import Contract, ContractStatus
from contracts.services import contracts_allocate
from employers.models import RequestStatus
from employers.worker_requests import former_workers
from tests.factories import WorkerFactory, WorkerRequestFactory, fully_documented, next_season_start
from twp.exceptions import Conflict, InvalidTransition
from workers.eligibility import check_eligibility
from workers.models import Worker, WorkerStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def approved(program, employer_a):
    return WorkerRequestFactory(program=program, employer=employer_a, status=RequestStatus.APPROVED,
                                workers_requested=2)


def eligible(verifier, **fields):
    return fully_documented(WorkerFactory(status=WorkerStatus.ELIGIBLE, **fields), verifier, start=next_season_start())


def test_allocating_proposes_contracts_and_fills_the_request(approved, administrator):
    first, second = eligible(administrator), eligible(administrator)
    contracts = contracts_allocate(request=approved, workers=[first], by=administrator)
    approved.refresh_from_db()
    assert approved.status == RequestStatus.PARTIALLY_FILLED
    assert contracts[0].status == ContractStatus.PROPOSED
    assert (contracts[0].start_date, contracts[0].end_date) == (approved.start_date, approved.end_date)
    first.refresh_from_db()
    assert first.status == WorkerStatus.SELECTED
    assert first.status_changes.last().from_status == WorkerStatus.ELIGIBLE
    contracts_allocate(request=approved, workers=[second], by=administrator)
    approved.refresh_from_db()
    assert approved.status == RequestStatus.FILLED
    assert list(approved.timeline.filter(kind="worker_assigned").values_list("details__name", flat=True)) == [
        first.full_name, second.full_name]


def test_never_more_contracts_than_the_request_asks_for(approved, administrator):
    workers = [eligible(administrator) for _ in range(3)]
    with pytest.raises(Conflict, match="2 places left; 3 workers"):
        contracts_allocate(request=approved, workers=workers, by=administrator)
    assert not Contract.objects.exists()
    assert not Worker.objects.filter(status=WorkerStatus.SELECTED).exists()


def test_an_overlapping_contract_is_refused_by_eligibility_and_by_the_database(program, employer_a, employer_b,
                                                                              administrator, approved):
    worker = eligible(administrator)
    contracts_allocate(request=approved, workers=[worker], by=administrator)
    other = WorkerRequestFactory(program=program, employer=employer_b, status=RequestStatus.APPROVED,
                                 start_date=approved.start_date + datetime.timedelta(weeks=4),
                                 end_date=approved.end_date + datetime.timedelta(weeks=4))
    with pytest.raises(Conflict, match="Already has a contract"):
        contracts_allocate(request=other, workers=[worker], by=administrator)
    # Without the service's check, the exclusion constraint still refuses it, as a clean conflict.
    with pytest.raises(Conflict, match="already has a contract over these dates"):
        contracts_allocate(request=other, workers=[worker], by=None, check=False)
    assert Contract.objects.filter(worker=worker).count() == 1


def test_back_to_back_contracts_do_not_collide(program, employer_a, administrator, approved):
    worker = eligible(administrator)
    contracts_allocate(request=approved, workers=[worker], by=administrator)
    following = WorkerRequestFactory(program=program, employer=employer_a, status=RequestStatus.APPROVED,
                                     start_date=approved.end_date,
                                     end_date=approved.end_date + datetime.timedelta(weeks=8))
    contracts_allocate(request=following, workers=[worker], by=None, check=False)
    assert Contract.objects.filter(worker=worker).count() == 2


def test_a_cancelled_contract_or_an_early_end_frees_the_worker(program, employer_b, administrator, approved):
    worker = eligible(administrator)
    [contract] = contracts_allocate(request=approved, workers=[worker], by=administrator)
    clash = {"program": program, "employer": employer_b, "status": RequestStatus.APPROVED,
                 "start_date": approved.start_date + datetime.timedelta(weeks=6),
                 "end_date": approved.end_date + datetime.timedelta(weeks=6)}
    Contract.objects.filter(pk=contract.pk).update(effective_end=approved.start_date + datetime.timedelta(weeks=6))
    contracts_allocate(request=WorkerRequestFactory(**clash), workers=[worker], by=None, check=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(effective_end=approved.end_date)
    Contract.objects.filter(worker=worker).update(status=ContractStatus.CANCELLED)
    check = check_eligibility(worker=Worker.objects.prefetch_related("documents").get(pk=worker.pk),
                              program=program, start=approved.start_date, end=approved.end_date)
    assert "overlapping_contract" not in check.codes


def test_only_approved_requests_take_workers(program, employer_a, administrator):
    draft = WorkerRequestFactory(program=program, employer=employer_a)
    with pytest.raises(InvalidTransition):
        contracts_allocate(request=draft, workers=[eligible(administrator)], by=administrator)


def test_staff_allocate_only_what_they_see(approved, staff_quebec, staff_tlaxcala, administrator):
    worker = eligible(administrator)
    with pytest.raises(PermissionDenied):
        contracts_allocate(request=approved, workers=[worker], by=staff_quebec)
    contracts_allocate(request=approved, workers=[worker], by=staff_tlaxcala)  # its own worker, approved request
    assert Contract.objects.filter(worker=worker).exists()


def test_a_consulate_sees_the_workers_placed_in_its_regions(approved, administrator, staff_ontario, staff_quebec):
    worker = eligible(administrator)
    assert not Worker.objects.visible_to(staff_ontario).filter(pk=worker.pk).exists()
    contracts_allocate(request=approved, workers=[worker], by=administrator)
    assert Worker.objects.visible_to(staff_ontario).filter(pk=worker.pk).exists()
    assert not Worker.objects.visible_to(staff_quebec).filter(pk=worker.pk).exists()


def test_employers_name_the_workers_of_their_past_contracts(program, employer_a, administrator):
    last_year = next_season_start().year - 2
    past = WorkerRequestFactory(program=program, employer=employer_a, status=RequestStatus.FILLED,
                                start_date=datetime.date(last_year, 5, 3), end_date=datetime.date(last_year, 8, 2))
    worker = eligible(administrator)
    Contract.objects.create(request=past, worker=worker, program=program, season=last_year,
                            start_date=past.start_date, end_date=past.end_date, wage_amount=past.wage_amount,
                            wage_currency="CAD", hours_per_week=40, status=ContractStatus.RETURNED,
                            worker_status_before=WorkerStatus.ELIGIBLE)
    rows = former_workers(employer_a)
    assert [(row["worker"], row["last_season"]) for row in rows] == [(worker, last_year)]
