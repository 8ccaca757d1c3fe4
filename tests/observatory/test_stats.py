"""The Observatory's aggregates against small hand-counted datasets: placements, return rates and
savings paid out, by season; small-cell suppression at 4 against 5; secondary suppression so that
no total reveals a hidden cell; cached tables."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts.models import ContractStatus
from observatory import facts
from observatory.stats import MIN_CELL, compute, suppress, table
from savings.models import Payout
from tests.observatory.conftest import SEASON

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("people", "hidden", "total_hidden"), [
    ({"A": 5, "B": 9}, {}, False),
    ({"A": 4, "B": 9, "C": 12}, {"A": "small", "B": "secondary"}, False),
    ({"A": 3, "B": 2, "C": 12}, {"A": "small", "B": "small"}, False),
    ({"A": 4, "B": 0, "C": 0}, {"A": "small"}, True),
    ({"A": 1, "B": 0, "C": 7}, {"A": "small", "C": "secondary"}, False),
    ({"A": 0, "B": 0}, {}, False),
])
def test_suppression(people, hidden, total_hidden):
    assert MIN_CELL == 5
    assert suppress(people) == (hidden, total_hidden)


def cells(found):
    return {cell.key: (cell.people, cell.value, cell.suppressed) for cell in found.cells}


def test_placements_by_state_four_against_five(place):
    place("TLA", 5)
    place("OAX", 4)
    place("PUE", 7)
    found = compute("placements-by-state", SEASON)
    # Oaxaca's 4 are hidden; Tlaxcala's 5, the smallest other, too, or 16 − 7 would give Oaxaca.
    assert cells(found) == {"TLA": (None, None, "secondary"), "OAX": (None, None, "small"),
                            "PUE": (7, None, None)}
    assert (found.total.people, found.total.suppressed) == (16, None)


def test_five_everywhere_is_all_shown(place):
    place("TLA", 5)
    place("OAX", 5)
    found = compute("placements-by-state", SEASON)
    assert cells(found) == {"TLA": (5, None, None), "OAX": (5, None, None)} and found.total.people == 10


def test_a_lone_small_cell_hides_the_total(place):
    place("TLA", 3)
    found = compute("placements-by-state", SEASON)
    assert cells(found) == {"TLA": (None, None, "small")}
    assert (found.total.people, found.total.suppressed) == (None, "small")


def test_other_seasons_and_unsigned_contracts_do_not_count(place):
    place("TLA", 5)
    place("TLA", 3, status=ContractStatus.PROPOSED)
    assert cells(compute("placements-by-state", SEASON)) == {"TLA": (5, None, None)}
    assert compute("placements-by-state", SEASON + 1).cells == []


def test_placements_by_sector_and_destination(place, employer_a, worksite_a):
    place("TLA", 6)
    employer_a.sector = "greenhouse"
    employer_a.save()
    facts.refresh()
    assert cells(compute("placements-by-sector", SEASON)) == {"greenhouse": (6, None, None)}
    assert cells(compute("placements-by-destination", SEASON)) == {worksite_a.region: (6, None, None)}


def test_return_rates_by_state(place):
    place("TLA", 4, status=ContractStatus.RETURNED, on_time=True)
    place("TLA", 1, status=ContractStatus.RETURNED, on_time=False)
    place("OAX", 6, status=ContractStatus.RETURNED, on_time=True)
    place("PUE", 2, status=ContractStatus.RETURNED, on_time=False)
    place("PUE", 5)  # not back yet: not in the rate
    found = compute("return-rates-by-state", SEASON)
    # Tlaxcala 4 of 5 = 80 %; Oaxaca 6 of 6; Puebla's 2 hidden, and Tlaxcala's 5 with them.
    assert cells(found) == {"TLA": (None, None, "secondary"), "OAX": (6, "100.0", None),
                            "PUE": (None, None, "small")}
    assert (found.total.people, found.total.value) == (13, "76.9")  # 10 of 13


def test_savings_paid_out_by_state(place, staff_tlaxcala):
    paid_at = timezone.make_aware(timezone.datetime(SEASON, 11, 2, 12))
    contracts = place("TLA", 6, status=ContractStatus.RETURNED, on_time=True)
    for contract in contracts:
        _paid(contract, staff_tlaxcala, paid_at, "100.00")
    _paid(contracts[0], staff_tlaxcala, paid_at, "50.25")  # a second payout of one worker
    facts.refresh()
    found = compute("savings-paid-out-by-state", SEASON)
    assert cells(found) == {"TLA": (6, "650.25", None)}
    assert found.total.value == "650.25"


def _paid(contract, staff, paid_at, amount):
    """A paid payout row as the ledger would leave it (its transactions are the ledger's tests')."""
    from savings.ledger import Line, Posting, post, system_account, worker_accounts
    from savings.models import Account, LedgerTransaction, Source

    account = worker_accounts([(contract.worker_id, "CAD")])[(contract.worker_id, "CAD")]
    money = Decimal(amount)
    reserve, pay = post([
        Posting(LedgerTransaction.Kind.PAYOUT_RESERVE, [
            Line(system_account(Account.Kind.REMITTANCES_IN_TRANSIT, "CAD"), -money, "CAD"),
            Line(system_account(Account.Kind.PAYOUTS_IN_TRANSIT, "CAD"), money, "CAD")]),
        Posting(LedgerTransaction.Kind.PAYOUT_POST, [
            Line(system_account(Account.Kind.PAYOUTS_IN_TRANSIT, "CAD"), -money, "CAD"),
            Line(system_account(Account.Kind.PAID_OUT, "CAD"), money, "CAD")]),
    ], by=None, source=Source.SYSTEM)
    Payout.objects.create(account_id=account, worker_id=contract.worker_id, amount=money, currency="CAD",
                          method="cash", payee_name="x", status="paid", requested_by=staff, expires_at=paid_at,
                          reservation_id=reserve.id, settlement_id=pay.id, paid_by=staff, paid_at=paid_at,
                          identity_document="INE")


def test_a_table_is_computed_once_then_cached(place):
    place("TLA", 5)
    first = table("placements-by-state", SEASON)
    place("TLA", 1, refresh=False)
    with CaptureQueriesContext(connection) as queries:
        again = table("placements-by-state", SEASON)
    assert again == first and len(queries) == 0
    facts.refresh()  # a refresh of the facts is seen at once, cache or not
    assert cells(compute("placements-by-state", SEASON)) == {"TLA": (6, None, None)}
    assert table("placements-by-state", SEASON)["total"]["people"] == 6
