"""The on-time return rate (``contracts.circularity``) against a small dataset computed by hand.

Season Y (ended long ago), program SAWP:
  worker  state  employer  contract          confirmed   on time
  A       TLA    A (ON)    returned          yes         yes
  B       TLA    A (ON)    returned          yes         no (late)
  C       MEX    B (QC)    returned          yes         yes
  D       MEX    A (ON)    ended             no          — overdue
  E       TLA    B (QC)    terminated early  no          — due in a few days
  F       TLA    A (ON)    absconded         no          — no expected return yet
  G       TLA    A (ON)    transferred       left out (the successor carries the return)
  H       TLA    B (QC)    active            left out (not over)
Rate = on time / confirmed: 2/3 overall; employer A 1/2 (awaiting D, F; D overdue), employer B
1/1 (awaiting E); TLA 1/2 (awaiting E, F), MEX 1/1 (awaiting D, overdue)."""

import datetime
from fractions import Fraction

import pytest

from contracts.circularity import on_time_return_rate
from contracts.models import Contract, ContractStatus
from tests.contracts.test_returns import ended_request, finished
from tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db
S = ContractStatus


@pytest.fixture
def dataset(program, employer_a, employer_b, worksite_a, worksite_b):
    at_a = ended_request(program, employer_a, worksite_a, ended_days_ago=30)
    at_b = ended_request(program, employer_b, worksite_b, ended_days_ago=30)
    recent_b = ended_request(program, employer_b, worksite_b, ended_days_ago=3)

    def contract(request, state, status, **fields):
        worker = WorkerFactory(state_of_origin=state)
        return finished(request, worker, status=status, open_return=status in (S.ENDED, S.TERMINATED_EARLY),
                        **fields)

    contract(at_a, "TLA", S.RETURNED, returned_on_time=True)
    contract(at_a, "TLA", S.RETURNED, returned_on_time=False)
    contract(at_b, "MEX", S.RETURNED, returned_on_time=True)
    contract(at_a, "MEX", S.ENDED)  # due 23 days ago
    contract(recent_b, "TLA", S.TERMINATED_EARLY)  # due in 4 days
    contract(at_a, "TLA", S.ABSCONDED, effective_end=at_a.start_date + datetime.timedelta(days=10))
    contract(at_a, "TLA", S.TRANSFERRED, effective_end=at_a.start_date + datetime.timedelta(days=10))
    contract(recent_b, "TLA", S.ACTIVE)


def table(rows):
    return {row.label: (row.on_time, row.confirmed, row.awaiting, row.overdue, row.rate) for row in rows}


def test_by_program(dataset, program):
    assert table(on_time_return_rate(Contract.objects.all(), by="program")) == {
        program.name: (2, 3, 3, 1, Fraction(2, 3))}
    assert on_time_return_rate(Contract.objects.all(), by="program")[0].percent == 67


def test_by_employer(dataset, employer_a, employer_b):
    assert table(on_time_return_rate(Contract.objects.all(), by="employer")) == {
        employer_a.legal_name: (1, 2, 2, 1, Fraction(1, 2)),
        employer_b.legal_name: (1, 1, 1, 0, Fraction(1)),
    }


def test_by_state_of_origin(dataset):
    assert table(on_time_return_rate(Contract.objects.all(), by="state_of_origin")) == {
        "Tlaxcala": (1, 2, 2, 0, Fraction(1, 2)),
        "Estado de México": (1, 1, 1, 1, Fraction(1)),
    }


def test_by_season(dataset):
    season = Contract.objects.first().season
    assert table(on_time_return_rate(Contract.objects.all(), by="season")) == {str(season): (2, 3, 3, 1,
                                                                                             Fraction(2, 3))}


def test_scoped_to_what_the_person_sees(dataset, staff_quebec, employer_b):
    """The Quebec consulate sees employer B's contracts only: C (on time) and E (awaiting)."""
    rows = on_time_return_rate(Contract.objects.visible_to(staff_quebec), by="employer")
    assert table(rows) == {employer_b.legal_name: (1, 1, 1, 0, Fraction(1))}


def test_no_confirmation_yet_is_no_rate(program, employer_a, worksite_a):
    finished(ended_request(program, employer_a, worksite_a))
    (row,) = on_time_return_rate(Contract.objects.all(), by="program")
    assert (row.confirmed, row.awaiting, row.rate, row.percent) == (0, 1, None, None)
