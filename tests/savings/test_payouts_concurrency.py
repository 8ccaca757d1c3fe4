"""Eight staff desks ask at once to pay out 30 from an available 100, on the real PostgreSQL:
threads, each with its own connection, released together by a barrier. Exactly three reservations
succeed, over many trials, and the account keeps 10.

The account's row lock, taken before ``available`` is read, is what holds this. The account's
CHECK (available ≥ 0) is a second line of defence, so the race is run with that CHECK dropped: the
lock alone must hold. The variant without the lock (``with_teeth``) reads 100 at every desk,
reserves at each one and overdraws, and must fail.
"""

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction

from savings import ledger, payouts
from savings.models import Account, LedgerTransaction, Payout, Source
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


def expiry_in_deadline_order(monkeypatch):
    """Give the batch back payout by payout (each posting locking its own account) without first
    locking the batch's accounts in id order."""
    monkeypatch.setattr(payouts, "lock_accounts", lambda ids: None)


def waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        # Asked inside a transaction: its snapshot of the statistics is cleared before each look.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0] > 0


@with_teeth(expiry_in_deadline_order)
def test_the_nightly_expiry_and_a_payroll_to_the_same_workers_do_not_deadlock(
        safeguard, program, employer_a, worksite_a, staff_tlaxcala):
    """The expiry job meets a payroll posting (which locks accounts in id order, as every posting
    does) on two workers whose reservations expire in the opposite order. The payroll holds the
    first account; once the job waits on a lock, the payroll takes the second. Without the job's
    up-front lock in id order it holds the second account already: PostgreSQL finds a deadlock and
    aborts one of the two."""
    first, second = (saved(program, employer_a, worksite_a) for _ in range(2))
    assert first.pk < second.pk
    reserved = {account.pk: payouts.request_payout(worker=account.worker, amount=Money(Decimal("30.00"), "CAD"),
                                                   method=Payout.Method.CASH, by=staff_tlaxcala)
                for account in (first, second)}
    deadline = reserved[first.pk].expires_at
    # The second account's reservation is due first, so the job reaches it first.
    Payout.objects.filter(pk=reserved[second.pk].pk).update(expires_at=deadline - timedelta(hours=1))
    remittances = ledger.system_account(Account.Kind.REMITTANCES_IN_TRANSIT, "CAD")
    payroll_holds_first = threading.Event()

    def payroll():
        with transaction.atomic():
            ledger.lock_accounts([first.pk])
            payroll_holds_first.set()
            waited = time.monotonic()
            while not waiting_for_a_lock():
                assert time.monotonic() - waited < 10, "the expiry job never waited"
                time.sleep(0.01)
            ledger.post([ledger.Posting(LedgerTransaction.Kind.CONTRIBUTION, [
                ledger.Line(first.pk, Decimal("5.00"), "CAD"), ledger.Line(second.pk, Decimal("5.00"), "CAD"),
                ledger.Line(remittances, Decimal("-10.00"), "CAD")])], by=None, source=Source.SYSTEM)
        return "posted"

    def expiry():
        assert payroll_holds_first.wait(timeout=10)
        return payouts.expire_payouts(now=deadline)

    outcomes = race([payroll, expiry])
    assert outcomes == ["posted", 2], outcomes
    for account in (first, second):
        account.refresh_from_db()
        assert (account.available, account.held) == (Decimal("105.00"), Decimal("0"))
    assert set(Payout.objects.values_list("status", flat=True)) == {Payout.Status.EXPIRED}
