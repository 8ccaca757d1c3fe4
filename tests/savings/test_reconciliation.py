"""Reconciliation proves the ledger adds up and never fixes it: a clean ledger reconciles (exit 0);
a stored balance changed by hand, a transaction forced in unbalanced or without entries, entries in
another currency, a contract's held money below zero are each caught (exit 1, the run recorded, the
administrators told once) and left exactly as they were."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from contracts.models import ContractStatus
from contracts.returns import contract_confirm_return, expected_return_open
from savings import reconciliation
from savings.contributions import contributions_post
from savings.ledger import Line, Posting, post, system_account
from savings.models import Account, LedgerTransaction, ReconciliationRun, Source
from savings.reconciliation import reconcile_savings
from tests.factories import UserFactory
from tests.savings.conftest import contract_of, payroll_line
from twp.models import Notification, Role

pytestmark = pytest.mark.django_db
S = ContractStatus
SEEN = {"place": "consulate", "identity_document": "passport"}


def reconcile() -> tuple[int, str]:
    """Run ``manage.py reconcile_savings``: its exit status (as ``manage.py`` would exit) and output."""
    out = StringIO()
    try:
        call_command("reconcile_savings", stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def sql(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def stored(account_id: int) -> tuple[Decimal, Decimal]:
    return tuple(sql("SELECT available, held FROM savings_account WHERE id = %s", [account_id])[0])


def drift_notifications():
    return Notification.objects.filter(kind=reconciliation.NOTIFICATION_KIND)


def forced_transaction(lines: list[tuple[int, str, str, int | None, bool]]) -> int:
    """A transaction written by hand with the deferred balance checks off (as a broken script or
    a restored backup could leave it): ``lines`` are (account, amount, currency, contract, held)."""
    # What the test wrote so far is checked now (a table with pending trigger events cannot be altered).
    sql("SET CONSTRAINTS ALL IMMEDIATE")
    sql("ALTER TABLE savings_entry DISABLE TRIGGER savings_entry_balanced")  # rolled back with the test
    sql("ALTER TABLE savings_transaction DISABLE TRIGGER savings_transaction_has_entries")
    ((pk,),) = sql("""INSERT INTO savings_transaction (public_id, kind, source, reference, memo, created_at)
                      VALUES (gen_random_uuid(), 'contribution', 'staff', 'by hand', '', now()) RETURNING id""")
    for account, amount, currency, contract, held in lines:
        sql("""INSERT INTO savings_entry (transaction_id, account_id, contract_id, held, amount, currency, created_at)
               VALUES (%s, %s, %s, %s, %s, %s, now())""", [pk, account, contract, held, amount, currency])
    # As at commit: nothing refuses it now.
    sql("SET CONSTRAINTS ALL IMMEDIATE")
    return pk


@pytest.fixture
def ledger(program, employer_a, worksite_a, employer_a_user, staff_tlaxcala):
    """Two workers' contributions: one contract still held, one returned and released."""
    running = contract_of(program, employer_a, worksite_a)
    returned = contract_of(program, employer_a, worksite_a)
    contributions_post(by=employer_a_user, lines=[payroll_line(running), payroll_line(running, week=1),
                                                  payroll_line(returned, amount="80.00")], source=Source.API)
    returned.status = S.ENDED
    returned.save(update_fields=["status"])
    expected_return_open(returned)
    contract_confirm_return(contract=returned, by=staff_tlaxcala, seen_home_on=program.today(), **SEEN)
    return {"running": running, "returned": returned,
            "held": Account.objects.get(worker=running.worker, currency="CAD"),
            "released": Account.objects.get(worker=returned.worker, currency="CAD")}


@pytest.fixture
def administrators(administrator):
    """Two active administrators with e-mail (one reads English), one without, one inactive."""
    english = UserFactory(role=Role.ADMINISTRATOR, office=None, preferred_language="en")
    UserFactory(role=Role.ADMINISTRATOR, office=None, email="")
    UserFactory(role=Role.ADMINISTRATOR, office=None, is_active=False)
    return [administrator, english]


def test_a_clean_ledger_reconciles_clean(ledger, administrators):
    status, output = reconcile()
    assert status == 0, output
    assert "The savings ledger reconciles" in output
    run = ReconciliationRun.objects.get()
    assert (run.is_clean, run.findings) == (True, [])
    # 3 contributions and 1 release: 4 transactions of 2 entries; 2 worker accounts and remittances.
    assert {key: run.counts[key] for key in ("accounts", "worker_accounts", "transactions", "entries", "findings")} == {
        "accounts": 3, "worker_accounts": 2, "transactions": 4, "entries": 8, "findings": 0}
    assert drift_notifications().count() == 0


def test_a_tampered_balance_is_caught_reported_and_left_as_it_is(ledger, administrators):
    account = ledger["held"]
    sql("UPDATE savings_account SET available = available + 0.01 WHERE id = %s", [account.pk])

    status, output = reconcile()

    assert status == 1
    assert str(account.public_id) in output
    assert "available stored 0.0100 vs entries 0.0000 (difference 0.0100)" in output
    run = ReconciliationRun.objects.get()
    assert run.is_clean is False
    assert run.findings == [{
        "kind": "balance", "account": str(account.public_id), "currency": "CAD",
        "stored_available": "0.0100", "entries_available": "0.0000", "available_difference": "0.0100",
        "stored_held": "200.0000", "entries_held": "200.0000", "held_difference": "0.0000"}]
    assert (run.counts["findings"], run.counts["findings_balance"]) == (1, 1)
    # Nothing was "fixed".
    assert stored(account.pk) == (Decimal("0.0100"), Decimal("200.0000"))
    # Each active administrator with an e-mail hears once, in their language, about this run.
    notifications = drift_notifications().filter(key__startswith=f"savings-drift:{run.pk}:")
    assert sorted(notifications.values_list("recipient", flat=True)) == sorted(user.pk for user in administrators)
    english = notifications.get(recipient=administrators[1])
    assert english.subject == "Savings ledger: the reconciliation found 1 discrepancy"
    assert f"reconciliation run {run.public_id}" in english.body
    assert "stored balance differs from its entries: 1" in english.body
    assert notifications.get(recipient=administrators[0]).language == "es"
    # Telling them again about the same run sends nothing more.
    reconciliation.alert_administrators(run)
    assert notifications.count() == 2


def test_each_run_that_finds_drift_alerts_once(ledger, administrators):
    sql("UPDATE savings_account SET held = held - 1 WHERE id = %s", [ledger["held"].pk])
    first, second = reconcile_savings(), reconcile_savings()
    assert (first.is_clean, second.is_clean) == (False, False)
    assert drift_notifications().count() == 2 * len(administrators)
    assert drift_notifications().filter(key__startswith=f"savings-drift:{second.pk}:").count() == len(administrators)


def test_an_unbalanced_transaction_forced_in_is_caught(ledger):
    account = ledger["released"]
    pk = forced_transaction([(account.pk, "5", "CAD", None, False)])
    # The stored balance followed the entry (its statement trigger ran): only the sum is wrong.
    status, output = reconcile()
    assert status == 1
    public_id = LedgerTransaction.objects.get(pk=pk).public_id
    assert f"unbalanced transaction {public_id} (id {pk}): entries sum to 5.0000 CAD" in output
    assert ReconciliationRun.objects.get().findings == [{
        "kind": "unbalanced_transaction", "transaction": str(public_id), "transaction_id": pk, "currency": "CAD",
        "sum": "5.0000"}]
    assert stored(account.pk) == (Decimal("85.0000"), Decimal("0.0000"))


def test_a_transaction_without_entries_is_caught(ledger):
    pk = forced_transaction([])
    status, output = reconcile()
    assert status == 1
    assert f"(id {pk}) has no entries" in output
    assert [finding["kind"] for finding in ReconciliationRun.objects.get().findings] == ["empty_transaction"]


def test_entries_in_another_currency_are_caught(ledger):
    account = ledger["released"]
    usd = system_account(Account.Kind.REMITTANCES_IN_TRANSIT, "USD")
    # The statement trigger would refuse them (and move the stored balance): off, as a script could.
    sql("SET CONSTRAINTS ALL IMMEDIATE")
    sql("ALTER TABLE savings_entry DISABLE TRIGGER savings_entry_balances")
    forced_transaction([(account.pk, "3", "USD", None, False), (usd, "-3", "USD", None, False)])
    assert reconcile()[0] == 1
    findings = ReconciliationRun.objects.get().findings
    assert {(finding["kind"], finding["account"]) for finding in findings} == {
        ("currency", str(account.public_id)), ("balance", str(account.public_id))}
    currency = next(finding for finding in findings if finding["kind"] == "currency")
    assert (currency["currency"], currency["entries"]) == ("CAD", 1)


def test_held_money_of_a_contract_below_zero_is_caught(ledger):
    # Balanced, and the account's held total is unchanged: only the per-contract view shows it.
    running, returned, account = ledger["running"], ledger["returned"], ledger["held"]
    post([Posting(LedgerTransaction.Kind.REVERSAL, [Line(account.pk, Decimal("-250"), "CAD", returned.pk, held=True),
                                                    Line(account.pk, Decimal("250"), "CAD", running.pk, held=True)])],
         by=None, source=Source.STAFF)
    status, output = reconcile()
    assert status == 1
    assert f"contract {returned.public_id} holds -250.0000" in output
    assert ReconciliationRun.objects.get().findings == [{
        "kind": "negative_held", "account": str(account.public_id), "currency": "CAD",
        "contract": str(returned.public_id), "held": "-250.0000"}]


def test_the_reconciliation_reads_and_never_writes_the_ledger(ledger):
    sql("UPDATE savings_account SET available = available + 7 WHERE id = %s", [ledger["released"].pk])
    before = sql("SELECT id, available, held, updated_at FROM savings_account ORDER BY id"), sql(
        "SELECT count(*), coalesce(sum(amount), 0) FROM savings_entry"), sql("SELECT count(*) FROM savings_transaction")
    reconcile_savings()
    after = sql("SELECT id, available, held, updated_at FROM savings_account ORDER BY id"), sql(
        "SELECT count(*), coalesce(sum(amount), 0) FROM savings_entry"), sql("SELECT count(*) FROM savings_transaction")
    assert after == before


def test_a_run_keeps_a_bounded_number_of_findings_and_counts_them_all(ledger, monkeypatch):
    # A ledger drifted everywhere still gives a run and an alert: the queries return a bounded
    # number of findings, and count them all.
    monkeypatch.setattr(reconciliation, "FINDINGS_KEPT", 1)
    sql("UPDATE savings_account SET available = available + 1 WHERE kind = 'worker'")
    for _ in range(3):
        forced_transaction([(ledger["released"].pk, "1", "CAD", None, False)])
    run = reconcile_savings()
    assert len(run.findings) == 1
    assert (run.counts["findings"], run.counts["findings_balance"], run.counts["findings_unbalanced_transaction"]) == (
        5, 2, 3)


def test_entries_of_an_account_or_a_transaction_that_does_not_exist_are_caught(ledger):
    account = ledger["released"]
    # Foreign keys and triggers off for this transaction only, as a careless restore could.
    sql("SET LOCAL session_replication_role = replica")
    sql("""INSERT INTO savings_entry (transaction_id, account_id, held, amount, currency, created_at)
           VALUES (987654321, %s, false, 4, 'CAD', now()), (987654321, 123456789, false, -4, 'CAD', now())""",
        [account.pk])
    sql("SET LOCAL session_replication_role = DEFAULT")
    assert reconcile()[0] == 1
    findings = ReconciliationRun.objects.get().findings
    assert [finding for finding in findings if finding["kind"] != "balance"] == [
        {"kind": "entries_without_account", "account_id": 123456789, "entries": 1, "sum": "-4.0000"},
        {"kind": "entries_without_transaction", "transaction_id": 987654321, "currency": "CAD", "sum": "0.0000"},
    ]


def test_an_empty_ledger_reconciles_clean(db):
    run = reconcile_savings()
    assert (run.is_clean, run.counts["transactions"], run.counts["entries"]) == (True, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_the_nightly_task_reconciles_in_its_own_snapshot(ledger, administrators):
    from savings.tasks import reconcile_savings_task

    result = reconcile_savings_task()
    run = ReconciliationRun.objects.get()
    assert result == {"run": str(run.public_id), "is_clean": True, "findings": 0}


@pytest.mark.django_db(transaction=True)
def test_every_connection_of_the_shared_snapshot_finds_drift(ledger, administrators, settings):
    settings.SAVINGS_RECONCILIATION_CONNECTIONS = 3
    held, released = ledger["held"], ledger["released"]
    with transaction.atomic():
        # Committed for real, with the deferred checks off while it is written.
        sql("ALTER TABLE savings_entry DISABLE TRIGGER savings_entry_balanced")
        sql("ALTER TABLE savings_transaction DISABLE TRIGGER savings_transaction_has_entries")
        ((pk,),) = sql("""INSERT INTO savings_transaction (public_id, kind, source, reference, memo, created_at)
                          VALUES (gen_random_uuid(), 'contribution', 'staff', '', '', now()) RETURNING id""")
        sql("""INSERT INTO savings_entry (transaction_id, account_id, held, amount, currency, created_at)
               VALUES (%s, %s, false, 2, 'CAD', now())""", [pk, released.pk])
        sql("SET CONSTRAINTS ALL IMMEDIATE")
        sql("ALTER TABLE savings_entry ENABLE TRIGGER savings_entry_balanced")
        sql("ALTER TABLE savings_transaction ENABLE TRIGGER savings_transaction_has_entries")
    sql("UPDATE savings_account SET held = held + 3 WHERE id = %s", [held.pk])

    run = reconcile_savings()

    assert run.reading.connections == 3
    # The accounts, the counts, and one range per transaction id here (5 ids, fewer than 3 × 4 ranges).
    assert [name for name, _nanoseconds in run.reading.queries] == [
        "accounts", "counts", *[f"transactions {index}/5" for index in range(1, 6)]]
    assert sorted((finding["kind"], finding.get("account") or finding.get("transaction_id"))
                  for finding in run.findings) == [("balance", str(held.public_id)), ("unbalanced_transaction", pk)]
    assert stored(held.pk) == (Decimal("0.0000"), Decimal("203.0000"))


def test_the_nightly_task_is_scheduled(settings):
    assert any(entry["task"] == "savings.tasks.reconcile_savings_task"
               for entry in settings.CELERY_BEAT_SCHEDULE.values())
