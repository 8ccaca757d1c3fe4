"""The ledger's rules, held by PostgreSQL itself: entries are append-only, a transaction that does
not balance fails at commit, stored balances follow their entries; contributions are held against
their contract and a confirmed return releases them in one transaction."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from contracts.models import ContractStatus
from contracts.returns import contract_confirm_return, expected_return_open
from savings.contributions import LineErrors, contribution_reverse, contributions_post
from savings.ledger import Line, Posting, post, system_account, worker_accounts
from savings.models import Account, Contribution, Entry, LedgerTransaction, Source
from tests.helpers import with_teeth
from tests.savings.conftest import contract_of, payroll_line
from twp.exceptions import Conflict, DomainError

pytestmark = pytest.mark.django_db
S = ContractStatus
SEEN = {"place": "consulate", "identity_document": "passport"}


def balances(account_id):
    account = Account.objects.get(pk=account_id)
    return account.available, account.held


def test_a_contribution_is_held_against_its_contract(running, employer_a_user):
    (contribution,) = contributions_post(by=employer_a_user, lines=[payroll_line(running)], source=Source.PORTAL)
    account = Account.objects.get(worker=running.worker, currency="CAD")
    assert (account.available, account.held) == (Decimal("0"), Decimal("100.00"))
    entries = list(contribution.transaction.entries.order_by("id").values_list("account__kind", "amount", "held"))
    assert entries == [("worker", Decimal("100.00"), True), ("remittances", Decimal("-100.00"), False)]
    assert contribution.transaction.by == employer_a_user
    assert contribution.transaction.source == Source.PORTAL
    assert contribution.is_flagged is False


def test_a_deduction_that_is_not_the_rate_of_the_pay_is_flagged(running, employer_a_user):
    (contribution,) = contributions_post(by=employer_a_user, lines=[payroll_line(running, amount="80.00")],
                                         source=Source.API)
    assert (contribution.is_flagged, contribution.expected_amount) == (True, Decimal("100.00"))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("amount", "100.001", "CAD amounts have at most 2 decimals; this one has more (nothing is rounded)."),
    ("amount", "0", "The amount must be greater than zero."),
    ("amount", 100.5, "Give the amount as a decimal string, e.g. “125.50”."),
    ("gross_pay", "abc", "Enter an amount as a number, e.g. 125.50."),
    ("currency", "USD", "This contract is paid in CAD."),
    ("period_start", "2020-13-01", "Enter a date as YYYY-MM-DD."),
])
def test_a_refused_line_posts_nothing(running, employer_a_user, field, value, message):
    with pytest.raises(LineErrors) as refused:
        contributions_post(by=employer_a_user, lines=[payroll_line(running), payroll_line(running, week=1, **{
            field: value})], source=Source.API)
    assert refused.value.errors == {1: {field: [message]}}
    assert (Contribution.objects.count(), Entry.objects.count(), LedgerTransaction.objects.count()) == (0, 0, 0)


def test_one_live_contribution_per_pay_period(running, employer_a_user):
    contributions_post(by=employer_a_user, lines=[payroll_line(running)], source=Source.API)
    with pytest.raises(LineErrors) as refused:
        contributions_post(by=employer_a_user, lines=[payroll_line(running, week=1), payroll_line(running)],
                           source=Source.API)
    assert refused.value.errors == {1: {"period_start": [
        "This contract already has a contribution for this pay period."]}}
    assert Contribution.objects.count() == 1


def test_the_database_refuses_a_second_live_contribution_for_a_period(running, employer_a_user):
    first, second = contributions_post(by=employer_a_user, lines=[payroll_line(running), payroll_line(running, week=1)],
                                       source=Source.API)
    with pytest.raises(IntegrityError, match="savings_one_live_contribution_per_period"), transaction.atomic():
        Contribution.objects.filter(pk=second.pk).update(period_start=first.period_end)


def test_another_employers_contract_is_unknown(running, employer_b_user):
    with pytest.raises(LineErrors) as refused:
        contributions_post(by=employer_b_user, lines=[payroll_line(running)], source=Source.API)
    assert refused.value.errors == {0: {"contract": ["No contract of yours has this id."]}}


def test_a_reversal_takes_the_money_back_and_frees_the_period(running, employer_a_user):
    (contribution,) = contributions_post(by=employer_a_user, lines=[payroll_line(running)], source=Source.API)
    reversed_ = contribution_reverse(contribution=contribution, by=employer_a_user, reason="wrong pay",
                                     source=Source.API)
    assert reversed_.status == Contribution.Status.REVERSED
    assert reversed_.reversal.reverses_id == contribution.transaction_id
    account = Account.objects.get(worker=running.worker)
    assert (account.available, account.held) == (Decimal("0"), Decimal("0"))
    with pytest.raises(Conflict):
        contribution_reverse(contribution=contribution, by=employer_a_user, reason="again", source=Source.API)
    (again,) = contributions_post(by=employer_a_user, lines=[payroll_line(running, amount="90.00")],
                                  source=Source.API)
    assert again.status == Contribution.Status.POSTED


def test_a_confirmed_return_releases_the_held_money_in_one_transaction(program, employer_a, worksite_a,
                                                                        employer_a_user, staff_tlaxcala):
    contract = contract_of(program, employer_a, worksite_a, status=S.ACTIVE)
    contributions_post(by=employer_a_user, lines=[payroll_line(contract), payroll_line(contract, week=1)],
                       source=Source.API)
    account = Account.objects.get(worker=contract.worker)
    contract.status = S.ENDED
    contract.save(update_fields=["status"])
    expected_return_open(contract)
    assert balances(account.pk) == (Decimal("0"), Decimal("200.00"))
    contract_confirm_return(contract=contract, by=staff_tlaxcala, seen_home_on=program.today(), **SEEN)
    assert balances(account.pk) == (Decimal("200.00"), Decimal("0"))
    release = LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.RELEASE)
    assert sorted(release.entries.values_list("amount", "held")) == [(Decimal("-200.00"), True),
                                                                    (Decimal("200.00"), False)]
    contract_confirm_return(contract=contract, by=staff_tlaxcala, seen_home_on=program.today(), **SEEN)
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.RELEASE).count() == 1


def test_money_stays_held_until_the_return_is_confirmed(program, employer_a, worksite_a, employer_a_user):
    contract = contract_of(program, employer_a, worksite_a, status=S.ACTIVE)
    contributions_post(by=employer_a_user, lines=[payroll_line(contract)], source=Source.API)
    for status in (S.ENDED, S.ABSCONDED):
        contract.status = status
        contract.save(update_fields=["status"])
        assert balances(Account.objects.get(worker=contract.worker).pk) == (Decimal("0"), Decimal("100.00"))


def _entry(running, employer_a_user):
    contributions_post(by=employer_a_user, lines=[payroll_line(running)], source=Source.API)
    return Entry.objects.first()


def refusal(write) -> str | None:
    """Run ``write(cursor)`` in a savepoint: the database's refusal, or None if it went through.
    (An assertion on it, not ``pytest.raises``, so that a teeth variant fails as an assertion.)"""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            write(cursor)
    except IntegrityError as error:
        return str(error)
    return None


def without_the_append_only_trigger(monkeypatch):
    """Drops the trigger that refuses UPDATE and DELETE of entries (rolled back with the test).
    The deferred balance checks go too: the test's teardown runs them, and they would refuse the
    transaction whose entry this variant changed, which is not what this variant is about."""
    without_the_deferred_balance_check(monkeypatch)
    connection.cursor().execute("DROP TRIGGER savings_entry_append_only ON savings_entry")


def without_the_deferred_balance_check(monkeypatch):
    """Drops both constraint triggers that check a transaction's balance at commit (the entries'
    and the transaction's own), rolled back with the test."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER savings_entry_balanced ON savings_entry")
        cursor.execute("DROP TRIGGER savings_transaction_has_entries ON savings_transaction")


@with_teeth(without_the_append_only_trigger)
@pytest.mark.parametrize("statement", ["UPDATE savings_entry SET amount = amount + 1 WHERE id = %s",
                                       "DELETE FROM savings_entry WHERE id = %s"])
def test_the_database_refuses_to_change_or_delete_an_entry(safeguard, running, employer_a_user, statement):
    entry = _entry(running, employer_a_user)
    refused = refusal(lambda cursor: cursor.execute(statement, [entry.pk]))
    assert "append-only" in (refused or ""), f"the database let {statement.split()[0]} through"
    assert Entry.objects.get(pk=entry.pk).amount == Decimal("100.00")


@with_teeth(without_the_deferred_balance_check)
def test_the_database_refuses_an_unbalanced_transaction_at_commit(safeguard, running, employer_a_user):
    account = worker_accounts([(running.worker_id, "CAD")])[running.worker_id, "CAD"]

    def write_unbalanced(cursor):
        cursor.execute("""INSERT INTO savings_transaction (public_id, kind, source, reference, memo, created_at)
                          VALUES (gen_random_uuid(), 'contribution', 'api', '', '', now()) RETURNING id""")
        (pk,) = cursor.fetchone()
        cursor.execute("""INSERT INTO savings_entry (transaction_id, account_id, held, amount, currency,
                          created_at) VALUES (%s, %s, false, 5, 'CAD', now())""", [pk, account])
        # Inside the transaction the entry is in and the balance moved: the check waits for commit.
        assert balances(account) == (Decimal("5"), Decimal("0"))
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    refused = refusal(write_unbalanced)
    assert "does not balance" in (refused or ""), "an unbalanced transaction was let through"
    assert (LedgerTransaction.objects.count(), balances(account)) == (0, (Decimal("0"), Decimal("0")))


def test_a_worker_account_never_goes_below_zero(running):
    account = worker_accounts([(running.worker_id, "CAD")])[running.worker_id, "CAD"]
    remittances = system_account(Account.Kind.REMITTANCES_IN_TRANSIT, "CAD")
    with pytest.raises(DomainError, match="not enough money"):
        post([Posting(LedgerTransaction.Kind.CONTRIBUTION, [Line(account, Decimal("-1"), "CAD"),
                                                            Line(remittances, Decimal("1"), "CAD")])],
             by=None, source=Source.SYSTEM)
    assert LedgerTransaction.objects.count() == 0


def test_an_entry_in_another_currency_than_its_account_is_refused(running):
    account = worker_accounts([(running.worker_id, "CAD")])[running.worker_id, "CAD"]
    usd = system_account(Account.Kind.REMITTANCES_IN_TRANSIT, "USD")
    with pytest.raises(IntegrityError, match="does not match its account"):
        post([Posting(LedgerTransaction.Kind.CONTRIBUTION, [Line(account, Decimal("1"), "USD"),
                                                            Line(usd, Decimal("-1"), "USD")])],
             by=None, source=Source.SYSTEM)
    assert (LedgerTransaction.objects.count(), balances(account)) == (0, (Decimal("0"), Decimal("0")))
