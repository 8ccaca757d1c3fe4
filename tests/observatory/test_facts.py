"""The Observatory's precomputed facts (observatory.facts): savings figures against a hand-made
ledger, a refresh that replaces rather than adds (twice in a row, or two at once), and the beat
task on a real Celery worker."""

import datetime
from decimal import Decimal

import pytest

from contracts.models import ContractStatus, ExpectedReturn
from observatory import facts
from observatory.models import ContractFact, ContractSummary, FactsRefresh, SavingsFact
from observatory.tasks import refresh_facts_task
from savings import payouts
from savings.money import Money
from tests.celery_worker import running_worker
from tests.helpers import race
from tests.observatory.conftest import SEASON
from tests.savings.test_unclaimed import home

S = ContractStatus


def snapshot():
    return sorted(ContractFact.objects.values_list("season", "state", "placements", "workers", "confirmed",
                                                   "on_time"))


def test_refreshing_again_replaces_the_facts(place):
    place("TLA", 5)
    place("OAX", 2, status=S.RETURNED, on_time=True)
    first = snapshot()
    assert first == [(SEASON, "OAX", 2, 2, 2, 2), (SEASON, "TLA", 5, 5, 0, 0)]
    facts.refresh()
    assert snapshot() == first and FactsRefresh.objects.count() == 3  # one per place() and this one
    # The summary is the facts summed over employers: one row per state here (one employer).
    assert sorted(ContractSummary.objects.values_list("season", "state", "placements", "workers", "confirmed",
                                                      "on_time")) == first


def test_savings_paid_out_and_unclaimed(program, employer_a, worksite_a, staff_tlaxcala):
    """Two workers home with 250.00 each: one has been home 100 days and claimed nothing
    (unclaimed after the program's 90 days); the other was paid 100.00 in cash."""
    forgotten, _seen = home(program, employer_a, worksite_a, staff_tlaxcala)
    long_ago = program.today() - datetime.timedelta(days=100)
    ExpectedReturn.objects.filter(contract__worker=forgotten.worker).update(seen_home_on=long_ago)
    paid, _seen = home(program, employer_a, worksite_a, staff_tlaxcala)
    payout = payouts.request_payout(worker=paid.worker, amount=Money(Decimal("100.00"), "CAD"), method="cash",
                                    by=staff_tlaxcala)
    payouts.pay_payout(payout, by=staff_tlaxcala, identity_document="INE 1")
    facts.refresh()
    today = program.today()
    found = {(row.year, row.state): row for row in SavingsFact.objects.all()}
    assert (found[(today.year, "TLA")].paid_workers, found[(today.year, "TLA")].paid_amount) == (1, Decimal("100.00"))
    unclaimed = found[(long_ago.year, "TLA")]
    assert (unclaimed.unclaimed_workers, unclaimed.unclaimed_amount) == (1, Decimal("250.00"))
    assert sum(row.unclaimed_workers for row in found.values()) == 1


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_never_double_the_facts(place):
    place("TLA", 6)
    outcomes = race([facts.refresh, facts.refresh, facts.refresh])
    assert all(isinstance(outcome, FactsRefresh) for outcome in outcomes), outcomes
    assert snapshot() == [(SEASON, "TLA", 6, 6, 0, 0)]


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_the_beat_task_on_a_real_worker(place):
    place("TLA", 5, refresh=False)
    assert not ContractFact.objects.exists()
    with running_worker():
        result = refresh_facts_task.delay().get(timeout=60)
    assert result["contract_rows"] == 1
    assert snapshot() == [(SEASON, "TLA", 5, 5, 0, 0)]
