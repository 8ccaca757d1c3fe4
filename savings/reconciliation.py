"""Reconciliation: prove that the savings ledger adds up; never fix it.

``reconcile_savings()`` reads the whole ledger in one snapshot and checks, set-based:

- every worker account's stored ``available`` and ``held`` equal the sums of its entries (held:
  the entries with ``held``; available: the others);
- every entry is in its account's currency, and only worker accounts hold money;
- no worker account holds less than zero of a contract's money;
- every transaction has entries, and they sum to zero in each currency;
- every entry's account and transaction exist.

PostgreSQL refuses each of these when money is posted (migration 0001's triggers); this is the
independent proof that nothing got round them (a disabled trigger, a restored backup, a hand-made
``UPDATE``). A run records a ``ReconciliationRun``; one that is not clean lists what drifted and
alerts every active administrator with an e-mail, once per run. Nothing in the ledger is changed:
a drift is for people to investigate and correct with reversing transactions.

The checks are two streams over the entries, each read from an index in the index's order and
aggregated as it streams (no hash table, no sort of the ledger): per account
(``savings_entry_balance_idx``) and per transaction (``savings_entry_transaction_idx``), each
merged with the accounts or the transactions. The transactions are cut into id ranges, and the
pieces run on ``SAVINGS_RECONCILIATION_CONNECTIONS`` database connections at once that share one
exported snapshot (as ``pg_dump --jobs`` does), so a whole reconciliation of 10,000,000 entries
takes a few seconds of SQL (bench/RESULTS-savings.md). Inside a caller's transaction (the tests)
they run one after another on that transaction's connection.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
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
# Transaction id ranges per connection: small enough that the connections finish together.
RANGES_PER_CONNECTION = 4
LOWEST_ID, HIGHEST_ID = -(2**63), 2**63 - 1

# The kinds of finding, as written in ``findings`` and printed by the command.
BALANCE = "balance"  # a worker account's stored balance is not the sum of its entries
CURRENCY = "currency"  # entries in another currency than their account's
HELD_ON_SYSTEM_ACCOUNT = "held_on_system_account"  # held money on an account that is not a worker's
NEGATIVE_HELD = "negative_held"  # a worker account holds less than zero of a contract's money
UNBALANCED = "unbalanced_transaction"  # a transaction's entries do not sum to zero in a currency
EMPTY = "empty_transaction"  # a transaction without entries
NO_ACCOUNT = "entries_without_account"  # entries of an account that does not exist
NO_TRANSACTION = "entries_without_transaction"  # entries of a transaction that does not exist

# For the read-only snapshot only (SET LOCAL): aggregate and merge the index-ordered streams
# rather than hash them (a hash table of 5,000,000 transactions spills to disk and takes four
# times as long), and no parallel workers of PostgreSQL's own (our connections are the parallelism).
SESSION_SETTINGS = (
    "SET LOCAL enable_hashagg = off",
    "SET LOCAL enable_hashjoin = off",
    "SET LOCAL max_parallel_workers_per_gather = 0",
    "SET LOCAL work_mem = '64MB'",
)

# Per account: the entries summed per (account, held, contract, currency) in the balance index's
# order, rolled up per account as they stream, then merged with the accounts (a full join: an
# account without entries, entries without an account) and compared with the stored balances.
# Returns the accounts that drifted (at most ``limit``, each with what is wrong), then one line
# of totals as JSON (``totals``; NULL on the other lines): entries read, findings of each kind.
ACCOUNTS_SQL = """
WITH parts AS (
    SELECT e.account_id, e.held, e.contract_id, e.currency, sum(e.amount) AS amount, count(*) AS entries
    FROM savings_entry e
    GROUP BY e.account_id, e.held, e.contract_id, e.currency
), sums AS (
    SELECT p.account_id,
           coalesce(sum(p.amount) FILTER (WHERE NOT p.held), 0.0000) AS available,
           coalesce(sum(p.amount) FILTER (WHERE p.held), 0.0000) AS held,
           coalesce(sum(p.entries) FILTER (WHERE p.held), 0) AS held_entries,
           min(p.currency) AS first_currency, max(p.currency) AS last_currency,
           array_agg(p.contract_id) FILTER (WHERE p.held AND p.amount < 0) AS negative_contracts,
           array_agg(p.amount) FILTER (WHERE p.held AND p.amount < 0) AS negative_amounts,
           sum(p.entries) AS entries
    FROM parts p
    GROUP BY p.account_id
), checked AS (
    SELECT a.id, s.account_id, a.public_id, a.kind, a.currency, a.available, a.held,
           coalesce(s.available, 0.0000) AS entries_available, coalesce(s.held, 0.0000) AS entries_held,
           coalesce(s.held_entries, 0) AS held_entries, s.negative_contracts, s.negative_amounts,
           coalesce(s.entries, 0) AS entries,
           a.id IS NULL AS is_orphan,
           coalesce(a.kind = 'worker' AND (a.available <> coalesce(s.available, 0.0000)
                                           OR a.held <> coalesce(s.held, 0.0000)), false) AS is_balance,
           coalesce(s.first_currency <> a.currency OR s.last_currency <> a.currency, false) AS is_currency,
           coalesce(a.kind <> 'worker' AND s.held_entries > 0, false) AS is_held_on_system
    FROM savings_account a FULL JOIN sums s ON s.account_id = a.id
)
(SELECT c.id, c.account_id, c.public_id, c.kind, c.currency, c.available, c.held, c.entries_available,
        c.entries_held, c.held_entries, c.negative_contracts, c.negative_amounts, c.entries, c.is_orphan,
        c.is_balance, c.is_currency, c.is_held_on_system, NULL::json AS totals
 FROM checked c
 WHERE c.is_orphan OR c.is_balance OR c.is_currency OR c.is_held_on_system OR c.negative_contracts IS NOT NULL
 LIMIT %(limit)s)
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       json_build_object('entries', sum(c.entries),
                         'entries_without_account', count(*) FILTER (WHERE c.is_orphan),
                         'balance', count(*) FILTER (WHERE c.is_balance),
                         'currency', count(*) FILTER (WHERE c.is_currency),
                         'held_on_system_account', count(*) FILTER (WHERE c.is_held_on_system),
                         'negative_held', coalesce(sum(cardinality(c.negative_contracts)), 0))
FROM checked c
"""
# How many entries of each account in ``ids`` are in another currency than the account's (for the
# findings: a handful of accounts, read through the balance index).
FOREIGN_ENTRIES_SQL = """
SELECT e.account_id, count(*) FROM savings_entry e JOIN savings_account a ON a.id = e.account_id
WHERE e.account_id = ANY(%s) AND e.currency <> a.currency GROUP BY e.account_id
"""

# Per transaction, over one range of ids: the entries summed per (transaction, currency) in the
# transaction index's order, merged with the transactions (a full join: a transaction without
# entries, entries without a transaction). Returns what does not add up (at most ``limit``
# lines), each line with the range's totals of each kind.
TRANSACTIONS_SQL = """
SELECT f.id, f.transaction_id, f.currency, f.amount,
       count(*) FILTER (WHERE f.transaction_id IS NULL) OVER () AS empty,
       count(*) FILTER (WHERE f.id IS NULL) OVER () AS orphans,
       count(*) FILTER (WHERE f.id IS NOT NULL AND f.transaction_id IS NOT NULL) OVER () AS unbalanced
FROM (SELECT t.id, s.transaction_id, s.currency, s.amount
      FROM (SELECT id FROM savings_transaction WHERE id BETWEEN %(low)s AND %(high)s) t
      FULL JOIN (SELECT e.transaction_id, e.currency, sum(e.amount) AS amount
                 FROM savings_entry e WHERE e.transaction_id BETWEEN %(low)s AND %(high)s
                 GROUP BY e.transaction_id, e.currency) s ON s.transaction_id = t.id
      WHERE t.id IS NULL OR s.transaction_id IS NULL OR s.amount <> 0) f
LIMIT %(limit)s
"""

COUNTS_SQL = """
SELECT (SELECT count(*) FROM savings_transaction), (SELECT count(*) FROM savings_account),
       (SELECT count(*) FROM savings_account WHERE kind = 'worker')
"""
ID_RANGE_SQL = "SELECT min(id), max(id) FROM savings_transaction"


@dataclass
class Reading:
    """What one read of the ledger found: findings (as stored on the run), what was checked, and
    how long each query took (integer nanoseconds: no float in savings/)."""

    findings: list[dict] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    queries: list[tuple[str, int]] = field(default_factory=list)  # (query, nanoseconds) each
    sql_wall_nanoseconds: int = 0  # from the first query's start to the last one's end
    connections: int = 1

    @property
    def sql_nanoseconds(self) -> int:
        """The queries' times added up (with several connections, more than the wall time)."""
        return sum(nanoseconds for _name, nanoseconds in self.queries)


@dataclass
class _Job:
    name: str
    statement: str
    params: dict | None = None
    rows: list[tuple] = field(default_factory=list)
    nanoseconds: int = 0

    def run(self, cursor) -> None:
        started = time.perf_counter_ns()
        cursor.execute(self.statement, self.params)
        self.rows = cursor.fetchall()
        self.nanoseconds = time.perf_counter_ns() - started


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


def read_ledger(*, connections: int | None = None) -> Reading:
    """Every check, in one ``REPEATABLE READ`` read-only snapshot (a posting that commits
    meanwhile is either wholly seen, its entries and its balance change, or not at all), on up to
    ``connections`` connections sharing it. Inside a caller's transaction, that transaction's
    snapshot and connection are used alone."""
    wanted = connections or settings.SAVINGS_RECONCILIATION_CONNECTIONS
    outermost = not connection.in_atomic_block
    reading = Reading(connections=wanted if outermost else 1)
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        for statement in SESSION_SETTINGS:
            cursor.execute(statement)
        cursor.execute(ID_RANGE_SQL)
        low, high = cursor.fetchone()
        jobs = [_Job("accounts", ACCOUNTS_SQL, {"limit": FINDINGS_KEPT}), _Job("counts", COUNTS_SQL),
                *_transaction_jobs(low, high, RANGES_PER_CONNECTION * reading.connections)]
        started = time.perf_counter_ns()
        if reading.connections > 1:
            cursor.execute("SELECT pg_export_snapshot()")
            _run_shared(cursor, jobs, snapshot=cursor.fetchone()[0], helpers=reading.connections - 1)
        else:
            for job in jobs:
                job.run(cursor)
        reading.sql_wall_nanoseconds = time.perf_counter_ns() - started
        reading.queries = [(job.name, job.nanoseconds) for job in jobs]
        _read_accounts(cursor, reading, jobs[0].rows)
        ((transactions, accounts, worker_accounts),) = jobs[1].rows
        reading.counts.update(transactions=transactions, accounts=accounts, worker_accounts=worker_accounts)
        _read_transactions(cursor, reading, [job.rows for job in jobs[2:]])
    reading.counts["findings"] = sum(count for key, count in reading.counts.items() if key.startswith("findings_"))
    return reading


def _transaction_jobs(low: int | None, high: int | None, pieces: int) -> list[_Job]:
    """The transactions' check cut into ``pieces`` id ranges covering every id (the first and the
    last open-ended, so that entries of a transaction id outside the table's are seen too)."""
    if low is None:
        bounds = [(LOWEST_ID, HIGHEST_ID)]
    else:
        step = max((high - low + 1) // pieces, 1)
        starts = list(range(low, high + 1, step))[:pieces]
        bounds = [(LOWEST_ID if index == 0 else start,
                   HIGHEST_ID if index == len(starts) - 1 else starts[index + 1] - 1)
                  for index, start in enumerate(starts)]
    return [_Job(f"transactions {index + 1}/{len(bounds)}", TRANSACTIONS_SQL,
                 {"low": first, "high": last, "limit": FINDINGS_KEPT})
            for index, (first, last) in enumerate(bounds)]


def _run_shared(cursor, jobs: list[_Job], *, snapshot: str, helpers: int) -> None:
    """Run ``jobs`` on this connection and ``helpers`` more, each in a read-only transaction that
    imports ``snapshot``; the jobs are taken in order by whichever connection is free."""
    waiting: queue.SimpleQueue[_Job] = queue.SimpleQueue()
    for job in jobs:
        waiting.put(job)
    errors: list[BaseException] = []

    def drain(cursor) -> None:
        while True:
            try:
                job = waiting.get_nowait()
            except queue.Empty:
                return
            job.run(cursor)

    def helper() -> None:
        try:
            with transaction.atomic(), connection.cursor() as own:
                own.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                own.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
                for statement in SESSION_SETTINGS:
                    own.execute(statement)
                drain(own)
        except BaseException as error:  # re-raised by the caller's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=helper, name=f"reconcile-savings-{index}") for index in range(helpers)]
    for thread in threads:
        thread.start()
    try:
        drain(cursor)
    finally:
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]


def _read_accounts(cursor, reading: Reading, rows: list[tuple]) -> None:
    *drifted, totals_row = rows
    totals = dict(totals_row[-1])
    reading.counts["entries"] = int(totals.pop("entries") or 0)
    for kind, count in totals.items():
        if count:
            reading.counts[f"findings_{kind}"] += int(count)
    negative = sorted({contract for row in drifted for contract in (row[10] or [])})
    contracts = {}
    if negative:
        cursor.execute("SELECT id, public_id FROM contracts_contract WHERE id = ANY(%s)", [negative])
        contracts = dict(cursor.fetchall())
    foreign = [row[0] for row in drifted if row[15]]
    foreign_entries = {}
    if foreign:
        cursor.execute(FOREIGN_ENTRIES_SQL, [foreign])
        foreign_entries = dict(cursor.fetchall())
    for (account_id, entries_account_id, public_id, kind, currency, available, held, entries_available, entries_held,
         held_entries, negative_contracts, negative_amounts, count, is_orphan, is_balance, is_currency,
         is_held_on_system, _totals) in drifted:
        if is_orphan:
            reading.findings.append({"kind": NO_ACCOUNT, "account_id": entries_account_id, "entries": int(count),
                                     "sum": _text(entries_available + entries_held)})
            continue
        account = str(public_id)
        if is_balance:
            reading.findings.append({
                "kind": BALANCE, "account": account, "currency": currency,
                "stored_available": _text(available), "entries_available": _text(entries_available),
                "available_difference": _text(available - entries_available),
                "stored_held": _text(held), "entries_held": _text(entries_held),
                "held_difference": _text(held - entries_held)})
        if is_currency:
            reading.findings.append({"kind": CURRENCY, "account": account, "currency": currency,
                                     "entries": int(foreign_entries.get(account_id, 0))})
        if is_held_on_system:
            reading.findings.append({"kind": HELD_ON_SYSTEM_ACCOUNT, "account": account, "account_kind": kind,
                                     "entries": int(held_entries)})
        for contract_id, amount in sorted(zip(negative_contracts or [], negative_amounts or [], strict=True)):
            reading.findings.append({"kind": NEGATIVE_HELD, "account": account, "currency": currency,
                                     "contract": str(contracts.get(contract_id, contract_id)), "held": _text(amount)})


def _read_transactions(cursor, reading: Reading, pieces: list[list[tuple]]) -> None:
    rows = []
    for piece in pieces:
        if piece:  # every line of a range carries the range's totals
            empty, orphans, unbalanced = piece[0][4:]
            reading.counts[f"findings_{EMPTY}"] += empty
            reading.counts[f"findings_{NO_TRANSACTION}"] += orphans
            reading.counts[f"findings_{UNBALANCED}"] += unbalanced
            rows += [row[:4] for row in piece]
    named = sorted({row[0] for row in rows if row[0] is not None})
    public_ids = {}
    if named:
        cursor.execute("SELECT id, public_id FROM savings_transaction WHERE id = ANY(%s)", [named])
        public_ids = dict(cursor.fetchall())
    for transaction_id, entries_transaction_id, currency, amount in rows:
        if transaction_id is None:
            reading.findings.append({"kind": NO_TRANSACTION, "transaction_id": entries_transaction_id,
                                     "currency": currency, "sum": _text(amount)})
        elif entries_transaction_id is None:
            reading.findings.append({"kind": EMPTY, "transaction": str(public_ids[transaction_id]),
                                     "transaction_id": transaction_id})
        else:
            reading.findings.append({"kind": UNBALANCED, "transaction": str(public_ids[transaction_id]),
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
    NO_ACCOUNT: _("entries of an account that does not exist"),
    NO_TRANSACTION: _("entries of a transaction that does not exist"),
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
