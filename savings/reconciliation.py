"""Reconciliation: prove that the savings ledger adds up; never fix it.

``reconcile_savings()`` reads the whole ledger in one snapshot and checks, set-based:

- every worker account's stored ``available`` and ``held`` equal the sums of its entries (held:
  the entries with ``held``; available: the others);
- every entry is in its account's currency, and only worker accounts hold money;
- no worker account holds less than zero of a contract's money;
- every transaction has entries, and they sum to zero in each currency.

PostgreSQL refuses each of these when money is posted (migration 0001's triggers); this is the
independent proof that nothing got round them (a disabled trigger, a restored backup, a hand-made
``UPDATE``). A run records a ``ReconciliationRun``; one that is not clean lists what drifted and
alerts every active administrator with an e-mail, once per run. Nothing in the ledger is changed:
a drift is for people to investigate and correct with reversing transactions.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from savings.models import ReconciliationRun
from twp.models import Role, User

# Findings kept on the run (all are counted): a ledger drifted everywhere is one investigation,
# not a million-row JSON document.
FINDINGS_KEPT = 1000
NOTIFICATION_KIND = "savings-drift"

# The kinds of finding, as written in ``findings`` and printed by the command.
BALANCE = "balance"  # a worker account's stored balance is not the sum of its entries
CURRENCY = "currency"  # entries in another currency than their account's
HELD_ON_SYSTEM_ACCOUNT = "held_on_system_account"  # held money on an account that is not a worker's
NEGATIVE_HELD = "negative_held"  # a worker account holds less than zero of a contract's money
UNBALANCED = "unbalanced_transaction"  # a transaction's entries do not sum to zero in a currency
EMPTY = "empty_transaction"  # a transaction without entries

# Each query runs in the read-only snapshot. Nightly and alone: a larger sort/hash memory for it
# only (SET LOCAL), so the aggregates stay in memory.
SESSION_SETTINGS = ("SET LOCAL work_mem = '256MB'",)

# One pass over the entries per account: sums per (account, contract, held, currency), rolled up
# per account and compared with the stored balances. Returns the drifted accounts, then one line
# of totals (``account_id`` NULL).
ACCOUNTS_SQL = """
WITH parts AS (
    SELECT e.account_id, e.contract_id, e.held, e.currency, sum(e.amount) AS amount, count(*) AS entries
    FROM savings_entry e
    GROUP BY e.account_id, e.contract_id, e.held, e.currency
), accounts AS (
    SELECT a.id, a.public_id, a.kind, a.currency, a.available, a.held,
           coalesce(sum(p.amount) FILTER (WHERE NOT p.held), 0.0000) AS entries_available,
           coalesce(sum(p.amount) FILTER (WHERE p.held), 0.0000) AS entries_held,
           coalesce(sum(p.entries) FILTER (WHERE p.currency <> a.currency), 0) AS foreign_entries,
           coalesce(sum(p.entries) FILTER (WHERE p.held AND a.kind <> 'worker'), 0) AS held_entries,
           array_agg(p.contract_id ORDER BY p.contract_id) FILTER (WHERE p.held AND p.amount < 0) AS negative_contracts,
           array_agg(p.amount ORDER BY p.contract_id) FILTER (WHERE p.held AND p.amount < 0) AS negative_amounts,
           coalesce(sum(p.entries), 0) AS entries
    FROM savings_account a LEFT JOIN parts p ON p.account_id = a.id
    GROUP BY a.id
)
SELECT a.id, a.public_id, a.kind, a.currency, a.available, a.held, a.entries_available, a.entries_held,
       a.foreign_entries, a.held_entries, a.negative_contracts, a.negative_amounts, a.entries
FROM accounts a
WHERE (a.kind = 'worker' AND (a.available <> a.entries_available OR a.held <> a.entries_held))
   OR a.foreign_entries > 0 OR a.held_entries > 0 OR a.negative_contracts IS NOT NULL
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, sum(a.entries)
FROM accounts a
"""

# One pass over the transactions: each one's entries summed per currency; a transaction with no
# entries comes out of the outer join with a NULL currency. Returns the findings, then one line
# of totals (``id`` NULL, the count of transactions).
TRANSACTIONS_SQL = """
WITH sums AS (
    SELECT t.id, t.public_id, s.currency, s.amount
    FROM savings_transaction t
    LEFT JOIN (SELECT e.transaction_id, e.currency, sum(e.amount) AS amount
               FROM savings_entry e GROUP BY e.transaction_id, e.currency) s ON s.transaction_id = t.id
)
SELECT s.id, s.public_id, s.currency, s.amount, NULL::bigint
FROM sums s WHERE s.currency IS NULL OR s.amount <> 0
UNION ALL
SELECT NULL, NULL, NULL, NULL, count(DISTINCT s.id) FROM sums s
"""

CONTRACTS_SQL = "SELECT id, public_id FROM contracts_contract WHERE id = ANY(%s)"
ACCOUNT_COUNT_SQL = "SELECT count(*), count(*) FILTER (WHERE kind = 'worker') FROM savings_account"


@dataclass
class Reading:
    """What one read of the ledger found: findings (as stored on the run) and what was checked."""

    findings: list[dict] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    # (query, nanoseconds): each query's time from the client, in integers (no float in savings/).
    queries: list[tuple[str, int]] = field(default_factory=list)

    @property
    def sql_nanoseconds(self) -> int:
        return sum(nanoseconds for _name, nanoseconds in self.queries)


def reconcile_savings() -> ReconciliationRun:
    """Check the whole ledger in one snapshot and record the run; alert the administrators once
    if it is not clean. Changes nothing in the ledger. Returns the run (``is_clean``, ``counts``,
    ``findings``); ``run.reading`` carries the per-query SQL times of this call."""
    started_at = timezone.now()
    reading = read_ledger()
    with transaction.atomic():
        run = ReconciliationRun.objects.create(
            started_at=started_at, finished_at=max(timezone.now(), started_at), is_clean=not reading.findings,
            counts=dict(reading.counts), findings=reading.findings[:FINDINGS_KEPT])
        if not run.is_clean:
            alert_administrators(run)
    run.reading = reading
    return run


def read_ledger() -> Reading:
    """Every check, in one ``REPEATABLE READ`` read-only snapshot (a posting that commits
    meanwhile is either wholly seen, its entries and its balance change, or not at all). Inside
    a caller's transaction (tests), that transaction's snapshot is used."""
    reading = Reading()
    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        for statement in SESSION_SETTINGS:
            cursor.execute(statement)
        _check_accounts(cursor, reading)
        _check_transactions(cursor, reading)
    for finding in reading.findings:
        reading.counts[f"findings_{finding['kind']}"] += 1
    reading.counts["findings"] = len(reading.findings)
    return reading


def _timed(cursor, reading: Reading, name: str, statement: str, params=None) -> list[tuple]:
    started = time.perf_counter_ns()
    cursor.execute(statement, params)
    rows = cursor.fetchall()
    reading.queries.append((name, time.perf_counter_ns() - started))
    return rows


def _check_accounts(cursor, reading: Reading) -> None:
    rows = _timed(cursor, reading, "accounts", ACCOUNTS_SQL)
    *drifted, (*_, entries) = rows
    reading.counts["entries"] = int(entries or 0)
    accounts, worker_accounts = _timed(cursor, reading, "account count", ACCOUNT_COUNT_SQL)[0]
    reading.counts["accounts"], reading.counts["worker_accounts"] = accounts, worker_accounts
    negative = {contract for row in drifted for contract in (row[10] or [])}
    contracts = dict(_timed(cursor, reading, "contracts", CONTRACTS_SQL, [sorted(negative)])) if negative else {}
    for (_id, public_id, kind, currency, available, held, entries_available, entries_held, foreign_entries,
         held_entries, negative_contracts, negative_amounts, _entries) in drifted:
        account = str(public_id)
        if kind == "worker" and (available != entries_available or held != entries_held):
            reading.findings.append({
                "kind": BALANCE, "account": account, "currency": currency,
                "stored_available": _text(available), "entries_available": _text(entries_available),
                "available_difference": _text(available - entries_available),
                "stored_held": _text(held), "entries_held": _text(entries_held),
                "held_difference": _text(held - entries_held)})
        if foreign_entries:
            reading.findings.append({"kind": CURRENCY, "account": account, "currency": currency,
                                     "entries": int(foreign_entries)})
        if held_entries:
            reading.findings.append({"kind": HELD_ON_SYSTEM_ACCOUNT, "account": account, "account_kind": kind,
                                     "entries": int(held_entries)})
        for contract_id, amount in zip(negative_contracts or [], negative_amounts or [], strict=True):
            reading.findings.append({"kind": NEGATIVE_HELD, "account": account, "currency": currency,
                                     "contract": str(contracts[contract_id]), "held": _text(amount)})


def _check_transactions(cursor, reading: Reading) -> None:
    *bad, (*_, transactions) = _timed(cursor, reading, "transactions", TRANSACTIONS_SQL)
    reading.counts["transactions"] = int(transactions or 0)
    for transaction_id, public_id, currency, amount, _count in bad:
        if currency is None:
            reading.findings.append({"kind": EMPTY, "transaction": str(public_id), "transaction_id": transaction_id})
        else:
            reading.findings.append({"kind": UNBALANCED, "transaction": str(public_id),
                                     "transaction_id": transaction_id, "currency": currency, "sum": _text(amount)})


def _text(amount: Decimal) -> str:
    """A decimal as JSON keeps it: a string, never a float."""
    return format(amount, "f")


# --- the alert ----------------------------------------------------------------------------------
KIND_LABELS = {
    BALANCE: _("stored balance differs from its entries"),
    CURRENCY: _("entries in another currency than their account"),
    HELD_ON_SYSTEM_ACCOUNT: _("held money on a program account"),
    NEGATIVE_HELD: _("held money of a contract below zero"),
    UNBALANCED: _("transaction does not balance"),
    EMPTY: _("transaction without entries"),
}


def alert_administrators(run: ReconciliationRun) -> int:
    """Tell every active administrator with an e-mail address, in their language, once per run
    (the key names the run and the person). Returns how many notifications were recorded."""
    from twp.services import notification_enqueue

    administrators = list(User.objects.filter(role=Role.ADMINISTRATOR, is_active=True).exclude(email="")
                          .order_by("pk"))
    count = run.counts.get("findings", len(run.findings))
    kinds = sorted((kind, run.counts[f"findings_{kind}"]) for kind in KIND_LABELS if run.counts.get(f"findings_{kind}"))
    for user in administrators:
        with translation.override(user.preferred_language):
            values = {"count": count, "run": run.public_id, "started": run.started_at.isoformat(timespec="seconds"),
                      "kinds": "; ".join(f"{KIND_LABELS[kind]}: {number}" for kind, number in kinds)}
            subject = ngettext("Savings ledger: the reconciliation found %(count)d discrepancy",
                               "Savings ledger: the reconciliation found %(count)d discrepancies", count) % values
            body = ngettext(
                "The reconciliation of the savings ledger that started at %(started)s found %(count)d discrepancy "
                "(%(kinds)s). Nothing was changed. Investigate before correcting anything with reversing "
                "transactions: reconciliation run %(run)s lists the accounts and transactions concerned.",
                "The reconciliation of the savings ledger that started at %(started)s found %(count)d discrepancies "
                "(%(kinds)s). Nothing was changed. Investigate before correcting anything with reversing "
                "transactions: reconciliation run %(run)s lists the accounts and transactions concerned.",
                count) % values
        notification_enqueue(key=f"{NOTIFICATION_KIND}:{run.pk}:user:{user.pk}", kind=NOTIFICATION_KIND,
                             recipient=user, subject=subject, body=body)
    return len(administrators)
