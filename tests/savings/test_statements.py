"""Statements (savings.statements): opening and closing balances and every posting of a range of
days, the closing balance equal to the ledger's; CSV and PDF in the worker's language; the cash
receipt. Releases of absconded money by an administrator (savings.releases)."""

import csv
import datetime
import io
import zoneinfo
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Sum

from contracts.models import Contract, ContractStatus
from contracts.returns import contract_confirm_return
from savings import payouts
from savings.contributions import contribution_reverse, contributions_post
from savings.ledger import Line, Posting, post, system_account, worker_accounts
from savings.models import Account, Entry, HeldRelease, LedgerTransaction, Payout, Source
from savings.money import Money
from savings.releases import release_held_money
from savings.statements import receipt_pdf, statement, statement_csv, statement_pdf
from tests.savings.conftest import contract_of, payroll_line
from tests.savings.payout_fixtures import saved
from twp.exceptions import DomainError, InvalidTransition

pytestmark = pytest.mark.django_db
ZONE = zoneinfo.ZoneInfo(settings.TIME_ZONE)
TODAY = datetime.datetime.now(tz=ZONE).date()


def days_ago(days):
    return TODAY - datetime.timedelta(days=days)


def backdate(transaction_id, day):
    """Entries are append-only (a trigger): for the test only, triggers are off (a replica's
    session) while the postings are placed on past days."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE savings_entry SET created_at = %s WHERE transaction_id = %s",
                       [datetime.datetime.combine(day, datetime.time(12), tzinfo=ZONE), transaction_id])
        cursor.execute("SET LOCAL session_replication_role = origin")


def deposit(account, amount, day, *, held=False, contract=None):
    (posting,) = post([Posting(LedgerTransaction.Kind.CONTRIBUTION, [
        Line(account.pk, Decimal(amount), "CAD", contract.pk if contract else None, held=held),
        Line(system_account(Account.Kind.REMITTANCES_IN_TRANSIT, "CAD"), -Decimal(amount), "CAD"),
    ], memo="week")], by=None, source=Source.SYSTEM)
    backdate(posting.id, day)


def ledger_sum(account, before_day):
    end = datetime.datetime.combine(before_day + datetime.timedelta(days=1), datetime.time.min, tzinfo=ZONE)
    return Entry.objects.filter(account=account, created_at__lt=end).aggregate(total=Sum("amount"))["total"]


@pytest.fixture
def account(program, employer_a, worksite_a):
    """100.00 available from 60 days ago (the fixture's posting), then 10.00 a week for 4 weeks."""
    account = saved(program, employer_a, worksite_a)
    backdate(Entry.objects.get(account=account).transaction_id, days_ago(60))
    for week in range(4):
        deposit(account, "10.00", days_ago(28 - 7 * week))
    account.refresh_from_db()
    return account


def test_opening_postings_and_closing_add_up_to_the_ledger(account):
    part = statement(account, days_ago(30), days_ago(10))
    assert part.opening.total == Decimal("100.00")
    assert [line.amount for line in part.lines] == [Decimal("10.00")] * 3
    assert part.closing.total == ledger_sum(account, days_ago(10)) == Decimal("130.00")
    assert [line.balance for line in part.lines] == [Decimal("110.00"), Decimal("120.00"), Decimal("130.00")]
    whole = statement(account, days_ago(365), TODAY)
    assert whole.opening.total == 0 and len(whole.lines) == 5
    assert whole.closing.total == account.available + account.held == ledger_sum(account, TODAY)


def test_held_and_available_are_kept_apart(program, employer_a, worksite_a):
    account = saved(program, employer_a, worksite_a, status=ContractStatus.ENDED, held=True)
    contract = Contract.objects.get(worker=account.worker)
    deposit(account, "5.00", TODAY)
    closing = statement(account, days_ago(7), TODAY).closing
    assert (closing.available, closing.held) == (Decimal("5.00"), Decimal("100.00"))
    assert statement(account, days_ago(7), TODAY).lines[0].contract == str(contract.public_id)


def test_a_statement_costs_two_queries_however_many_postings(account, django_assert_num_queries):
    with django_assert_num_queries(2):
        statement(account, days_ago(365), TODAY)


def test_the_csv_has_every_posting_between_opening_and_closing(account):
    account.worker.preferred_language = "en"
    text = statement_csv(statement(account, days_ago(30), TODAY))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:2] == ["Date", "Description"]
    assert rows[1][1] == "Opening balance" and rows[1][5] == "100.00"
    assert [row[4] for row in rows[2:-1]] == ["10.00"] * 4
    assert rows[-1][1] == "Closing balance" and rows[-1][5] == "140.00"


def test_the_csv_speaks_the_workers_language(account):
    account.worker.preferred_language = "es"
    header = next(csv.reader(io.StringIO(statement_csv(statement(account, days_ago(30), TODAY)).lstrip("\ufeff"))))
    assert header[0] == "Fecha" and header[4] == "Monto"


def test_the_pdf_names_the_worker_and_the_balances(account):
    account.worker.preferred_language = "en"
    pdf = statement_pdf(statement(account, days_ago(30), TODAY))
    assert pdf.startswith(b"%PDF")
    assert account.worker.curp.encode() in pdf and b"Closing balance: 140.00 CAD" in pdf


def test_the_receipt_of_a_cash_payout(account, staff_tlaxcala):
    payout = payouts.request_payout(worker=account.worker, amount=Money(Decimal("40.00"), "CAD"),
                                    method=Payout.Method.CASH, by=staff_tlaxcala)
    payout = payouts.pay_payout(payout, by=staff_tlaxcala, identity_document="INE 42")
    account.worker.preferred_language = "en"
    account.worker.save()
    payout.refresh_from_db()
    pdf = receipt_pdf(payout)
    assert pdf.startswith(b"%PDF") and payout.receipt_number.encode() in pdf and b"INE 42" in pdf
    assert b"Signature of the person paid" in pdf


# --- release of absconded money ------------------------------------------------------------------
@pytest.fixture
def absconded(program, employer_a, worksite_a):
    account = saved(program, employer_a, worksite_a, status=ContractStatus.ABSCONDED, held=True)
    return account, Contract.objects.get(worker=account.worker)


def test_an_administrator_releases_absconded_money_with_a_reason(absconded, administrator):
    account, contract = absconded
    release = release_held_money(contract, reason=HeldRelease.Reason.OTHER, explanation="Court order 12/2026",
                                 by=administrator)
    account.refresh_from_db()
    assert (account.available, account.held) == (Decimal("100.00"), Decimal("0"))
    assert release.transaction.kind == LedgerTransaction.Kind.HELD_RELEASE and release.by == administrator
    with pytest.raises(InvalidTransition):
        release_held_money(contract, reason=HeldRelease.Reason.OTHER, explanation="again", by=administrator)
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.HELD_RELEASE).count() == 1


def test_a_death_releases_to_the_beneficiary_on_record_only(absconded, administrator):
    account, contract = absconded
    with pytest.raises(DomainError, match="beneficiary"):
        release_held_money(contract, reason=HeldRelease.Reason.DEATH, explanation="Death certificate",
                           by=administrator)
    account.worker.beneficiary_name = "ROSA PÉREZ"
    account.worker.save()
    release = release_held_money(contract, reason=HeldRelease.Reason.DEATH, explanation="Death certificate",
                                 by=administrator)
    assert release.beneficiary_name == "ROSA PÉREZ"


def test_staff_may_not_release_and_a_running_contract_is_refused(absconded, staff_tlaxcala, administrator,
                                                                 program, employer_a, worksite_a):
    _account, contract = absconded
    with pytest.raises(PermissionDenied):
        release_held_money(contract, reason="other", explanation="x", by=staff_tlaxcala)
    running = saved(program, employer_a, worksite_a, status=ContractStatus.ACTIVE, held=True)
    with pytest.raises(InvalidTransition):
        release_held_money(Contract.objects.get(worker=running.worker), reason="other", explanation="x",
                           by=administrator)
    assert not HeldRelease.objects.exists()


def test_a_later_confirmed_return_releases_absconded_money(absconded, staff_tlaxcala, program):
    account, contract = absconded
    contract_confirm_return(contract=contract, by=staff_tlaxcala, seen_home_on=program.today(), place="consulate",
                            identity_document="passport")
    account.refresh_from_db()
    assert (account.available, account.held) == (Decimal("100.00"), Decimal("0"))


# After an administrator's release the money is available: what follows must agree with that.
def released(contract, administrator, reason=HeldRelease.Reason.OTHER):
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.ABSCONDED)
    return release_held_money(Contract.objects.get(pk=contract.pk), reason=reason, explanation="Court order",
                              by=administrator)


def test_a_reversal_after_a_release_takes_the_money_back_from_available(running, employer_a_user, administrator):
    (contribution,) = contributions_post(by=employer_a_user, lines=[payroll_line(running)], source=Source.PORTAL)
    released(running, administrator)
    account = Account.objects.get(worker=running.worker)
    assert (account.available, account.held) == (Decimal("100.00"), Decimal("0"))
    contribution_reverse(contribution=contribution, by=employer_a_user, reason="Wrong week", source=Source.PORTAL)
    account.refresh_from_db()
    assert (account.available, account.held) == (Decimal("0.00"), Decimal("0"))
    assert Entry.objects.filter(account=account, held=True).aggregate(total=Sum("amount"))["total"] == 0


def test_a_late_payroll_after_a_release_is_available_at_once(running, employer_a_user, administrator):
    contributions_post(by=employer_a_user, lines=[payroll_line(running)], source=Source.PORTAL)
    released(running, administrator)
    contributions_post(by=employer_a_user, lines=[payroll_line(running, week=1)], source=Source.PORTAL)
    account = Account.objects.get(worker=running.worker)
    assert (account.available, account.held) == (Decimal("200.00"), Decimal("0"))


def test_after_a_death_the_beneficiary_on_record_is_paid(absconded, administrator, staff_tlaxcala):
    account, contract = absconded
    account.worker.beneficiary_name = "ROSA PÉREZ"
    account.worker.save()
    with pytest.raises(DomainError, match="confirmed"):  # nothing released yet: nothing to pay
        payouts.request_payout(worker=account.worker, amount=Money(Decimal("40.00"), "CAD"), method="cash",
                               to_beneficiary=True, by=staff_tlaxcala)
    release_held_money(contract, reason=HeldRelease.Reason.DEATH, explanation="Death certificate", by=administrator)
    payout = payouts.request_payout(worker=account.worker, amount=Money(Decimal("40.00"), "CAD"), method="cash",
                                    to_beneficiary=True, by=staff_tlaxcala)
    assert payout.payee_name == "ROSA PÉREZ" and payout.status == Payout.Status.RESERVED


def test_a_release_covers_the_whole_transfer_chain(program, employer_a, worksite_a, administrator):
    first = contract_of(program, employer_a, worksite_a, status=ContractStatus.TRANSFERRED, ended_days_ago=100)
    last = contract_of(program, employer_a, worksite_a, status=ContractStatus.ABSCONDED, ended_days_ago=10,
                       worker=first.worker)
    Contract.objects.filter(pk=last.pk).update(transferred_from=first)
    for contract in (first, last):
        deposit_held(contract, "60.00")
    release_held_money(Contract.objects.get(pk=last.pk), reason=HeldRelease.Reason.OTHER, explanation="x",
                       by=administrator)
    account = Account.objects.get(worker=first.worker)
    assert (account.available, account.held) == (Decimal("120.00"), Decimal("0"))


def deposit_held(contract, amount):
    account_id = worker_accounts([(contract.worker_id, "CAD")])[(contract.worker_id, "CAD")]
    post([Posting(LedgerTransaction.Kind.CONTRIBUTION, [
        Line(account_id, Decimal(amount), "CAD", contract.pk, held=True),
        Line(system_account(Account.Kind.REMITTANCES_IN_TRANSIT, "CAD"), -Decimal(amount), "CAD"),
    ])], by=None, source=Source.SYSTEM)
