"""Benchmark of the savings ledger (issue 11; PERFORMANCE.md G11, G12).

Run with ``make bench-savings``. Bounded and in-process: no network, a fixed number of queries.

1. Data lives in a database of its own on the embedded server (``twp_bench_savings``): the demo,
   then 100,000 generated workers (seed 11, ``generate_workers``), each with a CAD savings account
   and two contracts written by SQL: last season's (``returned``) and this season's (``active``,
   on the demo employer's requests). Every worker has 50 ledger transactions, written week by week
   as payrolls arrive (so one account's entries lie scattered over the table, as in production):
   24 weekly contributions held against last season's contract, the release of that money on its
   confirmed return, then 25 weekly contributions held against this season's contract. That is
   5,000,000 transactions, 10,000,000 entries and 4,900,000 contributions. They are written by
   ``INSERT … SELECT`` over ``generate_series`` with the ledger's triggers off (the loading session
   runs as ``session_replication_role = replica``) and the tables' secondary indexes and unique
   constraints dropped, rebuilt afterwards; the stored balances are then computed by one UPDATE,
   and the database is vacuumed and analysed. Reused when present.
2. Measures:
   (a) one balance: the stored balance of one account, and the sum of its entries for comparison
       (SQL execution time from ``EXPLAIN (ANALYZE)``, and the round trip), over random accounts;
   (b) the ledger page: the 50 newest entries of an account (keyset on ``(account_id, id)``
       descending, with their transactions), as ``savings/accounts/{id}/entries/`` will read them:
       the ORM query, its SQL, and the page through the test client when this branch has it;
   (c) the whole reconciliation (``savings.reconciliation.reconcile_savings``): its SQL time and
       each query's, and the whole call;
   (d) one payroll of 5,000 lines through ``savings.contributions.contributions_post``, with its
       queries timed and the commit (the deferred balance check of 10,000 entries) apart. What it
       posted is removed afterwards, so reruns measure the same data.
3. Prints a table with ok/FAIL against each budget and writes bench/RESULTS-savings.md (the
   analysis below the figures, from "## Analysis" on, is kept).

``BENCH_DATABASE_URL`` points the bench at another database (its data is generated there);
``BENCH_WORKERS=10000`` builds a tenth of the ledger (in ``twp_bench_savings_10000``).
"""

from __future__ import annotations

import datetime
import os
import platform
import random
import re
import secrets
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

FULL_SIZE = 100_000
WORKERS = int(os.environ.get("BENCH_WORKERS", FULL_SIZE))
BENCH_DATABASE = "twp_bench_savings" if WORKERS == FULL_SIZE else f"twp_bench_savings_{WORKERS}"
BENCH_SEED = 11
PAST_WEEKS = 24  # contributions held against last season's contract, then released
CURRENT_WEEKS = 25  # contributions held against this season's contract
SLOTS = PAST_WEEKS + 1 + CURRENT_WEEKS  # transactions per worker, in the order they were posted
PAST_START = datetime.date(2026, 4, 6)  # Mondays: weekly pay periods start on them
PAST_END = PAST_START + datetime.timedelta(weeks=26) - datetime.timedelta(days=1)
CURRENT_START = datetime.date(2027, 3, 1)
CURRENT_END = CURRENT_START + datetime.timedelta(weeks=35) - datetime.timedelta(days=1)
PAYROLL_WEEK = CURRENT_WEEKS  # the week (d) posts: the first one without contributions
PAYROLL_LINES = 5_000
PAYROLL_REFERENCE = "bench-savings"
SAMPLES = 250  # random accounts for (a) and (b)
WARMUP = 20
BUDGETS = {
    "balance": ("one balance, SQL (G11)", 1.0, "ms"),
    "page": ("ledger page p95 (G11)", 25.0, "ms"),
    "reconcile": ("whole reconciliation, SQL (G11)", 5.0, "s"),
    "payroll": ("payroll of 5,000 lines (G12)", 2000.0, "lines/s"),
}
RESULTS = BASE_DIR / "bench" / "RESULTS-savings.md"
LEDGER_TABLES = ("savings_transaction", "savings_entry", "savings_contribution")


def _database_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    from twp import embedded

    info = embedded.postgres()
    embedded._create_database(embedded.PostgresInfo(socket_dir=info.socket_dir, port=info.port,
                                                    database=BENCH_DATABASE))
    return f"postgres://{info.user}@/{BENCH_DATABASE}?host={info.socket_dir}&port={info.port}"


os.environ.update({
    "DATABASE_URL": _database_url(),
    "DJANGO_SETTINGS_MODULE": "twp.settings",
    "DEBUG": "false",  # DEBUG would keep every query of the run in memory
    "SECRET_KEY": "bench-" + secrets.token_hex(32),
    "ALLOWED_HOSTS": "127.0.0.1",
})

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from employers.models import EmployerMembership, WorkerRequest  # noqa: E402
from savings import ledger  # noqa: E402
from savings.models import Account, Entry  # noqa: E402
from twp.models import Program, User  # noqa: E402
from workers.generator import generate_workers, generated_workers  # noqa: E402

EMPLOYER_USERNAME = "employer.demo"


def say(text: str = "") -> None:
    print(text, flush=True)


def sql(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def one(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()


def pctl(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


# --- data -------------------------------------------------------------------------------------
def expected_entries() -> int:
    return WORKERS * SLOTS * 2


def ensure_data() -> None:
    say(f"Database: {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    if not Program.objects.filter(code="sawp-canada").exists():
        call_command("load_demo", verbosity=0)
    clean_leftovers()
    entries = one("SELECT count(*) FROM savings_entry")[0]
    if entries == expected_entries():
        say(f"Data: {entries:,} entries of {WORKERS:,} workers already there; not regenerating.")
        return
    if entries:
        raise SystemExit(f"Only {entries:,} of {expected_entries():,} entries exist: drop the database "
                         f"{connection.settings_dict['NAME']} and run again.")
    have = generated_workers(BENCH_SEED).count()
    if have < WORKERS:
        if have:
            raise SystemExit(f"Only {have:,} of seed {BENCH_SEED}'s {WORKERS:,} workers exist: drop the database "
                             f"{connection.settings_dict['NAME']} and run again.")
        started = time.perf_counter()
        generate_workers(count=WORKERS, seed=BENCH_SEED, as_of=timezone.localdate())
        say(f"Data: {WORKERS:,} workers in {time.perf_counter() - started:.0f} s.")
    started = time.perf_counter()
    _generate_contracts()
    say(f"Data: {2 * WORKERS:,} contracts and {WORKERS:,} accounts in {time.perf_counter() - started:.0f} s.")
    started = time.perf_counter()
    _generate_ledger()
    say(f"Data: the ledger in {time.perf_counter() - started:.0f} s.")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("savings_account", *LEDGER_TABLES, "contracts_contract"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    say(f"Data: VACUUM (ANALYZE) in {time.perf_counter() - started:.0f} s.")


def _employer_requests() -> tuple[User, list[int], list[int]]:
    """The demo employer's user, its requests (this season's contracts go there: (d) posts
    their payroll) and the program's other requests (last season's contracts)."""
    user = User.objects.get(username=EMPLOYER_USERNAME)
    employer_id = EmployerMembership.objects.get(user=user).employer_id
    program = Program.objects.get(code="sawp-canada")
    requests = WorkerRequest.objects.filter(program=program).order_by("pk")
    own = list(requests.filter(employer_id=employer_id).values_list("pk", flat=True))
    others = list(requests.exclude(employer_id=employer_id).values_list("pk", flat=True))
    return user, own, others


def _generate_contracts() -> None:
    """Two contracts per worker and a CAD account each, as lean tables to join (``bench_map``)."""
    _user, own, others = _employer_requests()
    program = Program.objects.get(code="sawp-canada")
    worker_ids = list(generated_workers(BENCH_SEED).order_by("pk").values_list("pk", flat=True)[:WORKERS])
    with connection.cursor() as cursor:
        # Joined tables, not subscripted array parameters (an array is detoasted per row).
        cursor.execute("""
            CREATE TABLE IF NOT EXISTS bench_map (n integer PRIMARY KEY, worker_id bigint NOT NULL,
                account_id bigint, past_contract_id bigint, current_contract_id bigint,
                past_employer_id bigint, current_employer_id bigint, amount numeric(18, 4));
            TRUNCATE bench_map;
            CREATE TEMP TABLE bench_requests (n integer PRIMARY KEY, id bigint, own boolean);
        """)
        cursor.execute("INSERT INTO bench_map (n, worker_id) SELECT n - 1, id "
                       "FROM unnest(%s::bigint[]) WITH ORDINALITY AS u (id, n)", [worker_ids])
        cursor.execute("INSERT INTO bench_requests SELECT n - 1, id, true FROM unnest(%s::bigint[]) "
                       "WITH ORDINALITY AS u (id, n)", [own])
        cursor.execute("INSERT INTO bench_requests SELECT 1000000 + n - 1, id, false FROM unnest(%s::bigint[]) "
                       "WITH ORDINALITY AS u (id, n)", [others])
        cursor.execute("ANALYZE bench_map; ANALYZE bench_requests")
        for season, status, start, end, column, pool, size in (
                (PAST_START.year, "returned", PAST_START, PAST_END, "past_contract_id", 1_000_000, len(others)),
                (CURRENT_START.year, "active", CURRENT_START, CURRENT_END, "current_contract_id", 0, len(own))):
            # 10,000 contracts per INSERT: the work-history trigger aggregates per statement.
            for first in range(0, WORKERS, 10_000):
                cursor.execute("""
                    INSERT INTO contracts_contract (created_at, updated_at, public_id, season, start_date, end_date,
                        wage_amount, wage_currency, hours_per_week, status, worker_status_before, score, version,
                        program_id, request_id, worker_id, returned_on_time)
                    SELECT now(), now(), gen_random_uuid(), %(season)s, %(start)s, %(end)s, 17.60, 'CAD', 40,
                           %(status)s, 'eligible', '{}', 1, %(program)s, r.id, m.worker_id,
                           CASE WHEN %(status)s = 'returned' THEN true END
                    FROM bench_map m JOIN bench_requests r ON r.n = %(pool)s + m.n %% %(size)s
                    WHERE m.n >= %(first)s AND m.n < %(last)s
                    ORDER BY m.n""",
                    {"season": season, "start": start, "end": end, "status": status, "program": program.pk,
                     "pool": pool, "size": size, "first": first, "last": first + 10_000})
            cursor.execute(f"""
                UPDATE bench_map m SET {column} = c.id FROM contracts_contract c
                WHERE c.worker_id = m.worker_id AND c.start_date = %s""", [start])  # noqa: S608
        cursor.execute("""
            UPDATE bench_map m SET past_employer_id = rp.employer_id, current_employer_id = rc.employer_id,
                   amount = 40 + m.n % 61 + (m.n * 37 % 100) / 100.0
            FROM contracts_contract p JOIN employers_workerrequest rp ON rp.id = p.request_id,
                 contracts_contract c JOIN employers_workerrequest rc ON rc.id = c.request_id
            WHERE p.id = m.past_contract_id AND c.id = m.current_contract_id""")
        cursor.execute("""
            INSERT INTO savings_account (public_id, created_at, updated_at, kind, worker_id, currency, available, held)
            SELECT gen_random_uuid(), now(), now(), 'worker', worker_id, 'CAD', 0, 0 FROM bench_map ORDER BY n""")
        cursor.execute("UPDATE bench_map m SET account_id = a.id FROM savings_account a "
                       "WHERE a.worker_id = m.worker_id AND a.kind = 'worker'")
        cursor.execute("ANALYZE bench_map")
    ledger.system_account(Account.Kind.REMITTANCES_IN_TRANSIT, "CAD")
    assert one("SELECT count(*) FROM bench_map WHERE account_id IS NULL OR current_contract_id IS NULL "
               "OR past_contract_id IS NULL")[0] == 0


def _reserve(table: str, count: int) -> int:
    """The first of ``count`` ids taken from ``table``'s identity sequence."""
    last = one(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
               f"nextval(pg_get_serial_sequence('{table}', 'id')) + %s - 1)", [count])[0]
    return last - count + 1


def _drop_indexes(cursor) -> list[str]:
    """Drop the ledger tables' secondary indexes and unique/exclusion constraints (not the
    primary keys nor the foreign keys); return the statements that rebuild them."""
    cursor.execute("""
        SELECT format('ALTER TABLE %%I ADD CONSTRAINT %%I %%s', t.relname, c.conname, pg_get_constraintdef(c.oid)),
               format('ALTER TABLE %%I DROP CONSTRAINT %%I', t.relname, c.conname)
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE t.relname = ANY(%s) AND c.contype IN ('u', 'x')
        UNION ALL
        SELECT pg_get_indexdef(i.indexrelid), format('DROP INDEX %%I', x.relname)
        FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid
        WHERE t.relname = ANY(%s) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
                   [list(LEDGER_TABLES), list(LEDGER_TABLES)])
    statements = cursor.fetchall()
    for _create, drop in statements:
        cursor.execute(drop)
    return [create for create, _drop in statements]


def _generate_ledger() -> None:
    user, _own, _others = _employer_requests()
    remittances = Account.objects.get(kind=Account.Kind.REMITTANCES_IN_TRANSIT, currency="CAD").pk
    transactions = _reserve("savings_transaction", WORKERS * SLOTS)
    entries = _reserve("savings_entry", WORKERS * SLOTS * 2)
    contributions = _reserve("savings_contribution", WORKERS * (SLOTS - 1))
    with transaction.atomic(), connection.cursor() as cursor:
        # The ledger's triggers (balances, balance checks, append-only) and the foreign keys' are
        # off for this session's bulk load only: the data is balanced by construction and the
        # stored balances are computed below; reconcile_savings proves both.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        rebuild = _drop_indexes(cursor)
        for slot in range(SLOTS):
            started = time.perf_counter()
            _write_slot(cursor, slot, transactions=transactions, entries=entries, contributions=contributions,
                        remittances=remittances, employer_user=user.pk)
            if slot % 10 == 9:
                say(f"Data: ledger slot {slot + 1}/{SLOTS} ({time.perf_counter() - started:.1f} s for the last)")
        started = time.perf_counter()
        for statement in rebuild:
            cursor.execute(statement)
        say(f"Data: {len(rebuild)} indexes and constraints rebuilt in {time.perf_counter() - started:.0f} s.")
        cursor.execute("""
            UPDATE savings_account a SET available = s.available, held = s.held
            FROM (SELECT account_id, coalesce(sum(amount) FILTER (WHERE NOT held), 0) AS available,
                         coalesce(sum(amount) FILTER (WHERE held), 0) AS held
                  FROM savings_entry GROUP BY account_id) s
            WHERE a.id = s.account_id AND a.kind = 'worker'""")


def _write_slot(cursor, slot: int, *, transactions: int, entries: int, contributions: int, remittances: int,
                employer_user: int) -> None:
    """Every worker's transaction number ``slot`` (ids: first + slot × workers + n): a week's
    contribution, or (slot PAST_WEEKS) the release of last season's money on the return."""
    release = slot == PAST_WEEKS
    past = slot < PAST_WEEKS
    week = slot if slot <= PAST_WEEKS else slot - PAST_WEEKS - 1
    start = (PAST_START if slot <= PAST_WEEKS else CURRENT_START) + datetime.timedelta(weeks=week)
    posted = (PAST_END if release else start) + datetime.timedelta(days=9)
    contract = "m.past_contract_id" if slot <= PAST_WEEKS else "m.current_contract_id"
    params = {"slot": slot, "workers": WORKERS, "t0": transactions, "e0": entries, "c0": contributions,
              "posted": datetime.datetime.combine(posted, datetime.time(12), tzinfo=datetime.UTC),
              "start": start, "end": start + datetime.timedelta(days=6), "remittances": remittances,
              "user": None if past or release else employer_user, "past_weeks": PAST_WEEKS}
    tx_id = "%(t0)s + %(slot)s * %(workers)s + m.n"
    if release:
        kind, source, reference, memo = "'release'", "'system'", "'confirm-return'", "'return of the contract'"
    else:
        kind, source, reference, memo = ("'contribution'", "'api'", "'payroll ' || %(start)s::text",
                                         "%(start)s::text || '/' || %(end)s::text")
    cursor.execute(f"""
        INSERT INTO savings_transaction (id, public_id, kind, source, reference, memo, created_at, by_id)
        SELECT {tx_id}, gen_random_uuid(), {kind}, {source}, {reference}, {memo}, %(posted)s, %(user)s
        FROM bench_map m ORDER BY m.n""", params)  # noqa: S608 - fixed names and numbers only
    if release:
        # Last season's held money (24 weeks) becomes available: two entries on the worker's account.
        lines = ("(0, m.account_id, -%(past_weeks)s * m.amount, true), "
                 "(1, m.account_id, %(past_weeks)s * m.amount, false)")
    else:
        lines = "(0, m.account_id, m.amount, true), (1, %(remittances)s::bigint, -m.amount, false)"
    cursor.execute(f"""
        INSERT INTO savings_entry (id, transaction_id, account_id, contract_id, held, amount, currency, created_at)
        SELECT %(e0)s + 2 * ({tx_id}) - 2 * %(t0)s + l.k, {tx_id}, l.account_id, {contract}, l.held, l.amount,
               'CAD', %(posted)s
        FROM bench_map m CROSS JOIN LATERAL (VALUES {lines}) AS l (k, account_id, amount, held)
        ORDER BY m.n, l.k""", params)  # noqa: S608
    if not release:
        contribution_slot = slot if past else slot - 1
        cursor.execute(f"""
            INSERT INTO savings_contribution (id, public_id, period_start, period_end, gross_pay, amount, currency,
                savings_rate, expected_amount, is_flagged, status, created_at, contract_id, employer_id,
                transaction_id)
            SELECT %(c0)s + {contribution_slot} * %(workers)s + m.n, gen_random_uuid(), %(start)s, %(end)s,
                   10 * m.amount, m.amount, 'CAD', 10, m.amount, false, 'posted', %(posted)s, {contract},
                   {"m.past_employer_id" if past else "m.current_employer_id"}, {tx_id}
            FROM bench_map m ORDER BY m.n""", params)  # noqa: S608


def clean_leftovers() -> None:
    """Remove what a payroll run (d) posted and a stopped bench left behind (it has the bench's
    reference), and the bench's reconciliation runs and their notifications."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(min(id), 0) FROM savings_transaction WHERE reference = %s",
                       [PAYROLL_REFERENCE])
        first = cursor.fetchone()[0]
        if first:
            say("Data: removing a payroll a stopped run left behind.")
            remove_after(cursor, first - 1)
        cursor.execute("DELETE FROM twp_notification WHERE key LIKE 'savings-drift:%'")
        cursor.execute("DELETE FROM savings_reconciliationrun")


def remove_after(cursor, last_transaction: int) -> None:
    """Remove the transactions after ``last_transaction`` with their entries and contributions,
    and take their amounts off the stored balances (the append-only triggers are off for it)."""
    cursor.execute("SET LOCAL session_replication_role = replica")
    cursor.execute("""
        UPDATE savings_account a SET available = a.available - s.available, held = a.held - s.held
        FROM (SELECT account_id, coalesce(sum(amount) FILTER (WHERE NOT held), 0) AS available,
                     coalesce(sum(amount) FILTER (WHERE held), 0) AS held
              FROM savings_entry WHERE transaction_id > %s GROUP BY account_id) s
        WHERE a.id = s.account_id AND a.kind = 'worker'""", [last_transaction])
    cursor.execute("DELETE FROM savings_contribution WHERE transaction_id > %s", [last_transaction])
    cursor.execute("DELETE FROM savings_entry WHERE transaction_id > %s", [last_transaction])
    cursor.execute("DELETE FROM savings_transaction WHERE id > %s", [last_transaction])
    cursor.execute("SET LOCAL session_replication_role = DEFAULT")


# --- measuring ----------------------------------------------------------------------------------
class QueryTimer:
    """An ``execute_wrapper`` that times each statement (client side), by its first words."""

    def __init__(self):
        self.timings: list[tuple[str, float]] = []

    def __call__(self, execute, sql_text, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            self.timings.append((" ".join(sql_text.split()[:4])[:48], time.perf_counter() - started))

    @property
    def seconds(self) -> float:
        return sum(seconds for _name, seconds in self.timings)


def explain_ms(statement: str, params) -> float:
    """Server-side execution time of ``statement`` (EXPLAIN ANALYZE without per-node timing)."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) " + statement, params)
        plan = [row[0] for row in cursor.fetchall()]
    return float(re.search(r"Execution Time: ([\d.]+) ms", plan[-1]).group(1))


def sample_accounts() -> list[int]:
    """Random workers' accounts (the same ones every run), the first WARMUP of them not counted."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_id FROM bench_map ORDER BY n")
        ids = [row[0] for row in cursor.fetchall()]
    return random.Random(BENCH_SEED).sample(ids, SAMPLES + WARMUP)  # noqa: S311 - a reproducible sample


STORED_SQL = "SELECT available, held FROM savings_account WHERE id = %s"
SUMMED_SQL = ("SELECT coalesce(sum(amount) FILTER (WHERE NOT held), 0), coalesce(sum(amount) FILTER (WHERE held), 0) "
              "FROM savings_entry WHERE account_id = %s")


def measure_balance(accounts: list[int]) -> dict:
    """(a) One account's balance: stored, and summed from its entries for comparison."""
    result = {}
    for name, statement in (("stored", STORED_SQL), ("summed", SUMMED_SQL)):
        server, trips = [], []
        with connection.cursor() as cursor:
            for index, account in enumerate(accounts):
                started = time.perf_counter()
                cursor.execute(statement, [account])
                cursor.fetchall()
                trip = (time.perf_counter() - started) * 1000
                sql_ms = explain_ms(statement, [account])
                if index >= WARMUP:
                    trips.append(trip)
                    server.append(sql_ms)
        result[name] = {"sql_p50": statistics.median(server), "sql_p95": pctl(server, 95),
                        "trip_p50": statistics.median(trips), "trip_p95": pctl(trips, 95)}
    # Both give the same figures (the data is reconciled): one spot check.
    with connection.cursor() as cursor:
        cursor.execute(STORED_SQL, [accounts[0]])
        stored = cursor.fetchone()
        cursor.execute(SUMMED_SQL, [accounts[0]])
        assert tuple(cursor.fetchone()) == tuple(stored), "stored and summed balances differ"
    return result


def page_queryset(account: int):
    """What ``savings/accounts/{id}/entries/`` reads for its first page: the 50 newest entries of
    the account with their transactions (keyset on (account_id, id) descending)."""
    return Entry.objects.filter(account_id=account).select_related("transaction").order_by("-id")[:50]


def measure_page(accounts: list[int]) -> list[tuple[str, float, float, str]]:
    """(b) The ledger page: the ORM query (round trip + model instances) and its SQL."""
    orm, server, rows = [], [], []
    for index, account in enumerate(accounts):
        started = time.perf_counter()
        entries = list(page_queryset(account))
        elapsed = (time.perf_counter() - started) * 1000
        statement, params = page_queryset(account).query.sql_with_params()
        sql_ms = explain_ms(statement, params)
        if index >= WARMUP:
            orm.append(elapsed)
            server.append(sql_ms)
            rows.append(len(entries))
    lines = [("page SQL (EXPLAIN ANALYZE)", statistics.median(server), pctl(server, 95),
              f"{len(server)} random accounts, {min(rows)}–{max(rows)} entries each"),
             ("page ORM query (round trip, objects)", statistics.median(orm), pctl(orm, 95),
              "select_related transaction")]
    from django.urls import Resolver404, resolve

    path = "/api/v1/savings/accounts/{}/entries/"
    public_id = Account.objects.values_list("public_id", flat=True).get(pk=accounts[0])
    try:
        resolve(path.format(public_id))
    except Resolver404:
        say(f"skip  API {path} → not in this branch yet")
        return lines
    from django.test import Client
    from knox.models import AuthToken

    admin = User.objects.get(username="admin")
    token_row, token = AuthToken.objects.create(admin)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_FORWARDED_PROTO="https")
    try:
        publics = dict(Account.objects.filter(pk__in=accounts).values_list("pk", "public_id"))
        timings, statuses = [], set()
        for index, account in enumerate(accounts):
            started = time.perf_counter()
            response = client.get(path.format(publics[account]), secure=True)
            if index >= WARMUP:
                timings.append((time.perf_counter() - started) * 1000)
            statuses.add(response.status_code)
        lines.append(("page through the API (test client)", statistics.median(timings), pctl(timings, 95),
                      f"HTTP {sorted(statuses)}"))
    finally:
        token_row.delete()
    return lines


def measure_reconciliation(times: int = 3) -> list[dict]:
    """(c) The whole reconciliation, as the nightly task runs it (its own snapshot)."""
    from savings.reconciliation import reconcile_savings

    runs = []
    for _ in range(times):
        started = time.perf_counter()
        run = reconcile_savings()
        wall = time.perf_counter() - started
        reading = run.reading
        runs.append({"wall_s": wall, "sql_s": reading.sql_wall_nanoseconds / 1e9, "clean": run.is_clean,
                     "queries": [(name, nanoseconds / 1e9) for name, nanoseconds in reading.queries],
                     "counts": run.counts})
        assert run.is_clean, f"the bench ledger does not reconcile: {run.findings[:5]}"
    return runs


def payroll_lines() -> tuple[User, list[dict]]:
    """A week's payroll of the demo employer: PAYROLL_LINES of this season's contracts, the first
    week without contributions, at 10 % of the pay."""
    user = User.objects.get(username=EMPLOYER_USERNAME)
    start = CURRENT_START + datetime.timedelta(weeks=PAYROLL_WEEK)
    with connection.cursor() as cursor:
        cursor.execute("""SELECT c.public_id, m.amount FROM bench_map m JOIN contracts_contract c
                          ON c.id = m.current_contract_id ORDER BY m.n LIMIT %s""", [PAYROLL_LINES])
        rows = cursor.fetchall()
    lines = [{"contract": str(public_id), "period_start": start.isoformat(),
              "period_end": (start + datetime.timedelta(days=6)).isoformat(),
              "gross_pay": str((amount * 10).quantize(Decimal("0.01"))),
              "amount": str(amount.quantize(Decimal("0.01")))}
             for public_id, amount in rows]
    return user, lines


def measure_payroll(times: int = 3) -> list[dict]:
    """(d) One payroll through ``contributions_post``: committed for real, then removed. The
    deferred checks at commit are run apart: the ledger's balance checks (one per entry and one
    per transaction), then the foreign keys; then the commit itself."""
    from savings.contributions import contributions_post
    from savings.models import Source

    user, lines = payroll_lines()
    runs = []
    for _ in range(times):
        last = one("SELECT coalesce(max(id), 0) FROM savings_transaction")[0]
        timer = QueryTimer()
        started = time.perf_counter()
        with transaction.atomic():
            with connection.execute_wrapper(timer):
                posted = contributions_post(by=user, lines=lines, source=Source.API, reference=PAYROLL_REFERENCE)
            posted_at = time.perf_counter()
            sql("SET CONSTRAINTS savings_entry_balanced, savings_transaction_has_entries IMMEDIATE")
            balanced_at = time.perf_counter()
            sql("SET CONSTRAINTS ALL IMMEDIATE")
            keys_at = time.perf_counter()
        committed_at = time.perf_counter()
        assert len(posted) == PAYROLL_LINES
        with transaction.atomic(), connection.cursor() as cursor:
            remove_after(cursor, last)
        total = committed_at - started
        runs.append({"total_s": total, "post_s": posted_at - started, "balance_check_s": balanced_at - posted_at,
                     "foreign_keys_s": keys_at - balanced_at, "commit_s": committed_at - keys_at,
                     "sql_s": timer.seconds, "queries": len(timer.timings), "lines_per_s": PAYROLL_LINES / total,
                     "slowest": sorted(timer.timings, key=lambda item: -item[1])[:6]})
    return runs


# --- report -------------------------------------------------------------------------------------
def verdict(value: float, key: str) -> str:
    _label, limit, unit = BUDGETS[key]
    good = value >= limit if unit == "lines/s" else value <= limit
    return "ok" if good else "FAIL"


def main() -> None:
    ensure_data()
    accounts = sample_accounts()
    counts = one("SELECT (SELECT count(*) FROM savings_account), (SELECT count(*) FROM savings_transaction), "
                 "(SELECT count(*) FROM savings_entry), (SELECT count(*) FROM savings_contribution)")
    say(f"Ledger: {counts[0]:,} accounts, {counts[1]:,} transactions, {counts[2]:,} entries, "
        f"{counts[3]:,} contributions.")
    lines = []
    balance = measure_balance(accounts)
    for name, label in (("stored", "one balance, stored (SQL)"), ("summed", "one balance, sum of its entries (SQL)")):
        figures = balance[name]
        mark = verdict(figures["sql_p95"], "balance") if name == "stored" else "    "
        lines.append(f"{label:<40} p50 {figures['sql_p50']:7.3f} ms  p95 {figures['sql_p95']:7.3f} ms  {mark:<4}  "
                     f"round trip p50 {figures['trip_p50']:.3f} / p95 {figures['trip_p95']:.3f} ms")
    say("done  (a) one balance")
    for label, p50, p95, note in measure_page(accounts):
        lines.append(f"{label:<40} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  {verdict(p95, 'page'):<4}  {note}")
    say("done  (b) ledger page")
    reconciliations = measure_reconciliation()
    walls = [run["sql_s"] for run in reconciliations]
    middle = sorted(reconciliations, key=lambda run: run["sql_s"])[len(reconciliations) // 2]
    median = statistics.median(walls)
    lines.append(f"{'whole reconciliation, SQL (wall)':<40} median {median:6.2f} s "
                 f"(runs {', '.join(f'{wall:.2f}' for wall in walls)})  {verdict(median, 'reconcile')}  "
                 f"whole call {middle['wall_s']:.2f} s")
    for name, seconds in middle["queries"]:
        lines.append(f"    {name:<36} {seconds:6.2f} s")
    say("done  (c) reconciliation")
    payrolls = measure_payroll()
    rates = [run["lines_per_s"] for run in payrolls]
    middle = sorted(payrolls, key=lambda run: run["lines_per_s"])[len(payrolls) // 2]
    rate = statistics.median(rates)
    lines.append(f"{'payroll of 5,000 lines (lines/s)':<40} median {rate:8,.0f}  "
                 f"(runs {', '.join(f'{one:,.0f}' for one in rates)})  {verdict(rate, 'payroll')}")
    python_s = middle["post_s"] - middle["sql_s"]
    lines.append(f"    total {middle['total_s']:.2f} s = contributions_post {middle['post_s']:.2f} s "
                 f"(SQL {middle['sql_s']:.2f} s in {middle['queries']} queries, Python {python_s:.2f} s)"
                 f" + balance checks at commit {middle['balance_check_s']:.2f} s + foreign keys "
                 f"{middle['foreign_keys_s']:.2f} s + commit {middle['commit_s']:.2f} s")
    for name, seconds in middle["slowest"]:
        lines.append(f"    {name:<48} {seconds:6.3f} s")
    say("done  (d) payroll")
    header = (f"Savings ledger: {counts[2]:,} entries, {counts[1]:,} transactions, {counts[0]:,} accounts "
              f"({WORKERS:,} workers)")
    budgets = "Budgets: " + "; ".join(
        f"{text} {'≥' if unit == 'lines/s' else '≤'} {limit:g} {unit}" for text, limit, unit in BUDGETS.values())
    say("")
    for line in [header, "-" * len(header), *lines, budgets]:
        say(line)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()
    notes = RESULTS.read_text().partition("## Analysis")[1:] if RESULTS.exists() else ("", "")
    RESULTS.write_text(
        "# Savings ledger — results of `make bench-savings`\n\n"
        f"Run on {stamp}, {platform.node() or 'this machine'} ({os.cpu_count()} cores, shared; load average "
        f"{load[0]:.2f} at the end), PostgreSQL {connection.cursor().connection.server_version // 10000}, database "
        f"`{connection.settings_dict['NAME']}`. The payroll is committed, then removed, so reruns measure the same "
        "data.\n\n```\n" + "\n".join([header, "-" * len(header), *lines, budgets]) + "\n```\n"
        + ("\n" + "".join(notes) if notes[0] else ""))
    say(f"\nWrote {RESULTS.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
