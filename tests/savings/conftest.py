"""Savings fixtures: employer A's contracts at work or ended, with a Tlaxcala worker."""

import datetime

import pytest
from django.utils import translation

from contracts.models import Contract, ContractStatus
from contracts.returns import expected_return_open
from employers.models import RequestStatus
from tests.factories import WorkerFactory, WorkerRequestFactory
from workers.models import WorkerStatus

S = ContractStatus


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def contract_of(program, employer, worksite, *, status=S.ACTIVE, weeks=10, ended_days_ago=None, worker=None,
                **fields) -> Contract:
    """A contract of ``employer`` at ``worksite``: running (started 4 weeks ago) or, with
    ``ended_days_ago``, over with its expected return open."""
    today = program.today()
    if ended_days_ago is None:
        start = today - datetime.timedelta(weeks=4)
        end = start + datetime.timedelta(weeks=weeks)
    else:
        end = today - datetime.timedelta(days=ended_days_ago)
        start = end - datetime.timedelta(weeks=weeks)
    request = WorkerRequestFactory(program=program, employer=employer, worksite=worksite, status=RequestStatus.FILLED,
                                   start_date=start, end_date=end, workers_requested=20)
    worker = worker or WorkerFactory(status=WorkerStatus.ABROAD, state_of_origin="TLA")
    contract = Contract.objects.create(
        request=request, worker=worker, program=program, season=request.season, start_date=start, end_date=end,
        wage_amount=request.wage_amount, wage_currency=request.wage_currency, hours_per_week=request.hours_per_week,
        worker_status_before=WorkerStatus.ELIGIBLE, status=status, **fields)
    if status in (S.ENDED, S.TERMINATED_EARLY):
        expected_return_open(contract)
    return contract


def payroll_line(contract, *, week=0, gross_pay="1000.00", amount="100.00", **fields) -> dict:
    """Week ``week`` (from the contract's start) of ``contract``'s payroll, at 10 %."""
    start = contract.start_date + datetime.timedelta(weeks=week)
    return {"contract": str(contract.public_id), "period_start": start.isoformat(),
            "period_end": (start + datetime.timedelta(days=6)).isoformat(), "gross_pay": gross_pay,
            "amount": amount, **fields}


@pytest.fixture
def running(program, employer_a, worksite_a):
    """Employer A's active contract (Ontario), a Tlaxcala worker, started 4 weeks ago."""
    return contract_of(program, employer_a, worksite_a)
