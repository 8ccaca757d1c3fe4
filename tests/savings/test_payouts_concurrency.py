"""Eight staff desks ask at once to pay out 30 from an available 100, on the real PostgreSQL:
threads, each with its own connection, released together by a barrier. Exactly three reservations
succeed, over many trials, and the account keeps 10.

The account's row lock, taken before ``available`` is read, is what holds this. The account's
CHECK (available ≥ 0) is a second line of defence, so the race is run with that CHECK dropped: the
lock alone must hold. The variant without the lock (``with_teeth``) reads 100 at every desk,
reserves at each one and overdraws, and must fail.
"""

from decimal import Decimal

import pytest
from django.db import connection

from savings import ledger, payouts
from savings.models import Account, Payout
from savings.money import Money
from tests.helpers import race, with_teeth
from tests.savings.payout_fixtures import saved, second_staff
from twp.exceptions import DomainError

pytestmark = pytest.mark.django_db(transaction=True)

DESKS = 8
TRIALS = 20
NOT_NEGATIVE = next(constraint for constraint in Account._meta.constraints
                    if constraint.name == "savings_worker_balances_not_negative")


def without_the_lock(monkeypatch):
    """Read the account without FOR UPDATE, and let the ledger write without locking it either."""
    monkeypatch.setattr(payouts, "_locked_account", lambda worker, currency: Account.objects.filter(
        kind=Account.Kind.WORKER, worker=worker, currency=currency).first())
    monkeypatch.setattr(ledger, "lock_accounts", lambda ids: None)


@pytest.fixture
def only_the_lock():
    """Drop the not-negative CHECK for the test; put it back (the ledger emptied first: a test
    without the lock leaves overdrawn accounts behind)."""
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE savings_account DROP CONSTRAINT {NOT_NEGATIVE.name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE savings_account CASCADE")
    with connection.schema_editor() as editor:
        editor.add_constraint(Account, NOT_NEGATIVE)


@with_teeth(without_the_lock)
def test_eight_payouts_of_30_from_100_at_once_reserve_exactly_three(safeguard, only_the_lock, program, employer_a,
                                                                    worksite_a, office_tlaxcala):
    desks = [second_staff(office_tlaxcala, f"desk.{n}") for n in range(DESKS)]
    for trial in range(TRIALS):
        account = saved(program, employer_a, worksite_a, available="100.00")
        outcomes = race([
            (lambda desk=desk, worker=account.worker: payouts.request_payout(
                worker=worker, amount=Money(Decimal("30.00"), "CAD"), method=Payout.Method.CASH, by=desk))
            for desk in desks])
        reserved = [outcome for outcome in outcomes if isinstance(outcome, Payout)]
        refused = [outcome for outcome in outcomes if isinstance(outcome, DomainError)]
        assert (len(reserved), len(refused)) == (3, DESKS - 3), f"trial {trial}: {outcomes}"
        account.refresh_from_db()
        assert account.available == Decimal("10.00"), f"trial {trial}"
        assert Payout.objects.filter(account=account).count() == 3
