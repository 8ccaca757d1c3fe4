"""Benchmark of the Observatory (issue 13, point 5): the staff dashboard and the public aggregates
over 1,000,000 generated workers and their contracts answer in under 100 ms p95, read from the
precomputed facts (observatory.facts) that beat refreshes every ``OBSERVATORY_REFRESH_MINUTES``.

Run with ``make bench-observatory`` (``BENCH_WORKERS=10000 make bench-observatory`` for a quick
small run). Bounded and in-process: a fixed number of runs, no network but the embedded servers.

1. Data lives in a database of its own on the embedded server: ``twp_bench_observatory`` at
   1,000,000 workers, ``twp_bench_observatory_<N>`` at another size. The demo, then N generated
   workers (seed 13, ``generate_workers``: the 32 Mexican states, weighted as registrations are),
   N / 500 employers (at least 20) with one worksite each over Canada's provinces (the program is
   SAWP Canada) and the sectors, one request per employer and season, and contracts for three
   seasons (``SEASONS``): each worker has one in a season with probability 45 % (on the same
   employer each season, a tenth of them moving), about 1,350,000 at full size:

   - 2025 (long past): 94.5 % returned (on time 90 %), 2 % transferred (the successor contract,
     on the next employer, returned), 1.5 % cancelled, 1 % absconded, 0.5 % terminated early,
     0.5 % ended and never confirmed home (overdue);
   - 2026 (just ended): 86.5 % returned, 4 % ended in November awaiting their return (some
     overdue, some not yet due), 3 % still active to mid-December, 2 % transferred, 1.5 % each
     cancelled, absconded, terminated early;
   - 2027 (next season): 85 % signed, 10 % proposed, 5 % cancelled.

   Expected returns for every contract that ended (confirmed for the returned ones), absences on
   1 % of the worked contracts and on every absconded one, and savings for the workers whose
   position is a multiple of 5: two contributions held against each worked contract of 2025 and
   2026, their release on the confirmed return, and for half of them (multiples of 10) the
   payout of 2025's money, paid. The ledger is written with its triggers off (the loading
   session runs as ``session_replication_role = replica``, as bench/savings.py does) and the
   stored balances computed by one UPDATE. Rows are written by ``INSERT … SELECT`` in chunks
   (contracts: about 10,000 per statement, the work-history trigger aggregates per statement).
   The data is reused when present (a table ``bench_observatory_done`` marks it complete).
2. Measures ``refresh()`` (3 runs, median) and the facts' row counts; each public aggregate's
   ``compute(name, season)`` (50 runs) and the cached ``table()``; the staff dashboard's
   ``build()`` and ``cached()`` for an administrator, a consulate's staff and a state office's
   staff (30 runs) when observatory/dashboard.py exists; the public page and API through the
   test client (30 runs). Queries over the facts that miss the budget, and a refresh above 60 s,
   get their ``EXPLAIN (ANALYZE, BUFFERS)`` printed and written to the results.
3. Writes bench/RESULTS-observatory.md, one block per size (the blocks of other sizes, and the
   analysis below "## Analysis", are kept).

``BENCH_DATABASE_URL`` points the bench at another database (its data is generated there).
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import secrets
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

FULL_SIZE = 1_000_000
WORKERS = int(os.environ.get("BENCH_WORKERS", FULL_SIZE))
BENCH_DATABASE = "twp_bench_observatory" if WORKERS == FULL_SIZE else f"twp_bench_observatory_{WORKERS}"
BENCH_SEED = 13
EMPLOYERS = max(20, WORKERS // 500)
SEASONS = (2025, 2026, 2027)
MEASURED_SEASON = 2026  # the season with returns, transfers, overdue ones and payouts
PLACED_PER_MILLE = 450  # a worker has a contract in a season with this probability (per 1,000)
WORKER_CHUNK = 22_000  # workers per contract INSERT: about 10,000 contracts
ROW_CHUNK = 100_000  # contracts per INSERT of their expected returns or absences
REFRESH_RUNS = 3
AGGREGATE_RUNS = 50
DASHBOARD_RUNS = 30
HTTP_RUNS = 30
WARMUP = 3
BUDGET_MS = float(os.environ.get("BENCH_BUDGET_MS", 100))  # lower it to see every plan
SLOW_REFRESH_S = 60.0
RESULTS = BASE_DIR / "bench" / "RESULTS-observatory.md"

# Status of a season's contract by a per-mille draw: (upper bound, status), the rest of SEASON_REST.
SEASON_STATUSES = {
    2025: [(15, "cancelled"), (25, "absconded"), (30, "terminated_early"), (50, "transferred"), (55, "ended")],
    2026: [(15, "cancelled"), (30, "absconded"), (45, "terminated_early"), (65, "transferred"), (105, "ended"),
           (135, "active")],
    2027: [(50, "cancelled"), (150, "proposed")],
}
SEASON_REST = {2025: "returned", 2026: "returned", 2027: "signed"}
# Canadian provinces (the demo program is SAWP Canada) and sectors, as shares of employers (%).
PROVINCES = [("CA-ON", 45), ("CA-QC", 18), ("CA-BC", 15), ("CA-AB", 6), ("CA-MB", 4), ("CA-NS", 4), ("CA-NB", 3),
             ("CA-PE", 3), ("CA-SK", 2)]
SECTORS = [("agriculture", 55), ("greenhouse", 20), ("livestock", 8), ("food_processing", 8), ("forestry", 3),
           ("construction", 3), ("hospitality", 3)]
BENCH_USERS = [  # (label, username): the demo's administrator, a consulate's and a state office's staff
    ("administrator", "admin"),
    ("consulate (Toronto: CA-ON)", "staff.ontario"),
    ("state office (Tlaxcala: TLA)", "staff.tlaxcala"),
]


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
    "API_THROTTLE_ANON": "100000000/minute",  # the bench is one client asking hundreds of times
    "API_THROTTLE_USER": "100000000/minute",
})

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from observatory import facts, stats  # noqa: E402
from observatory.models import ContractFact, RequestFact, SavingsFact  # noqa: E402
from savings import ledger  # noqa: E402
from savings.models import Account  # noqa: E402
from twp.models import Program, User  # noqa: E402
from workers.generator import generate_workers, generated_workers, uuid_range  # noqa: E402
from workers.models import Occupation  # noqa: E402

try:
    from observatory import dashboard  # written on main meanwhile: measured once it is there
except ImportError:  # pragma: no cover
    dashboard = None


def say(text: str = "") -> None:
    print(text, flush=True)


def one(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()


def pctl(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def _public_id(number: str) -> str:
    """A public id in the seed's range (uuid_range): how the bench recognises its contracts."""
    return f"overlay(%(low)s::text placing lpad(to_hex({number}), 12, '0') from 25 for 12)::uuid"


def _draw(salt: int, key: str = "w.n") -> str:
    """A deterministic per-mille draw (0..999) of ``key``, independent for each salt."""
    return f"(abs(hashint8(({key})::bigint * 64 + {salt})) %% 1000)"  # in statements with parameters


def _weighted_case(draw: str, pairs: list[tuple[str, float]]) -> str:
    total, top, cases = sum(weight for _v, weight in pairs), 0.0, []
    for value, weight in pairs[:-1]:
        top += weight
        cases.append(f"WHEN {draw} < {int(1000 * top / total)} THEN '{value}'")
    return f"CASE {' '.join(cases)} ELSE '{pairs[-1][0]}' END"


# --- data -------------------------------------------------------------------------------------
def ensure_data() -> None:
    say(f"Database: {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    if not Program.objects.filter(code="sawp-canada").exists():
        call_command("load_demo", verbosity=0)
    if one("SELECT to_regclass('bench_observatory_done')")[0]:
        say(f"Data: {WORKERS:,} workers and their contracts (seed {BENCH_SEED}) already there; not regenerating.")
        return
    low, high = uuid_range(BENCH_SEED)
    if one("SELECT count(*) FROM contracts_contract WHERE public_id BETWEEN %s AND %s", [low, high])[0]:
        raise SystemExit(f"A generation of {connection.settings_dict['NAME']} stopped half-way: drop the database "
                         "and run again.")
    started_all = time.perf_counter()
    have = generated_workers(BENCH_SEED).count()
    if have < WORKERS:
        if have:
            raise SystemExit(f"Only {have:,} of seed {BENCH_SEED}'s {WORKERS:,} workers exist: drop the database "
                             f"{connection.settings_dict['NAME']} and run again.")
        say(f"Data: generating {WORKERS:,} workers (seed {BENCH_SEED}); minutes at full size...")
        result = generate_workers(count=WORKERS, seed=BENCH_SEED, as_of=timezone.localdate())
        say(f"Data: {WORKERS:,} workers in {result.seconds:.0f} s.")
    program = Program.objects.get(code="sawp-canada")
    admin = User.objects.get(username="admin")
    step(_prepare, program, admin)
    step(_generate_contracts, program, admin)
    step(_generate_returns_and_absences, program, admin)
    step(_generate_savings, admin)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("workers_worker", "employers_employer", "employers_worksite", "employers_workerrequest",
                      "contracts_contract", "contracts_expectedreturn", "contracts_absence", "savings_account",
                      "savings_transaction", "savings_entry", "savings_contribution", "savings_payout"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        cursor.execute("CREATE TABLE bench_observatory_done (workers integer, generated_at timestamptz)")
        cursor.execute("INSERT INTO bench_observatory_done VALUES (%s, now())", [WORKERS])
    say(f"Data: VACUUM (ANALYZE) in {time.perf_counter() - started:.0f} s; whole generation "
        f"{time.perf_counter() - started_all:.0f} s.")


def step(function, *args) -> None:
    started = time.perf_counter()
    what = function(*args)
    say(f"Data: {what} in {time.perf_counter() - started:.0f} s.")


def _prepare(program: Program, admin: User) -> str:
    """Employers with a worksite each, their requests (one per season), and the lookup tables."""
    worker_ids = list(generated_workers(BENCH_SEED).order_by("pk").values_list("pk", flat=True)[:WORKERS])
    occupation = Occupation.objects.get(code="45-2092").pk
    params = {"employers": EMPLOYERS, "admin": admin.pk, "program": program.pk, "occupation": occupation}
    region = _weighted_case(_draw(1, "e"), PROVINCES)
    sector = _weighted_case(_draw(2, "e"), SECTORS)
    with connection.cursor() as cursor:
        # Lookup tables to join (an array parameter subscripted per row is detoasted each time).
        cursor.execute("""
            CREATE TABLE bench_workers (n integer PRIMARY KEY, id bigint NOT NULL UNIQUE);
            CREATE TABLE bench_employers (e integer PRIMARY KEY, id bigint NOT NULL, worksite_id bigint);
            CREATE TABLE bench_requests (season integer, e integer, id bigint NOT NULL, PRIMARY KEY (season, e));
        """)
        cursor.execute("INSERT INTO bench_workers SELECT n - 1, id FROM unnest(%s::bigint[]) "
                       "WITH ORDINALITY AS u (id, n)", [worker_ids])
        cursor.execute(f"""
            INSERT INTO employers_employer (public_id, created_at, updated_at, legal_name, country, region,
                business_number, sector, contact_name, contact_email, contact_phone, status, status_reason, version)
            SELECT gen_random_uuid(), now(), now(), 'Bench Farm ' || lpad(e::text, 5, '0'), 'CA', {region}, '',
                   {sector}, 'Bench contact', 'farm' || e || '@example.com', '', 'approved', '', 1
            FROM generate_series(0, %(employers)s - 1) AS e ORDER BY e""", params)  # noqa: S608 - fixed text
        cursor.execute("INSERT INTO bench_employers (e, id) SELECT substring(legal_name FROM 12)::int, id "
                       "FROM employers_employer WHERE legal_name LIKE 'Bench Farm %'")
        cursor.execute("""
            INSERT INTO employers_worksite (public_id, created_at, updated_at, employer_id, name, address, city,
                region, postal_code, housing_capacity, housing_inspected_on, housing_inspection_result,
                housing_valid_until)
            SELECT gen_random_uuid(), now(), now(), b.id, 'Main farm', b.e || ' Farm Road', 'Farmtown', e.region,
                   '', 400, DATE '2024-11-01', 'passed', DATE '2027-12-31'
            FROM bench_employers b JOIN employers_employer e ON e.id = b.id ORDER BY b.e""")
        cursor.execute("UPDATE bench_employers b SET worksite_id = w.id FROM employers_worksite w "
                       "WHERE w.employer_id = b.id")
        for season in SEASONS:
            status = "approved" if season == SEASONS[-1] else "filled"
            cursor.execute("""
                INSERT INTO employers_workerrequest (public_id, created_at, updated_at, employer_id, program_id,
                    worksite_id, occupation_id, workers_requested, start_date, end_date, season, wage_amount,
                    wage_currency, hours_per_week, required_languages, labour_market_reference, no_substitutes,
                    notes, status, status_reason, submitted_at, created_by_id, version)
                SELECT gen_random_uuid(), now(), now(), b.id, %(program)s, b.worksite_id, %(occupation)s, 1,
                       make_date(%(season)s, 1, 1), make_date(%(season)s, 12, 15), %(season)s,
                       16.55 + 0.60 * (%(season)s - 2025), 'CAD', 40, '{}', 'LMIA-' || b.e, false, '', %(status)s,
                       '', make_timestamptz(%(season)s - 1, 10, 15, 12, 0, 0), %(admin)s, 1
                FROM bench_employers b ORDER BY b.e""", {**params, "season": season, "status": status})
            cursor.execute("INSERT INTO bench_requests SELECT %s, b.e, r.id FROM employers_workerrequest r "
                           "JOIN bench_employers b ON b.id = r.employer_id WHERE r.season = %s", [season, season])
        cursor.execute("ANALYZE bench_workers; ANALYZE bench_employers; ANALYZE bench_requests")
    return f"{EMPLOYERS:,} employers, their worksites and {EMPLOYERS * len(SEASONS):,} requests"


def _generate_contracts(program: Program, admin: User) -> str:
    low, high = uuid_range(BENCH_SEED)
    params = {"low": str(low), "high": str(high), "program": program.pk, "admin": admin.pk,
              "employers": EMPLOYERS, "placed": PLACED_PER_MILLE}
    started, statements = time.perf_counter(), 0
    with connection.cursor() as cursor:
        for index, season in enumerate(SEASONS):
            status = " ".join(f"WHEN {_draw(10 + index)} < {bound} THEN '{name}'"
                              for bound, name in SEASON_STATUSES[season])
            params.update({"season": season, "index": index, "rest": SEASON_REST[season]})
            for first in range(0, WORKERS, WORKER_CHUNK):
                cursor.execute(f"""
                    INSERT INTO contracts_contract (created_at, updated_at, public_id, season, start_date, end_date,
                        effective_end, wage_amount, wage_currency, hours_per_week, status, worker_status_before, score,
                        returned_on_time, version, program_id, request_id, worker_id, created_by_id, worker_signed_on,
                        employer_signed_on, termination_reason)
                    SELECT now(), now(), {_public_id("%(index)s::bigint * 10000000 + w.n")}, %(season)s,
                           d.start_date, d.end_date,
                           CASE WHEN s.status IN ('terminated_early', 'absconded', 'transferred')
                                THEN d.start_date + (d.end_date - d.start_date) * 3 / 5 END,
                           16.55 + 0.60 * %(index)s, 'CAD', 40, s.status, 'eligible', '{{}}',
                           CASE WHEN s.status = 'returned' THEN {_draw(20 + index)} >= 100 END, 1, %(program)s, r.id,
                           w.id, %(admin)s,
                           CASE WHEN s.status <> 'proposed' THEN d.start_date - 40 END,
                           CASE WHEN s.status <> 'proposed' THEN d.start_date - 45 END,
                           CASE WHEN s.status = 'terminated_early' THEN 'worker_request' ELSE '' END
                    FROM bench_workers w
                    JOIN bench_requests r ON r.season = %(season)s
                         AND r.e = (w.n + CASE WHEN w.n %% 10 = 0 THEN %(index)s ELSE 0 END) %% %(employers)s
                    CROSS JOIN LATERAL (SELECT CASE {status} ELSE %(rest)s END AS status) AS s
                    CROSS JOIN LATERAL (
                        SELECT make_date(%(season)s, 1 + w.n %% 7, 1 + w.n %% 28) AS start_date) AS g
                    CROSS JOIN LATERAL (
                        SELECT CASE WHEN %(season)s = 2026 AND s.status = 'active'
                                    THEN DATE '2026-12-10' + w.n %% 6 - 7 * (26 + w.n %% 6)
                                    WHEN %(season)s = 2026 AND s.status = 'ended'
                                    THEN DATE '2026-11-01' + w.n %% 33 - 7 * (20 + w.n %% 10)
                                    ELSE g.start_date END AS start_date,
                               CASE WHEN %(season)s = 2026 AND s.status = 'active' THEN DATE '2026-12-10' + w.n %% 6
                                    WHEN %(season)s = 2026 AND s.status = 'ended' THEN DATE '2026-11-01' + w.n %% 33
                                    ELSE least(g.start_date + 7 * (16 + w.n %% 17), make_date(%(season)s, 12, 15))
                               END AS end_date) AS d
                    WHERE w.n >= {first} AND w.n < {first + WORKER_CHUNK} AND {_draw(index)} < %(placed)s
                    ORDER BY w.n""", params)  # noqa: S608 - numbers and fixed names only
                statements += 1
                if statements % 25 == 0:
                    done = one("SELECT count(*) FROM contracts_contract WHERE public_id BETWEEN %s AND %s",
                               [low, high])[0]
                    say(f"Data: season {season}, workers up to {first + WORKER_CHUNK:,}: {done:,} contracts "
                        f"({time.perf_counter() - started:.0f} s)")
        # A transfer's successor: the rest of the season at the next employer, then home.
        cursor.execute(f"""
            INSERT INTO contracts_contract (created_at, updated_at, public_id, season, start_date, end_date,
                wage_amount, wage_currency, hours_per_week, status, worker_status_before, score, returned_on_time,
                version, program_id, request_id, worker_id, created_by_id, worker_signed_on, employer_signed_on,
                transferred_from_id, transfer_consent_on, termination_reason)
            SELECT now(), now(), {_public_id("90000000 + c.id")}, c.season, c.effective_end + 1, c.end_date,
                   c.wage_amount, 'CAD', 40, 'returned', 'abroad', '{{}}', {_draw(30, "c.id")} >= 100, 1,
                   c.program_id, next.id, c.worker_id, %(admin)s, c.effective_end, c.effective_end, c.id,
                   c.effective_end - 3, ''
            FROM contracts_contract c
            JOIN bench_requests r ON r.id = c.request_id
            JOIN bench_requests next ON next.season = r.season AND next.e = (r.e + 1) %% %(employers)s
            WHERE c.status = 'transferred' AND c.public_id BETWEEN %(low)s AND %(high)s
            ORDER BY c.id""", params)  # noqa: S608
        cursor.execute("""
            UPDATE employers_workerrequest r SET workers_requested = least(32767, greatest(1, live.n + live.n / 10))
            FROM (SELECT request_id, count(*) AS n FROM contracts_contract WHERE status <> 'cancelled'
                  GROUP BY request_id) live
            WHERE live.request_id = r.id AND r.id IN (SELECT id FROM bench_requests)""")
    count = one("SELECT count(*) FROM contracts_contract WHERE public_id BETWEEN %s AND %s", [low, high])[0]
    return f"{count:,} contracts"


def _generate_returns_and_absences(program: Program, admin: User) -> str:
    """Expected returns of every contract that ended (the returned ones confirmed), and absences."""
    low, high = uuid_range(BENCH_SEED)
    first, last = one("SELECT min(id), max(id) FROM contracts_contract WHERE public_id BETWEEN %s AND %s",
                      [low, high])
    params = {"low": str(low), "high": str(high), "admin": admin.pk, "grace": program.return_grace_days}
    with connection.cursor() as cursor:
        for start in range(first, last + 1, ROW_CHUNK):
            bounds = {**params, "first": start, "last": start + ROW_CHUNK}
            cursor.execute(f"""
                INSERT INTO contracts_expectedreturn (created_at, updated_at, public_id, contract_id, due_on,
                    seen_home_on, place, identity_document, confirmed_by_id, confirmed_at)
                SELECT now(), now(), gen_random_uuid(), c.id, x.due_on, x.seen_home_on,
                       CASE WHEN x.seen_home_on IS NOT NULL THEN
                           (ARRAY['consulate', 'port_of_entry', 'home_office'])[1 + c.id %% 3] ELSE '' END,
                       CASE WHEN x.seen_home_on IS NOT NULL THEN 'passport' ELSE '' END,
                       CASE WHEN x.seen_home_on IS NOT NULL THEN %(admin)s END,
                       x.seen_home_on + time '16:00'
                FROM contracts_contract c
                CROSS JOIN LATERAL (SELECT coalesce(c.effective_end, c.end_date) + %(grace)s AS due_on) AS d
                CROSS JOIN LATERAL (
                    SELECT d.due_on, CASE WHEN c.status = 'returned' THEN
                        d.due_on + CASE WHEN c.returned_on_time THEN -({_draw(40, "c.id")} %% 7)
                                        ELSE 1 + {_draw(41, "c.id")} %% 30 END END AS seen_home_on) AS x
                WHERE c.id >= %(first)s AND c.id < %(last)s AND c.public_id BETWEEN %(low)s AND %(high)s
                  AND c.status IN ('returned', 'ended', 'terminated_early', 'absconded')
                ORDER BY c.id""", bounds)  # noqa: S608
            cursor.execute(f"""
                INSERT INTO contracts_absence (created_at, updated_at, public_id, contract_id, stage, last_seen_on,
                    note, reported_by_id, missing_since, welfare_checked_at, welfare_checked_by_id,
                    welfare_check_note, closed_at, reported_late, closing_note, version)
                SELECT now(), now(), gen_random_uuid(), c.id, a.stage, a.seen, '', %(admin)s,
                       CASE WHEN a.stage <> 'late' THEN a.seen + 2 + time '09:00' END,
                       CASE WHEN a.stage = 'reported' THEN a.seen + 4 + time '12:00' END,
                       CASE WHEN a.stage = 'reported' THEN %(admin)s END,
                       CASE WHEN a.stage = 'reported' THEN 'Not found at the housing.' ELSE '' END,
                       CASE WHEN a.stage = 'reported' THEN a.seen + 10 + time '12:00'
                            WHEN a.stage = 'found' THEN a.seen + 3 + time '12:00' END,
                       {_draw(42, "c.id")} < 100, '', 1
                FROM contracts_contract c
                CROSS JOIN LATERAL (
                    SELECT CASE c.status WHEN 'absconded' THEN 'reported' WHEN 'active' THEN 'late' ELSE 'found' END
                               AS stage,
                           CASE WHEN c.status = 'active' THEN DATE '2026-12-01'
                                ELSE coalesce(c.effective_end, c.start_date + 30) END AS seen) AS a
                WHERE c.id >= %(first)s AND c.id < %(last)s AND c.public_id BETWEEN %(low)s AND %(high)s
                  AND (c.status = 'absconded' OR c.status IN ('returned', 'ended', 'terminated_early', 'active',
                                                               'transferred') AND {_draw(43, "c.id")} < 10)
                ORDER BY c.id""", bounds)  # noqa: S608
            say(f"Data: returns and absences up to contract {start + ROW_CHUNK:,} of {last:,}")
    returns = one("SELECT count(*) FROM contracts_expectedreturn")[0]
    absences = one("SELECT count(*) FROM contracts_absence")[0]
    return f"{returns:,} expected returns and {absences:,} absences"


def _reserve(table: str, count: int) -> int:
    """The first of ``count`` ids taken from ``table``'s identity sequence."""
    last = one(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
               f"nextval(pg_get_serial_sequence('{table}', 'id')) + %s - 1)", [count])[0]
    return last - count + 1


def _generate_savings(admin: User) -> str:
    """Accounts of the workers at positions multiple of 5; per worked contract of the past seasons
    (not a transferred one: its successor's) two contributions held against it (slots 0 and 1),
    released on the confirmed return (slot 2); 2025's money paid out to half of them (slots 3, 4:
    reserve and pay). Ids are reserved up front: transaction ``t0 + slot × K + k``."""
    low, high = uuid_range(BENCH_SEED)
    remittances = ledger.system_account(Account.Kind.REMITTANCES_IN_TRANSIT, "CAD")
    in_transit = ledger.system_account(Account.Kind.PAYOUTS_IN_TRANSIT, "CAD")
    paid_out = ledger.system_account(Account.Kind.PAID_OUT, "CAD")
    with transaction.atomic(), connection.cursor() as cursor:
        # The ledger's triggers (balances, balance checks, append-only) and the foreign keys' are
        # off for this session's bulk load: balanced by construction, balances computed below.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("""
            INSERT INTO savings_account (public_id, created_at, updated_at, kind, worker_id, currency, available, held)
            SELECT gen_random_uuid(), now(), now(), 'worker', w.id, 'CAD', 0, 0 FROM bench_workers w
            WHERE w.n % 5 = 0 AND EXISTS (SELECT 1 FROM contracts_contract c WHERE c.worker_id = w.id
                                          AND c.season < 2027 AND c.status <> 'cancelled')
            ORDER BY w.n""")
        cursor.execute("""
            CREATE TEMP TABLE bench_savings AS
            SELECT (row_number() OVER (ORDER BY c.id) - 1)::bigint AS k, c.id AS contract_id, c.status, c.season,
                   c.start_date, coalesce(c.effective_end, c.end_date) AS last_day, r.employer_id, a.id AS account_id,
                   a.worker_id, w.n, (40 + c.id %% 61)::numeric(18, 4) AS amount, er.seen_home_on
            FROM contracts_contract c
            JOIN bench_workers w ON w.id = c.worker_id
            JOIN savings_account a ON a.worker_id = c.worker_id AND a.kind = 'worker'
            JOIN employers_workerrequest r ON r.id = c.request_id
            LEFT JOIN contracts_expectedreturn er ON er.contract_id = c.id
            WHERE c.public_id BETWEEN %s AND %s AND c.season < 2027
              AND c.status IN ('returned', 'ended', 'terminated_early', 'absconded', 'active')""", [low, high])
        count = one("SELECT count(*) FROM bench_savings")[0]
        slots = 5
        t0 = _reserve("savings_transaction", slots * count)
        e0 = _reserve("savings_entry", 2 * slots * count)
        c0 = _reserve("savings_contribution", 2 * count)
        params = {"t0": t0, "e0": e0, "c0": c0, "count": count, "remittances": remittances, "in_transit": in_transit,
                  "paid_out": paid_out, "admin": admin.pk}
        # (slot, which rows, kind, source, when, the two entries as (account, amount, held))
        payout = "s.season = 2025 AND s.status = 'returned' AND s.n %% 10 = 0"
        plan = [
            (0, "true", "contribution", "api", "s.start_date + 16",
             [("s.account_id", "s.amount", "true"), ("%(remittances)s::bigint", "-s.amount", "false")]),
            (1, "true", "contribution", "api", "s.start_date + 44",
             [("s.account_id", "s.amount", "true"), ("%(remittances)s::bigint", "-s.amount", "false")]),
            (2, "s.status = 'returned'", "release", "system", "s.seen_home_on",
             [("s.account_id", "-2 * s.amount", "true"), ("s.account_id", "2 * s.amount", "false")]),
            (3, payout, "payout_reserve", "staff", "s.seen_home_on + 30",
             [("s.account_id", "-2 * s.amount", "false"), ("%(in_transit)s::bigint", "2 * s.amount", "false")]),
            (4, payout, "payout_post", "staff", "s.seen_home_on + 31",
             [("%(in_transit)s::bigint", "-2 * s.amount", "false"), ("%(paid_out)s::bigint", "2 * s.amount",
                                                                     "false")]),
        ]
        for slot, where, kind, source, when, lines in plan:
            tx = f"%(t0)s + {slot} * %(count)s + s.k"
            at = f"(({when}) + time '12:00') AT TIME ZONE 'America/Toronto'"
            cursor.execute(f"""
                INSERT INTO savings_transaction (id, public_id, kind, source, reference, memo, created_at, by_id)
                SELECT {tx}, gen_random_uuid(), '{kind}', '{source}', 'bench', '', {at},
                       CASE WHEN '{source}' = 'staff' THEN %(admin)s END
                FROM bench_savings s WHERE {where} ORDER BY s.k""", params)  # noqa: S608 - fixed text
            values = ", ".join(f"({j}, {account}, {amount}, {held})" for j, (account, amount, held) in enumerate(lines))
            cursor.execute(f"""
                INSERT INTO savings_entry (id, transaction_id, account_id, contract_id, held, amount, currency,
                    created_at)
                SELECT %(e0)s + 2 * ({slot} * %(count)s + s.k) + l.j, {tx}, l.account_id,
                       CASE WHEN l.account_id = s.account_id THEN s.contract_id END, l.held, l.amount, 'CAD', {at}
                FROM bench_savings s CROSS JOIN LATERAL (VALUES {values}) AS l (j, account_id, amount, held)
                WHERE {where} ORDER BY s.k, l.j""", params)  # noqa: S608
            if kind == "contribution":
                cursor.execute(f"""
                    INSERT INTO savings_contribution (id, public_id, period_start, period_end, gross_pay, amount,
                        currency, savings_rate, expected_amount, is_flagged, status, created_at, contract_id,
                        employer_id, transaction_id)
                    SELECT %(c0)s + {slot} * %(count)s + s.k, gen_random_uuid(), {when} - 16, {when} - 10,
                           10 * s.amount, s.amount, 'CAD', 10, s.amount, false, 'posted', {at}, s.contract_id,
                           s.employer_id, {tx}
                    FROM bench_savings s ORDER BY s.k""", params)  # noqa: S608
        cursor.execute(f"""
            INSERT INTO savings_payout (public_id, created_at, updated_at, account_id, worker_id, amount, currency,
                method, clabe, payee_name, to_beneficiary, status, needs_approval, requested_by_id, expires_at,
                reservation_id, settlement_id, paid_by_id, paid_at, identity_document, receipt_number,
                bank_reference, received_currency, reason)
            SELECT gen_random_uuid(), t.created_at, t.created_at, s.account_id, s.worker_id, 2 * s.amount, 'CAD',
                   'cash', '', 'Bench worker', false, 'paid', false, %(admin)s, t.created_at + interval '7 days',
                   t.id, %(t0)s + 4 * %(count)s + s.k, %(admin)s, t.created_at + interval '1 day', 'INE',
                   'R-' || s.k, '', '', ''
            FROM bench_savings s JOIN savings_transaction t ON t.id = %(t0)s + 3 * %(count)s + s.k
            WHERE {payout} ORDER BY s.k""", params)  # noqa: S608
        cursor.execute("""
            UPDATE savings_account a SET available = s.available, held = s.held
            FROM (SELECT account_id, coalesce(sum(amount) FILTER (WHERE NOT held), 0) AS available,
                         coalesce(sum(amount) FILTER (WHERE held), 0) AS held
                  FROM savings_entry GROUP BY account_id) s
            WHERE a.id = s.account_id AND a.kind = 'worker'""")
    accounts = one("SELECT count(*) FROM savings_account WHERE kind = 'worker'")[0]
    contributions = one("SELECT count(*) FROM savings_contribution")[0]
    payouts = one("SELECT count(*) FROM savings_payout WHERE status = 'paid'")[0]
    return f"{accounts:,} savings accounts, {contributions:,} contributions, {payouts:,} paid payouts"


# --- measuring ----------------------------------------------------------------------------------
def timed(function, runs: int, warmup: int = WARMUP) -> list[float]:
    """Milliseconds of ``runs`` calls (after ``warmup`` uncounted ones)."""
    for _ in range(warmup):
        function()
    found = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        found.append((time.perf_counter() - started) * 1000)
    return found


def explain(queries: list[str]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of captured SELECTs (the slowest first)."""
    plans = []
    with connection.cursor() as cursor:
        for text in queries:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + text)
            plans.append(text + "\n" + "\n".join(row[0] for row in cursor.fetchall()))
    return "\n\n".join(plans)


def slowest_queries(function, keep: int = 2) -> list[str]:
    """The SQL of ``function``'s slowest queries (timed client side), as runnable text."""
    timings = []

    def wrapper(execute, sql_text, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            if sql_text.lstrip().upper().startswith("SELECT"):
                with connection.cursor() as cursor:
                    text = cursor.mogrify(sql_text, params)
                timings.append((elapsed, text.decode() if isinstance(text, bytes) else text))

    with connection.execute_wrapper(wrapper):
        function()
    return [text for _seconds, text in sorted(timings, reverse=True)[:keep]]


def measure_refresh() -> dict:
    runs, counted = [], None
    for _ in range(REFRESH_RUNS):
        started = time.perf_counter()
        done = facts.refresh()
        runs.append(time.perf_counter() - started)
        counted = done
    sizes = {"contract facts": ContractFact.objects.count(), "request facts": RequestFact.objects.count(),
             "savings facts": SavingsFact.objects.count()}
    plan = ""
    if statistics.median(runs) > SLOW_REFRESH_S:
        plan = explain_refresh()
    return {"runs": runs, "median": statistics.median(runs), "sizes": sizes, "record": counted, "plan": plan}


def explain_refresh() -> str:
    """The refresh's statements under EXPLAIN ANALYZE, rolled back."""
    plans = []
    with transaction.atomic(), connection.cursor() as cursor:
        for label, statement, params in (
                ("contract facts", facts.CONTRACT_FACTS, {"placed": list(facts.PLACED),
                                                          "awaiting": list(facts.AWAITING)}),
                ("request facts", facts.REQUEST_FACTS, {"asking": list(facts.ASKING)})):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
            plans.append(f"-- {label}\n" + "\n".join(row[0] for row in cursor.fetchall()))
        transaction.set_rollback(True)
    return "\n\n".join(plans)


def measure_aggregates(season: int) -> list[dict]:
    rows = []
    for name in stats.AGGREGATES:
        uncached = timed(lambda name=name: stats.compute(name, season), AGGREGATE_RUNS)
        stats.table(name, season)  # fills the cache
        cached = timed(lambda name=name: stats.table(name, season), AGGREGATE_RUNS)
        with CaptureQueriesContext(connection) as captured:
            stats.compute(name, season)
        row = {"label": f"compute({name})", "runs": uncached, "queries": len(captured), "cached": cached}
        if pctl(uncached, 95) > BUDGET_MS:
            row["plan"] = explain(slowest_queries(lambda name=name: stats.compute(name, season)))
        rows.append(row)
    return rows


def measure_dashboard(season: int) -> list[dict]:
    rows = []
    for label, username in BENCH_USERS:
        user = User.objects.select_related("office").get(username=username)
        uncached = timed(lambda user=user: dashboard.build(user, program_id=None, season=season), DASHBOARD_RUNS)
        dashboard.cached(user, program_id=None, season=season)
        cached = timed(lambda user=user: dashboard.cached(user, program_id=None, season=season), DASHBOARD_RUNS)
        with CaptureQueriesContext(connection) as captured:
            dashboard.build(user, program_id=None, season=season)
        row = {"label": f"build(): {label}", "runs": uncached, "queries": len(captured), "cached": cached}
        if pctl(uncached, 95) > BUDGET_MS:
            row["plan"] = explain(slowest_queries(
                lambda user=user: dashboard.build(user, program_id=None, season=season)))
        rows.append(row)
    return rows


INDICATOR_RUNS = 10
INDICATOR_PAGE = 25


def measure_indicators(season: int) -> list[dict]:
    """The employer indicators (contracts.indicators, from the contract facts): a page of them as
    the staff page reads it (the count, then one page of rows)."""
    from contracts.indicators import employer_indicators, visible_facts

    rows = []
    for label, username in BENCH_USERS:
        user = User.objects.select_related("office").get(username=username)

        def page(user=user):
            found = employer_indicators(visible_facts(user), season=season)
            return found.count(), found[:INDICATOR_PAGE]

        runs = timed(page, INDICATOR_RUNS, warmup=1)
        with CaptureQueriesContext(connection) as captured:
            page()
        row = {"label": f"employer indicators: {label}", "runs": runs, "queries": len(captured), "cached": None}
        if pctl(runs, 95) > BUDGET_MS:
            row["plan"] = explain(slowest_queries(page))
        rows.append(row)
    return rows


def measure_http(season: int) -> list[dict]:
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():  # DEBUG off serves the hashed names
        call_command("collectstatic", interactive=False, verbosity=0)
    # Behind the production TLS proxy every request says it came over HTTPS.
    client = Client(SERVER_NAME="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    rows = []
    for path in (f"/observatory/placements-by-state/?season={season}",
                 f"/api/v1/stats/placements-by-state/?season={season}"):
        response = client.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        runs = timed(lambda path=path: client.get(path), HTTP_RUNS)
        rows.append(http_row(f"GET {path}", runs, lambda path=path: client.get(path)))
    if dashboard is not None:  # the staff page (its cached dashboard), signed in as a state office's staff
        from django_otp import devices_for_user

        staff = Client(SERVER_NAME="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
        user = User.objects.get(username=BENCH_USERS[-1][1])
        staff.force_login(user)
        device = next(devices_for_user(user, confirmed=True), None)
        if device is not None:
            session = staff.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        path = f"/staff/observatory/?season={season}"
        response = staff.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        runs = timed(lambda: staff.get(path), HTTP_RUNS)
        rows.append(http_row(f"GET {path} ({user.username})", runs, lambda: staff.get(path)))
    return rows


def http_row(label: str, runs: list[float], request) -> dict:
    """A page's row: its queries (the cache warm, as measured) and, over budget, their plans."""
    with CaptureQueriesContext(connection) as captured:
        request()
    row = {"label": label, "runs": runs, "queries": len(captured), "cached": None}
    if pctl(runs, 95) > BUDGET_MS:
        row["plan"] = explain(slowest_queries(request))
    return row


def main() -> None:
    translation.activate("es")
    load = os.getloadavg()
    ensure_data()
    generated_at = one("SELECT generated_at FROM bench_observatory_done")[0]
    statuses = one("SELECT string_agg(status || ' ' || to_char(n, 'FM999,999,999'), ', ' ORDER BY n DESC) FROM "
                   "(SELECT status, count(*) AS n FROM contracts_contract GROUP BY status) s")[0]
    sizes = {label: one(f"SELECT count(*) FROM {table}")[0] for label, table in (  # noqa: S608 - fixed names
        ("workers", "workers_worker"), ("employers", "employers_employer"), ("requests", "employers_workerrequest"),
        ("contracts", "contracts_contract"), ("expected returns", "contracts_expectedreturn"),
        ("absences", "contracts_absence"), ("savings accounts", "savings_account"),
        ("contributions", "savings_contribution"), ("paid payouts", "savings_payout"))}
    say("Sizes: " + ", ".join(f"{label} {count:,}" for label, count in sizes.items()))
    say(f"Contracts by status: {statuses}")
    cache.clear()

    say(f"\nRefreshing the facts ({REFRESH_RUNS} runs)...")
    refresh = measure_refresh()
    say("refresh(): " + ", ".join(f"{seconds:.1f} s" for seconds in refresh["runs"]))
    say(f"\nPublic aggregates, season {MEASURED_SEASON} ({AGGREGATE_RUNS} runs each)...")
    rows = measure_aggregates(MEASURED_SEASON)
    if dashboard is not None:
        say(f"Staff dashboard, season {MEASURED_SEASON} ({DASHBOARD_RUNS} runs each)...")
        rows += measure_dashboard(MEASURED_SEASON)
    else:
        say("Staff dashboard: observatory/dashboard.py is not in this branch yet; not measured.")
    say(f"Employer indicators, season {MEASURED_SEASON} ({INDICATOR_RUNS} runs each)...")
    rows += measure_indicators(MEASURED_SEASON)
    say(f"HTTP through the test client ({HTTP_RUNS} runs each)...")
    rows += measure_http(MEASURED_SEASON)

    minutes = settings.CELERY_BEAT_SCHEDULE["refresh-observatory-facts"]["schedule"] / 60
    header = (f"{WORKERS:,} workers, {sizes['contracts']:,} contracts (seasons {SEASONS[0]}–{SEASONS[-1]}), "
              f"season {MEASURED_SEASON} measured")
    lines = [header, "-" * len(header),
             "data      " + ", ".join(f"{label} {count:,}" for label, count in sizes.items()),
             f"          contracts by status: {statuses}",
             f"          generated {generated_at:%Y-%m-%d %H:%M} UTC; load average before the run "
             f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, after {os.getloadavg()[0]:.2f}",
             f"refresh() median {refresh['median']:.1f} s over {REFRESH_RUNS} runs ("
             + ", ".join(f"{seconds:.1f}" for seconds in refresh["runs"]) + " s)  "
             + ("ok" if refresh["median"] <= SLOW_REFRESH_S else "SLOW") + f" (≤ {SLOW_REFRESH_S:g} s wanted)",
             "facts     " + ", ".join(f"{label} {count:,}" for label, count in refresh["sizes"].items()),
             f"freshness facts refreshed every {minutes:g} min by beat (OBSERVATORY_REFRESH_MINUTES); "
             f"cached tables live until the next refresh (at most OBSERVATORY_CACHE_SECONDS = "
             f"{settings.OBSERVATORY_CACHE_SECONDS} s); each page shows the refresh time",
             "",
             f"{'what':<62} {'p50 ms':>8} {'p95 ms':>8} {'queries':>7} {'cached p95':>10}  budget p95 {BUDGET_MS:g} ms"]
    plans = []
    for row in rows:
        p50, p95 = pctl(row["runs"], 50), pctl(row["runs"], 95)
        cached = f"{pctl(row['cached'], 95):10.3f}" if row["cached"] else f"{'':>10}"
        queries = f"{row['queries']:7d}" if row["queries"] is not None else f"{'':>7}"
        lines.append(f"{row['label']:<62} {p50:8.2f} {p95:8.2f} {queries} {cached}  "
                     + ("ok" if p95 <= BUDGET_MS else "OVER"))
        if row.get("plan"):
            plans.append(f"-- {row['label']}\n{row['plan']}")
    if refresh["plan"]:
        plans.insert(0, refresh["plan"])
    say("")
    for line in lines:
        say(line)
    for plan in plans:
        say("\n" + plan)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = ("" if WORKERS == FULL_SIZE else f"BENCH_WORKERS={WORKERS} ") + ".venv/bin/python -m bench.observatory"
    block = (f"### {WORKERS:,} workers\n\nRun on {stamp}, {platform.node() or 'this machine'} "
             f"({os.cpu_count()} cores, shared; {platform.python_implementation()} {platform.python_version()}, "
             f"PostgreSQL {one('SHOW server_version')[0]}), database `{connection.settings_dict['NAME']}`, "
             f"`{command}` (what `make bench-observatory` runs).\n\n```\n"
             + "\n".join(lines) + "\n```\n"
             + ("".join(f"\n```\n{plan}\n```\n" for plan in plans)))
    write_results(block)
    say(f"\nWrote {RESULTS.relative_to(BASE_DIR)}")


def write_results(block: str) -> None:
    """Replace this size's block in RESULTS, keep the other sizes' and the analysis below."""
    text = RESULTS.read_text() if RESULTS.exists() else ""
    body, marker, analysis = text.partition("## Analysis")
    blocks = {int(size.replace(",", "")): content for size, content in
              re.findall(r"^### ([\d,]+) workers\n(.*?)(?=^### |\Z)", body, flags=re.S | re.M)}
    blocks[WORKERS] = block.split("\n", 1)[1]
    RESULTS.write_text(
        "# Observatory — results of `make bench-observatory`\n\n"
        "The public aggregates (observatory.stats) and the staff dashboard (observatory.dashboard) read "
        "precomputed facts (observatory.facts); issue 13 asks for under 100 ms p95 over 1,000,000 workers and "
        "their contracts. `BENCH_WORKERS` sets the size (default 1,000,000). See bench/observatory.py for the "
        "data's shape.\n\n"
        + "\n".join(f"### {size:,} workers\n{blocks[size]}" for size in sorted(blocks))
        + (f"\n## Analysis{analysis}" if marker else ""))


if __name__ == "__main__":
    main()
