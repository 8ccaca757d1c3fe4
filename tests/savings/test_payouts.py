"""Payouts (savings.payouts): reserve exactly once from available money, then pay, void, expire
or fail; CLABE check digit; four eyes above the threshold; nothing before a confirmed return."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from contracts.models import ContractStatus
from savings import payouts
from savings.models import Account, Entry, LedgerTransaction, Payout
from savings.money import Money
from savings.tasks import expire_payouts_task
from tests.savings.payout_fixtures import saved, second_staff
from twp.exceptions import DomainError, InvalidTransition

pytestmark = pytest.mark.django_db
K = LedgerTransaction.Kind
GOOD_CLABE = "032180000118359719"  # the check-digit example of the CLABE standard (Banamex)


def cad(text):
    return Money(Decimal(text), "CAD")


def balances(account):
    account.refresh_from_db()
    return account.available, account.held


def system_balance(kind):
    entries = Entry.objects.filter(account__kind=kind)
    return sum((entry.amount for entry in entries), Decimal(0))


def every_transaction_balances():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM (SELECT transaction_id FROM savings_entry GROUP BY transaction_id, "
                       "currency HAVING sum(amount) <> 0) t")
        return cursor.fetchone()[0] == 0


@pytest.fixture
def account(program, employer_a, worksite_a):
    return saved(program, employer_a, worksite_a)


def request(account, staff, amount="30.00", **fields):
    return payouts.request_payout(worker=account.worker, amount=cad(amount), by=staff,
                                  **{"method": Payout.Method.CASH, **fields})


# --- CLABE ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("clabe", [GOOD_CLABE, "0321 8000 0118 3597 19", "002010077777777771"])
def test_a_clabe_with_its_check_digit_is_accepted(clabe):
    assert payouts.validate_clabe(clabe) == clabe.replace(" ", "")


@pytest.mark.parametrize("clabe", ["032180000118359718", "03218000011835971", "0321800001183597190",
                                   "03218000011835971A", ""])
def test_a_clabe_with_a_wrong_check_digit_or_length_is_refused(clabe):
    with pytest.raises(DomainError) as refused:
        payouts.validate_clabe(clabe)
    assert refused.value.field == "clabe"


def test_a_bank_payout_to_a_wrong_clabe_reserves_nothing(account, staff_tlaxcala):
    with pytest.raises(DomainError):
        request(account, staff_tlaxcala, method=Payout.Method.BANK, clabe="032180000118359718")
    assert balances(account) == (Decimal("100.00"), Decimal("0")) and not Payout.objects.exists()


# --- reserve -------------------------------------------------------------------------------------
def test_a_request_reserves_the_money_once_in_one_transaction(account, staff_tlaxcala, program):
    payout = request(account, staff_tlaxcala, method=Payout.Method.BANK, clabe=GOOD_CLABE)
    assert payout.status == Payout.Status.RESERVED and payout.payee_name == account.worker.full_name
    assert balances(account) == (Decimal("70.00"), Decimal("0"))
    assert system_balance(Account.Kind.PAYOUTS_IN_TRANSIT) == Decimal("30.00")
    assert payout.reservation.kind == K.PAYOUT_RESERVE and payout.reservation.by == staff_tlaxcala
    assert payout.expires_at - timezone.now() <= datetime.timedelta(days=program.payout_reservation_days)
    assert every_transaction_balances()


def test_the_database_refuses_a_second_payout_on_one_reservation(account, staff_tlaxcala):
    payout = request(account, staff_tlaxcala)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payout.objects.create(**{field.attname: getattr(payout, field.attname)
                                 for field in Payout._meta.concrete_fields if field.attname not in ("id", "public_id")})


def test_nothing_is_paid_before_the_return_is_confirmed(program, employer_a, worksite_a, staff_tlaxcala):
    account = saved(program, employer_a, worksite_a, status=ContractStatus.ENDED, held=True)
    with pytest.raises(DomainError, match="after the worker's return is confirmed"):
        request(account, staff_tlaxcala)
    assert balances(account) == (Decimal("0"), Decimal("100.00")) and not Payout.objects.exists()


def test_never_more_than_is_available(account, staff_tlaxcala):
    request(account, staff_tlaxcala, "80.00")
    with pytest.raises(DomainError, match=r"Only 20\.00 CAD is available") as refused:
        request(account, staff_tlaxcala, "20.01")
    assert refused.value.field == "amount"
    assert balances(account) == (Decimal("20.00"), Decimal("0")) and Payout.objects.count() == 1


@pytest.mark.parametrize("amount", ["0.00", "-30.00"])
def test_an_amount_not_above_zero_is_refused_by_the_service_itself(account, staff_tlaxcala, amount):
    with pytest.raises(DomainError) as refused:
        request(account, staff_tlaxcala, amount)
    assert refused.value.field == "amount"
    assert balances(account) == (Decimal("100.00"), Decimal("0")) and not Payout.objects.exists()
    assert not LedgerTransaction.objects.filter(kind=K.PAYOUT_RESERVE).exists()


def test_only_the_home_state_office_requests(account, staff_ontario, administrator, office_ontario):
    for user in (staff_ontario, administrator):
        with pytest.raises(PermissionDenied):
            request(account, user)
    assert not Payout.objects.exists()


def test_to_the_beneficiary_on_the_workers_record_only(account, staff_tlaxcala):
    with pytest.raises(DomainError) as refused:
        request(account, staff_tlaxcala, to_beneficiary=True)
    assert refused.value.field == "to_beneficiary"
    account.worker.beneficiary_name = "ROSA PÉREZ"
    account.worker.save()
    assert request(account, staff_tlaxcala, to_beneficiary=True).payee_name == "ROSA PÉREZ"


# --- four eyes -----------------------------------------------------------------------------------
@pytest.fixture
def large(program, employer_a, worksite_a, staff_tlaxcala):
    account = saved(program, employer_a, worksite_a, available="5000.00")
    return payouts.request_payout(worker=account.worker, amount=cad("1500.00"), method=Payout.Method.BANK,
                                  clabe=GOOD_CLABE, by=staff_tlaxcala)


def test_above_the_threshold_a_second_person_approves_before_it_is_paid(large, staff_tlaxcala, office_tlaxcala):
    assert large.needs_approval
    with pytest.raises(DomainError, match="must approve"):
        payouts.pay_payout(large, by=staff_tlaxcala)
    with pytest.raises(PermissionDenied):
        payouts.approve_payout(large, by=staff_tlaxcala)
    colleague = second_staff(office_tlaxcala)
    payouts.approve_payout(large, by=colleague)
    paid = payouts.pay_payout(large, by=staff_tlaxcala, bank_reference="SPEI-1")
    assert (paid.status, paid.approved_by, paid.paid_by) == (Payout.Status.PAID, colleague, staff_tlaxcala)


def test_an_administrator_may_approve_and_staff_of_another_office_may_not(large, administrator, staff_ontario):
    with pytest.raises(PermissionDenied):
        payouts.approve_payout(large, by=staff_ontario)
    assert payouts.approve_payout(large, by=administrator).approved_by == administrator


def test_at_or_below_the_threshold_no_approval_is_needed(account, staff_tlaxcala, administrator):
    payout = request(account, staff_tlaxcala, "30.00")
    assert not payout.needs_approval
    with pytest.raises(DomainError, match="needs no approval"):
        payouts.approve_payout(payout, by=administrator)


def test_the_database_refuses_an_approval_by_the_requester(large):
    with pytest.raises(IntegrityError, match="savings_payout_four_eyes"), transaction.atomic():
        Payout.objects.filter(pk=large.pk).update(approved_by=large.requested_by, approved_at=timezone.now())


def test_the_database_refuses_paying_an_unapproved_payout(large, staff_tlaxcala):
    with pytest.raises(IntegrityError, match="savings_payout_paid_only_approved"), transaction.atomic():
        Payout.objects.filter(pk=large.pk).update(status="paid", settlement=large.reservation,
                                                  paid_at=timezone.now())


def test_changing_the_destination_after_approval_voids_the_approval(large, staff_tlaxcala, administrator):
    payouts.approve_payout(large, by=administrator)
    changed = payouts.change_destination(large, method=Payout.Method.BANK, clabe="002010077777777771",
                                         by=staff_tlaxcala)
    assert changed.clabe == "002010077777777771" and changed.approved_by is None
    with pytest.raises(DomainError, match="must approve"):
        payouts.pay_payout(changed, by=staff_tlaxcala)
    payouts.approve_payout(changed, by=administrator)
    assert payouts.pay_payout(changed, by=staff_tlaxcala).status == Payout.Status.PAID


# --- pay, void, expire, fail ----------------------------------------------------------------------
def test_paying_cash_needs_the_identity_document_and_gives_a_receipt(account, staff_tlaxcala):
    payout = request(account, staff_tlaxcala)
    with pytest.raises(DomainError) as refused:
        payouts.pay_payout(payout, by=staff_tlaxcala)
    assert refused.value.field == "identity_document"
    paid = payouts.pay_payout(payout, by=staff_tlaxcala, identity_document="INE 1234567")
    assert paid.receipt_number.startswith("R-") and paid.identity_document == "INE 1234567"
    assert balances(account) == (Decimal("70.00"), Decimal("0"))
    assert system_balance(Account.Kind.PAYOUTS_IN_TRANSIT) == 0
    assert system_balance(Account.Kind.PAID_OUT) == Decimal("30.00")
    assert every_transaction_balances()


def test_a_payout_is_paid_once(account, staff_tlaxcala):
    payout = request(account, staff_tlaxcala)
    payouts.pay_payout(payout, by=staff_tlaxcala, identity_document="INE")
    before = LedgerTransaction.objects.count()
    for again in (lambda: payouts.pay_payout(payout, by=staff_tlaxcala, identity_document="INE"),
                  lambda: payouts.void_payout(payout, by=staff_tlaxcala, reason="x")):
        with pytest.raises(InvalidTransition):
            again()
    assert LedgerTransaction.objects.count() == before


def test_voiding_gives_the_money_back(account, staff_tlaxcala):
    payout = request(account, staff_tlaxcala)
    with pytest.raises(DomainError):
        payouts.void_payout(payout, by=staff_tlaxcala, reason=" ")
    voided = payouts.void_payout(payout, by=staff_tlaxcala, reason="Worker asked for cash instead")
    assert (voided.status, voided.release.kind, voided.closed_by) == (Payout.Status.VOIDED, K.PAYOUT_VOID,
                                                                      staff_tlaxcala)
    assert balances(account) == (Decimal("100.00"), Decimal("0"))
    assert system_balance(Account.Kind.PAYOUTS_IN_TRANSIT) == 0 and every_transaction_balances()


def test_a_payout_is_voided_once(account, staff_tlaxcala):
    payout = request(account, staff_tlaxcala)
    payouts.void_payout(payout, by=staff_tlaxcala, reason="Asked twice by mistake")
    before = (LedgerTransaction.objects.count(), balances(account))
    with pytest.raises(InvalidTransition) as refused:
        payouts.void_payout(payout, by=staff_tlaxcala, reason="again")
    assert refused.value.current == Payout.Status.VOIDED  # the API answers 409
    assert (LedgerTransaction.objects.count(), balances(account)) == before


def test_reservations_expire_after_the_programs_days_once(account, staff_tlaxcala, program):
    payout = request(account, staff_tlaxcala)
    almost = payout.expires_at - datetime.timedelta(seconds=1)
    assert payouts.expire_payouts(now=almost) == 0
    assert payouts.expire_payouts(now=payout.expires_at) == 1
    assert payouts.expire_payouts(now=payout.expires_at) == 0
    payout.refresh_from_db()
    assert payout.status == Payout.Status.EXPIRED and payout.release.kind == K.PAYOUT_VOID
    assert (payout.release.source, payout.release.by, payout.closed_by) == ("system", None, None)
    assert balances(account) == (Decimal("100.00"), Decimal("0"))
    assert system_balance(Account.Kind.PAYOUTS_IN_TRANSIT) == 0 and every_transaction_balances()
    with pytest.raises(InvalidTransition):
        payouts.pay_payout(payout, by=staff_tlaxcala, identity_document="INE")


def test_the_nightly_task_expires_as_of_the_time_it_is_given_once(account, staff_tlaxcala):
    payout = request(account, staff_tlaxcala)
    assert expire_payouts_task(as_of=(payout.expires_at - datetime.timedelta(minutes=1)).isoformat()) == {
        "expired": 0}
    assert expire_payouts_task(as_of=payout.expires_at.isoformat()) == {"expired": 1}
    assert expire_payouts_task(as_of=payout.expires_at.isoformat()) == {"expired": 0}
    assert expire_payouts_task() == {"expired": 0}  # now: nothing left
    assert Payout.objects.get().status == Payout.Status.EXPIRED
    assert balances(account) == (Decimal("100.00"), Decimal("0"))
    assert LedgerTransaction.objects.filter(kind=K.PAYOUT_VOID).count() == 1


def test_expiry_works_in_batches(program, employer_a, worksite_a, staff_tlaxcala):
    accounts = [saved(program, employer_a, worksite_a) for _ in range(3)]
    reserved = [request(account, staff_tlaxcala) for account in accounts]
    assert payouts.expire_payouts(now=max(p.expires_at for p in reserved), batch_size=2) == 3
    assert all(balances(account) == (Decimal("100.00"), Decimal("0")) for account in accounts)
    assert set(Payout.objects.values_list("status", flat=True)) == {Payout.Status.EXPIRED}


def test_an_expired_reservation_not_yet_swept_cannot_be_paid(account, staff_tlaxcala):
    payout = request(account, staff_tlaxcala)
    with pytest.raises(DomainError, match="expired"):
        payouts.pay_payout(payout, by=staff_tlaxcala, identity_document="INE", now=payout.expires_at)


def test_a_failed_bank_payout_is_reversed_and_waits_for_follow_up(account, staff_tlaxcala):
    payout = request(account, staff_tlaxcala, method=Payout.Method.BANK, clabe=GOOD_CLABE)
    payouts.pay_payout(payout, by=staff_tlaxcala, bank_reference="SPEI-9")
    failed = payouts.fail_payout(payout, by=staff_tlaxcala, reason="Account closed")
    assert failed.status == Payout.Status.FAILED and failed.release.kind == K.PAYOUT_FAILURE
    assert balances(account) == (Decimal("100.00"), Decimal("0"))
    assert system_balance(Account.Kind.PAID_OUT) == 0 and every_transaction_balances()
    assert list(Payout.objects.filter(status="failed", followed_up_at__isnull=True)) == [failed]
    assert payouts.mark_followed_up(failed, by=staff_tlaxcala).followed_up_at is not None


def test_cash_cannot_fail_at_the_bank(account, staff_tlaxcala):
    payout = request(account, staff_tlaxcala)
    payouts.pay_payout(payout, by=staff_tlaxcala, identity_document="INE")
    with pytest.raises(DomainError):
        payouts.fail_payout(payout, by=staff_tlaxcala, reason="x")


def test_the_banks_conversion_is_a_fact_and_the_ledger_never_converts(account, staff_tlaxcala):
    payout = request(account, staff_tlaxcala, method=Payout.Method.BANK, clabe=GOOD_CLABE)
    payouts.pay_payout(payout, by=staff_tlaxcala)
    entries = Entry.objects.count()
    converted = payouts.record_conversion(payout, received_currency="MXN", received_amount=Decimal("396.60"),
                                          exchange_rate=Decimal("13.22"), by=staff_tlaxcala)
    assert (converted.received_currency, converted.received_amount) == ("MXN", Decimal("396.60"))
    assert Entry.objects.count() == entries and not Entry.objects.filter(currency="MXN").exists()
