"""A payroll is posted set-based (G12): its lines are checked all at once, written with a few
statements whatever their number, and the database's rules still decide in the end."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from savings import contributions
from savings.contributions import LineErrors, contributions_post
from savings.models import Contribution, Entry, LedgerTransaction, Source
from tests.savings.conftest import contract_of, payroll_line
from twp.exceptions import Conflict

pytestmark = pytest.mark.django_db
OVERLAP = "This contract already has a contribution for this pay period."


def test_two_lines_of_one_payroll_for_overlapping_periods_refuse_the_later_one(running, employer_a_user):
    # Weeks 1 and 0–1 of the contract.
    first, overlapping = payroll_line(running, week=1), payroll_line(running, week=1,
                                                                   period_start=running.start_date.isoformat())
    with pytest.raises(LineErrors) as refused:
        contributions_post(by=employer_a_user, lines=[first, overlapping], source=Source.API)
    # Sorted by start, the earlier period is taken first: the line starting later is the one refused.
    assert refused.value.errors == {0: {"period_start": [OVERLAP]}}
    assert Contribution.objects.count() == 0


def test_lines_overlapping_a_live_contribution_are_each_refused(program, employer_a, worksite_a, employer_a_user):
    one, other = contract_of(program, employer_a, worksite_a), contract_of(program, employer_a, worksite_a)
    contributions_post(by=employer_a_user, lines=[payroll_line(one), payroll_line(other, week=2)], source=Source.API)
    with pytest.raises(LineErrors) as refused:
        contributions_post(by=employer_a_user, lines=[payroll_line(one, week=1), payroll_line(other, week=2),
                                                      payroll_line(one), payroll_line(other, week=3)],
                           source=Source.API)
    assert refused.value.errors == {1: {"period_start": [OVERLAP]}, 2: {"period_start": [OVERLAP]}}


def test_the_posted_contributions_come_back_saved_with_their_transactions(running, employer_a_user):
    posted = contributions_post(by=employer_a_user, lines=[payroll_line(running, week=week) for week in range(3)],
                                source=Source.API)
    stored = {contribution.pk: contribution for contribution in Contribution.objects.all()}
    assert [contribution.pk for contribution in posted] == sorted(stored)
    for contribution in posted:
        again = stored[contribution.pk]
        assert (contribution.public_id, contribution.transaction_id, contribution.created_at, contribution.amount) == (
            again.public_id, again.transaction_id, again.created_at, again.amount)
        assert contribution._state.adding is False
    # In the order of the lines.
    assert [(contribution.period_start - running.start_date).days for contribution in posted] == [0, 7, 14]
    assert LedgerTransaction.objects.count() == 3
    assert Entry.objects.count() == 6


def test_a_payroll_costs_the_same_queries_at_any_size(program, employer_a, worksite_a, employer_a_user):
    def queries(count: int, week: int) -> int:
        lines = [payroll_line(contract_of(program, employer_a, worksite_a), week=week) for _ in range(count)]
        with CaptureQueriesContext(connection) as captured:
            contributions_post(by=employer_a_user, lines=lines, source=Source.API)
        return len(captured)

    # The employer; the contracts and their programs; live overlaps; worker accounts; the
    # remittances account (insert, read); locks; transactions; entries; contributions; savepoints.
    assert queries(2, 0) == queries(20, 1)


def test_the_database_still_refuses_an_overlap_the_check_let_through(running, employer_a_user, monkeypatch):
    contributions_post(by=employer_a_user, lines=[payroll_line(running)], source=Source.API)
    # Another payroll committed between the check and the insert: as if the check saw nothing.
    monkeypatch.setattr(contributions, "_check_periods", lambda checked, errors: None)
    with pytest.raises(Conflict, match="posted meanwhile"):
        contributions_post(by=employer_a_user, lines=[payroll_line(running)], source=Source.API)
    assert (Contribution.objects.count(), LedgerTransaction.objects.count()) == (1, 1)
