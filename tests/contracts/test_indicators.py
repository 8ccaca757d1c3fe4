"""The employer indicators (``contracts.indicators``) against a small dataset computed by hand.

Two seasons of one program: Y1 (two years ago) and Y2 (last year). Workers from Mexico State
(MEX) unless said; employer A's worksite is in Ontario, employer B's in Quebec.

  contract  employer season  status       return      absences           evaluations (of worker / of employer)
  a1 (TLA)  A        Y1      returned     on time     —                  4 / 2
  a2        A        Y1      returned     late        —                  2, contested / 3
  a3        A        Y1      transferred  —           one, found         —
  a4        A        Y1      absconded    awaited     one, reported      —
  a5        A        Y1      cancelled    —           —                  —          (not a placement)
  a6        A        Y2      returned     on time     —                  5 / —
  a7        A        Y2      ended        overdue     —                  —
  b1        B        Y1      returned     on time     —                  5 / 5
  b2        B        Y2      returned     on time     —                  —
  b3        B        Y2      active       —           one, open (late)   —

Employer A: 6 placements (6 arrived); 3 confirmed, 2 on time, 1 late (1/3: flagged); awaiting 2
(a4, a7), overdue 1 (a7); absences 2 of which 1 reported (2/6: flagged); 1 transfer out; rating of
workers (4+2+5)/3 = 3.67 over 3, by workers (2+3)/2 = 2.5 over 2; 1 contest.
Employer B: 3 placements (3 arrived); 2 confirmed, both on time (0: not flagged); absences 1
(1/3: flagged); no transfer; ratings 5 over 1 each way; no contest.
Employer A by season: Y2 — 2 placements, 1 confirmed on time, awaiting 1 overdue 1, nothing else
but a rating of workers 5 over 1; Y1 — 4 placements, 2 confirmed, 1 late, awaiting 1 (a4, no
expected return yet), absences 2 (1 reported), 1 transfer, ratings 3.0 over 2 and 2.5 over 2, 1 contest."""

import dataclasses
import datetime
from fractions import Fraction

import pytest
from django.utils import timezone

from contracts.indicators import employer_history, employer_indicators, visible_facts
from contracts.models import Absence, ContractStatus, Evaluation
from employers.models import RequestStatus
from observatory import facts
from observatory.models import ContractFact
from tests.contracts.test_returns import finished
from tests.factories import WorkerFactory, WorkerRequestFactory

pytestmark = pytest.mark.django_db
S = ContractStatus
D = Evaluation.Direction


def season_request(program, employer, worksite, year):
    """A filled request of ``year``'s season: 12 weeks from 1 June."""
    start = datetime.date(year, 6, 1)
    return WorkerRequestFactory(program=program, employer=employer, worksite=worksite, status=RequestStatus.FILLED,
                                start_date=start, end_date=start + datetime.timedelta(weeks=12),
                                workers_requested=20)


def evaluate(contract, direction, overall, *, by, contested=False):
    return Evaluation.objects.create(
        contract=contract, direction=direction, overall=overall, scores={}, would_repeat=overall >= 3, by=by,
        contest="Not what happened." if contested else "", contested_at=timezone.now() if contested else None)


def absence(contract, stage, *, by):
    closed = stage in (Absence.Stage.REPORTED, Absence.Stage.FOUND)
    return Absence.objects.create(
        contract=contract, stage=stage, last_seen_on=contract.start_date + datetime.timedelta(days=5),
        reported_by=by, closed_at=timezone.now() if closed else None,
        welfare_checked_at=timezone.now() if closed else None)


@pytest.fixture
def years(program):
    this_year = program.today().year
    return this_year - 2, this_year - 1


@pytest.fixture
def dataset(program, years, employer_a, employer_b, worksite_a, worksite_b, administrator):
    a_y1, a_y2 = (season_request(program, employer_a, worksite_a, year) for year in years)
    b_y1, b_y2 = (season_request(program, employer_b, worksite_b, year) for year in years)

    def contract(request, status, state="MEX", **fields):
        return finished(request, WorkerFactory(state_of_origin=state), status=status,
                        open_return=status in (S.ENDED, S.TERMINATED_EARLY), **fields)

    early = {"effective_end": a_y1.start_date + datetime.timedelta(days=20)}
    a1 = contract(a_y1, S.RETURNED, state="TLA", returned_on_time=True)
    a2 = contract(a_y1, S.RETURNED, returned_on_time=False)
    a3 = contract(a_y1, S.TRANSFERRED, **early)
    a4 = contract(a_y1, S.ABSCONDED, **early)
    contract(a_y1, S.CANCELLED)
    a6 = contract(a_y2, S.RETURNED, returned_on_time=True)
    contract(a_y2, S.ENDED)  # a7: due home a year ago
    b1 = contract(b_y1, S.RETURNED, returned_on_time=True)
    contract(b_y2, S.RETURNED, returned_on_time=True)
    b3 = contract(b_y2, S.ACTIVE)

    evaluate(a1, D.OF_WORKER, 4, by=administrator)
    evaluate(a1, D.OF_EMPLOYER, 2, by=administrator)
    evaluate(a2, D.OF_WORKER, 2, by=administrator, contested=True)
    evaluate(a2, D.OF_EMPLOYER, 3, by=administrator)
    evaluate(a6, D.OF_WORKER, 5, by=administrator)
    evaluate(b1, D.OF_WORKER, 5, by=administrator)
    evaluate(b1, D.OF_EMPLOYER, 5, by=administrator)
    absence(a3, Absence.Stage.FOUND, by=administrator)
    absence(a4, Absence.Stage.REPORTED, by=administrator)
    absence(b3, Absence.Stage.LATE, by=administrator)
    facts.refresh()


def figures(row):
    """(placements, confirmed, on time, late, awaiting, overdue, absences, reported, transfers out,
    rating of workers, over, rating by workers, over, contests)."""
    return (row.placements, row.returns.confirmed, row.returns.on_time, row.late, row.returns.awaiting,
            row.returns.overdue, row.absences, row.absences_reported, row.transfers_out,
            row.rating_of_workers.value, row.rating_of_workers.count, row.rating_by_workers.value,
            row.rating_by_workers.count, row.contests)


A_ALL = (6, 3, 2, 1, 2, 1, 2, 1, 1, 3.67, 3, 2.5, 2, 1)
B_ALL = (3, 2, 2, 0, 0, 0, 1, 0, 0, 5.0, 1, 5.0, 1, 0)
A_Y1 = (4, 2, 1, 1, 1, 0, 2, 1, 1, 3.0, 2, 2.5, 2, 1)
A_Y2 = (2, 1, 1, 0, 1, 1, 0, 0, 0, 5.0, 1, None, 0, 0)


def by_name(rows):
    return {row.employer_name: figures(row) for row in rows}


def test_each_indicator_per_employer(dataset, employer_a, employer_b):
    assert by_name(employer_indicators(ContractFact.objects.all())) == {employer_a.legal_name: A_ALL,
                                                                     employer_b.legal_name: B_ALL}


def test_rates_and_flags(dataset):
    a, b = employer_indicators(ContractFact.objects.all(), sort="name")
    assert (a.late_rate, a.absence_rate, a.late_percent, a.absence_percent) == (
        Fraction(1, 3), Fraction(1, 3), 33, 33)
    assert (a.is_late_flagged, a.is_absence_flagged, a.is_flagged) == (True, True, True)
    assert (b.late_rate, b.absence_rate) == (Fraction(0), Fraction(1, 3))
    assert (b.is_late_flagged, b.is_absence_flagged, b.is_flagged) == (False, True, True)


def test_a_rate_at_the_threshold_is_not_flagged(dataset):
    a, _b = employer_indicators(ContractFact.objects.all(), sort="name")
    at_threshold = dataclasses.replace(a, returns=dataclasses.replace(a.returns, confirmed=5, on_time=4),
                                       absences=1, arrived=10)
    assert (at_threshold.late_rate, at_threshold.absence_rate, at_threshold.is_flagged) == (
        Fraction(1, 5), Fraction(1, 10), False)


def test_no_base_is_no_rate_and_no_flag(program, years, employer_a, worksite_a):
    finished(season_request(program, employer_a, worksite_a, years[1]), status=S.SIGNED, open_return=False)
    facts.refresh()
    (row,) = employer_indicators(ContractFact.objects.all())
    assert (row.placements, row.late_rate, row.absence_rate, row.late_percent, row.is_flagged) == (
        1, None, None, None, False)


def test_filtered_by_season_and_program(dataset, program, years, employer_a, employer_b):
    y1, y2 = years
    assert by_name(employer_indicators(ContractFact.objects.all(), program=program, season=y1)) == {
        employer_a.legal_name: A_Y1, employer_b.legal_name: (1, 1, 1, 0, 0, 0, 0, 0, 0, 5.0, 1, 5.0, 1, 0)}
    assert by_name(employer_indicators(ContractFact.objects.all(), season=y2 + 1)) == {}


@pytest.mark.parametrize(("sort", "order"), [
    ("name", ["A", "B"]), ("late", ["A", "B"]), ("late_rate", ["A", "B"]), ("absences", ["A", "B"]),
    ("overdue", ["A", "B"]), ("rating_of_workers", ["B", "A"]), ("rating_by_workers", ["B", "A"]),
    ("contests", ["A", "B"]), ("placements", ["A", "B"]), ("unknown", ["A", "B"]),
])
def test_sorted_highest_first(dataset, employer_a, employer_b, sort, order):
    names = {employer_a.legal_name: "A", employer_b.legal_name: "B"}
    assert [names[row.employer_name] for row in employer_indicators(ContractFact.objects.all(), sort=sort)] == order


def test_absence_rate_ties_sort_by_name(dataset, employer_a, employer_b):
    rows = employer_indicators(ContractFact.objects.all(), sort="absence_rate")
    assert [row.employer_name for row in rows] == [employer_a.legal_name, employer_b.legal_name]  # 1/3 each


def test_history_per_season(dataset, years, employer_a):
    y1, y2 = years
    history = employer_history(ContractFact.objects.all(), employer_a)
    assert [(row.season, figures(row)) for row in history] == [(y2, A_Y2), (y1, A_Y1)]


def test_scoped_to_what_the_person_sees(dataset, years, staff_quebec, staff_tlaxcala, employer_a, employer_b):
    """Quebec's consulate sees employer B's contracts only; Tlaxcala's office only a1 (its worker)."""
    assert by_name(employer_indicators(visible_facts(staff_quebec))) == {employer_b.legal_name: B_ALL}
    assert by_name(employer_indicators(visible_facts(staff_tlaxcala))) == {
        employer_a.legal_name: (1, 1, 1, 0, 0, 0, 0, 0, 0, 4.0, 1, 2.0, 1, 0)}
    assert [row.season for row in employer_history(visible_facts(staff_tlaxcala), employer_a)] == [
        years[0]]


def test_a_page_reads_in_constant_queries(dataset, django_assert_num_queries):
    rows = employer_indicators(ContractFact.objects.all())
    # One query for the count and every page.
    with django_assert_num_queries(1):
        assert rows.count() == 2
        assert len(rows[0:50]) == 2
