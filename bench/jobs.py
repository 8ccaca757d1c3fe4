"""Benchmark of the nightly jobs (issue 10; PERFORMANCE.md G10): contract expiry plus return
reminders over 1,000,000 contracts, 20,000 of them ending today.

Run with ``make bench-jobs`` (``BENCH_CONTRACTS=100000 make bench-jobs`` for a tenth of it).
Bounded and in-process: the jobs are timed queueing their notifications, never delivering them.

1. Data lives in a database of its own on the embedded server: ``twp_bench_jobs`` at 1,000,000
   contracts, ``twp_bench_jobs_<N>`` at another size, so sizes never clash. The demo, then
   N / 10 generated workers (seed 10) with ten seasons each: nine past seasons ``returned`` and the
   current one shaped like a night in steady state, as fractions of N:

   - 2 % active and ending today (the expiry's 20,000 at 1,000,000);
   - 1 % ending in 3 days and 1 % in 14 (their worker reminders are due today); 0.25 % ending on
     each of the days in between that the reminder windows cover, already reminded (their
     notifications exist: the sweep must skip them, not send them again);
   - expected returns: 0.5 % due today (the worker's reminder), 0.5 % due yesterday (the office's
     notice), 0.25 % due 14 days ago (the administrators' escalation, the office told long ago),
     0.25 % due on each of the 6 days before yesterday, already reminded and told;
   - the rest active, ending 15 to 120 days from now.

   Rows are written by ``INSERT … SELECT`` over ``generate_series`` in chunks (no ORM loop).
2. Measures ``expire_contracts`` then ``send_return_reminders`` for that day: wall time, queries,
   batches, notifications and dispatch tasks queued (counted, not sent to the broker). A second
   run under ``tracemalloc`` gives the peak of Python memory (and the process's peak RSS). Each
   run is undone afterwards (statuses, inserted rows, stamps), so reruns measure the same night.
3. Writes bench/RESULTS-jobs.md, one block per size (the blocks of other sizes are kept).

``BENCH_DATABASE_URL`` points the bench at another database (its data is generated there).
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import resource
import secrets
import sys
import time
import tracemalloc
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

FULL_SIZE = 1_000_000
CONTRACTS = int(os.environ.get("BENCH_CONTRACTS", FULL_SIZE))
BENCH_DATABASE = "twp_bench_jobs" if CONTRACTS == FULL_SIZE else f"twp_bench_jobs_{CONTRACTS}"
BENCH_SEED = 10
SEASONS = 10
DAY = datetime.date(2027, 6, 15)  # the night measured: fixed, so the data never ages
CHUNK = 10_000  # rows per INSERT: the work-history trigger aggregates per statement
BUDGET_SECONDS = 10.0  # G10
TASKS_PER_REMINDERS = 500  # G10: at most one dispatch task per 500 reminders
RESULTS = BASE_DIR / "bench" / "RESULTS-jobs.md"


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

from contracts import jobs  # noqa: E402
from contracts.models import Contract  # noqa: E402
from employers.models import WorkerRequest  # noqa: E402
from twp.models import Program, User  # noqa: E402
from workers.generator import generate_workers, generated_workers, uuid_range  # noqa: E402

# The current season: what each worker's contract of it is on the night measured, as (share of
# the season's contracts, status, end date in days from DAY). Ended ones have their expected
# return (grace: the program's 7 days); what earlier nights sent is written with them.
SHAPE = [
    (0.20, "active", 0),  # the expiry's
    (0.10, "active", 3),  # the 3-day reminder is due
    (0.10, "active", 14),  # the 14-day reminder is due
    *[(0.025, "active", offset) for offset in (1, 2, 8, 9, 10, 11, 12, 13)],  # reminded already
    (0.05, "ended", -7),  # due today: the worker's due-date reminder
    (0.05, "ended", -8),  # due yesterday: the office hears today
    (0.025, "ended", -21),  # due 14 days ago: the administrators hear today
    *[(0.025, "ended", -7 - late) for late in range(2, 8)],  # reminded and told already
]
# The rest: active, ending 15 to 120 days from DAY.


def say(text: str = "") -> None:
    print(text, flush=True)


def sql(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


# --- data -------------------------------------------------------------------------------------
def ensure_data() -> tuple[Program, int]:
    say(f"Database: {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    program = Program.objects.filter(code="sawp-canada").first()
    if program is None:
        call_command("load_demo", verbosity=0)
        program = Program.objects.get(code="sawp-canada")
    workers = CONTRACTS // SEASONS
    low, high = uuid_range(BENCH_SEED)
    have = Contract.objects.filter(public_id__range=(low, high)).count()
    if have == CONTRACTS:
        say(f"Data: {have:,} generated contracts (seed {BENCH_SEED}) already there; not regenerating.")
        return program, workers
    if have:
        raise SystemExit(f"Only {have:,} of {CONTRACTS:,} generated contracts exist: drop the database "
                         f"{BENCH_DATABASE} and run again.")
    if generated_workers(BENCH_SEED).count() < workers:
        started = time.perf_counter()
        generate_workers(count=workers, seed=BENCH_SEED, as_of=timezone.localdate())
        say(f"Data: {workers:,} workers in {time.perf_counter() - started:.0f} s.")
    started = time.perf_counter()
    _generate_contracts(program, workers)
    say(f"Data: {CONTRACTS:,} contracts, their expected returns and earlier reminders in "
        f"{time.perf_counter() - started:.0f} s.")
    sql("VACUUM (ANALYZE)")
    return program, workers


def _generate_contracts(program: Program, workers: int) -> None:
    low, high = uuid_range(BENCH_SEED)
    requests = list(WorkerRequest.objects.filter(program=program).order_by("pk").values_list("pk", flat=True))
    worker_ids = list(generated_workers(BENCH_SEED).order_by("pk").values_list("pk", flat=True))[:workers]
    # The current season's shape as cumulative bounds on the worker's position (0..1).
    bounds, cases, top = [], [], 0.0
    for share, status, offset in SHAPE:
        top += share
        bounds.append(top)
        cases.append((status, offset))
    position = "(w.n::float / %(workers)s)"
    status_case = " ".join(f"WHEN {position} < {bound} THEN '{status}'" for bound, (status, _o) in zip(bounds, cases,
                                                                                                        strict=True))
    end_case = " ".join(f"WHEN {position} < {bound} THEN %(day)s::date + {offset}" for bound, (_s, offset)
                        in zip(bounds, cases, strict=True))
    # Public ids in the seed's range (uuid_range): how the bench recognises its rows.
    public_id = ("overlay(%(low)s::text placing lpad(to_hex(g), 12, '0') from 25 for 12)::uuid")
    params = {"workers": workers, "day": DAY, "low": str(low), "program": program.pk, "requests": requests,
              "worker_ids": worker_ids, "grace": program.return_grace_days}
    with connection.cursor() as cursor:
        # The workers and requests as tables to join: subscripting a large array parameter on
        # every row detoasts the whole array each time (hours at 1,000,000 rows).
        cursor.execute("DROP TABLE IF EXISTS bench_workers, bench_requests")
        cursor.execute("CREATE TEMP TABLE bench_workers AS SELECT n - 1 AS n, id "
                       "FROM unnest(%(worker_ids)s::bigint[]) WITH ORDINALITY AS u (id, n)", params)
        cursor.execute("CREATE TEMP TABLE bench_requests AS SELECT n - 1 AS n, id "
                       "FROM unnest(%(requests)s::bigint[]) WITH ORDINALITY AS u (id, n)", params)
        cursor.execute("CREATE UNIQUE INDEX ON bench_workers (n); CREATE UNIQUE INDEX ON bench_requests (n); "
                       "ANALYZE bench_workers; ANALYZE bench_requests")
        params["request_count"] = len(requests)
        for first in range(0, CONTRACTS, CHUNK):
            last = min(first + CHUNK, CONTRACTS) - 1
            cursor.execute(f"""
                INSERT INTO contracts_contract (created_at, updated_at, public_id, season, start_date, end_date,
                    wage_amount, wage_currency, hours_per_week, status, worker_status_before, score, version,
                    program_id, request_id, worker_id)
                SELECT now(), now(), {public_id}, extract(year FROM c.start_date), c.start_date, c.end_date, 17.60,
                       'CAD', 40, c.status, 'eligible', '{{}}', 1, %(program)s,
                       (SELECT r.id FROM bench_requests r WHERE r.n = g %% %(request_count)s),
                       (SELECT b.id FROM bench_workers b WHERE b.n = w.n)
                FROM generate_series({first}, {last}) AS g
                CROSS JOIN LATERAL (SELECT g %% %(workers)s AS n, g / %(workers)s AS season) AS w
                CROSS JOIN LATERAL (
                    SELECT CASE WHEN w.season < {SEASONS - 1} THEN 'returned'
                                ELSE CASE {status_case} ELSE 'active' END END AS status,
                           CASE WHEN w.season < {SEASONS - 1}
                                THEN make_date(extract(year FROM %(day)s::date)::int - {SEASONS - 1} + w.season, 10, 1)
                                ELSE CASE {end_case} ELSE %(day)s::date + 15 + (w.n %% 106) END END AS end_date
                ) AS e
                CROSS JOIN LATERAL (
                    SELECT e.status, e.end_date,
                           CASE WHEN w.season < {SEASONS - 1} THEN e.end_date - 153 ELSE e.end_date - 120 END
                               AS start_date
                ) AS c""", params)  # noqa: S608 - numbers and fixed names only
    # Expected returns of the season's ended contracts (past seasons' are confirmed history the
    # jobs never read: left out), stamped as the earlier nights left them.
    sql("""INSERT INTO contracts_expectedreturn (created_at, updated_at, public_id, contract_id, due_on, place,
               identity_document, overdue_notified_on)
           SELECT now(), now(), gen_random_uuid(), c.id, c.end_date + %(grace)s, '', '',
                  CASE WHEN c.end_date + %(grace)s < %(day)s::date - 1 THEN c.end_date + %(grace)s + 1 END
           FROM contracts_contract c
           WHERE c.status = 'ended' AND c.public_id BETWEEN %(low)s AND %(high)s""",
        {"grace": program.return_grace_days, "day": DAY, "low": low, "high": high})
    # What the earlier nights sent: the reminders of contracts ending between the offsets, and the
    # due-date reminders of returns due before today.
    sql("""INSERT INTO twp_notification (created_at, updated_at, key, kind, channel, address, language, subject, body,
               status, attempts, last_error, sent_at)
           SELECT now(), now(), 'contract:' || c.id || ':return-reminder:before-end-'
                      || CASE WHEN c.end_date > %(day)s::date + 3 THEN 14 ELSE 3 END || ':'
                      || to_char(c.end_date, 'YYYY-MM-DD'),
                  'return-reminder-before-end', 'sms', '+52 000', 'es', 'earlier', 'earlier', 'sent', 1, '', now()
           FROM contracts_contract c
           WHERE c.status = 'active' AND c.program_id = %(program)s
             AND c.end_date IN (%(day)s::date + 1, %(day)s::date + 2, %(day)s::date + 8, %(day)s::date + 9,
                                %(day)s::date + 10, %(day)s::date + 11, %(day)s::date + 12, %(day)s::date + 13)
           UNION ALL
           SELECT now(), now(), 'contract:' || r.contract_id || ':return-reminder:due:'
                      || to_char(r.due_on, 'YYYY-MM-DD'),
                  'return-reminder-due', 'sms', '+52 000', 'es', 'earlier', 'earlier', 'sent', 1, '', now()
           FROM contracts_expectedreturn r WHERE r.due_on < %(day)s::date AND r.confirmed_at IS NULL""",
        {"day": DAY, "program": program.pk})


# --- measuring ----------------------------------------------------------------------------------
class Undo:
    """Put the night back as it was after a measured run."""

    TABLES = {"twp_notification": "id", "contracts_expectedreturn": "id", "contracts_contractstatuschange": "id",
              "employers_requestevent": "id", "contracts_contractevent": "pgh_id"}

    def __enter__(self):
        self.last = {}
        for table, key in self.TABLES.items():
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT coalesce(max({key}), 0) FROM {table}")  # noqa: S608 - fixed names
                self.last[table] = cursor.fetchone()[0]
        return self

    def __exit__(self, *exc):
        with transaction.atomic():
            sql("""UPDATE contracts_contract c SET status = change.from_status, version = c.version - 1
                   FROM contracts_contractstatuschange change
                   WHERE change.id > %s AND change.contract_id = c.id""", [self.last["contracts_contractstatuschange"]])
            sql("UPDATE contracts_expectedreturn SET overdue_notified_on = NULL WHERE overdue_notified_on = %s", [DAY])
            sql("UPDATE contracts_expectedreturn SET escalated_on = NULL WHERE escalated_on = %s", [DAY])
            for table, key in self.TABLES.items():
                sql(f"DELETE FROM {table} WHERE {key} > %s", [self.last[table]])  # noqa: S608 - fixed names
        sql("VACUUM (ANALYZE) contracts_contract, contracts_expectedreturn, twp_notification")
        return False


class Counter:
    def __init__(self):
        self.queries = 0

    def __call__(self, execute, sql_text, params, many, context):
        self.queries += 1
        return execute(sql_text, params, many, context)


def run_jobs(*, trace: bool) -> dict:
    from twp.tasks import dispatch_notifications_task

    queued = []
    original = dispatch_notifications_task.delay
    dispatch_notifications_task.delay = lambda *args, **kwargs: queued.append(1)
    counter = Counter()
    try:
        if trace:
            tracemalloc.start()
        with Undo(), connection.execute_wrapper(counter):
            started = time.perf_counter()
            expiry = jobs.expire_contracts(DAY)
            expired_at = time.perf_counter()
            reminders = jobs.send_return_reminders(DAY)
            finished = time.perf_counter()
            peak = tracemalloc.get_traced_memory()[1] if trace else 0
            # A second night on the same day: nothing new (the keys and stamps hold).
            again = jobs.send_return_reminders(DAY)
            assert (again.notifications, jobs.expire_contracts(DAY).ended) == (0, 0), "a rerun recorded something"
    finally:
        if trace:
            tracemalloc.stop()
        dispatch_notifications_task.delay = original
    return {"expiry_s": expired_at - started, "reminders_s": finished - expired_at, "total_s": finished - started,
            "ended": expiry.ended, "expiry_batches": expiry.batches, "reminder_batches": reminders.batches,
            "notifications": reminders.notifications, "before_end": reminders.before_end, "due": reminders.due,
            "overdue": reminders.overdue, "escalated": reminders.escalated, "unreachable": reminders.unreachable,
            "tasks": len(queued), "queries": counter.queries, "peak_mib": peak / 2**20}


def main() -> None:
    _program, workers = ensure_data()
    staff = User.objects.filter(role="staff", is_active=True).count()
    say(f"Night of {DAY}: {Contract.objects.count():,} contracts, "
        f"{Contract.objects.filter(status='active', end_date=DAY).count():,} active ending that day; "
        f"{staff} staff, batches of {django.conf.settings.JOB_BATCH_SIZE}.")
    timed = run_jobs(trace=False)
    say("done  timed run")
    traced = run_jobs(trace=True)
    say("done  traced run")
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per_task = timed["notifications"] / max(timed["tasks"], 1)
    verdict = "ok" if timed["total_s"] <= BUDGET_SECONDS else "OVER"
    tasks_ok = "ok" if timed["tasks"] <= -(-timed["notifications"] // TASKS_PER_REMINDERS) else "OVER"
    lines = [
        f"expire_contracts        {timed['expiry_s']:6.2f} s  {timed['ended']:,} ended in "
        f"{timed['expiry_batches']} batches",
        f"send_return_reminders   {timed['reminders_s']:6.2f} s  {timed['notifications']:,} notifications "
        f"({timed['before_end']:,} before the end, {timed['due']:,} on the due date, {timed['overdue']:,} returns "
        f"told to offices, {timed['escalated']:,} escalated; {timed['unreachable']:,} workers unreachable) in "
        f"{timed['reminder_batches']} batches",
        f"both                    {timed['total_s']:6.2f} s  {verdict} (G10: ≤ {BUDGET_SECONDS:g} s)",
        f"queries                 {timed['queries']:,} "
        f"(batches: {timed['expiry_batches'] + timed['reminder_batches']})",
        f"dispatch tasks queued   {timed['tasks']} = one per {per_task:,.0f} notifications  {tasks_ok} "
        f"(G10: ≤ 1 per {TASKS_PER_REMINDERS})",
        f"peak Python memory      {traced['peak_mib']:6.1f} MiB (tracemalloc, during both jobs; that run took "
        f"{traced['total_s']:.1f} s traced)",
        f"peak process RSS        {rss_mib:6.0f} MiB (whole bench process, Django included)",
    ]
    header = f"{CONTRACTS:,} contracts ({workers:,} workers × {SEASONS} seasons), night of {DAY}"
    say("")
    for line in [header, "-" * len(header), *lines]:
        say(line)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = (f"### {CONTRACTS:,} contracts\n\nRun on {stamp}, {platform.node() or 'this machine'} "
             f"({os.cpu_count()} cores, shared), database `{connection.settings_dict['NAME']}`.\n\n```\n"
             + "\n".join([header, "-" * len(header), *lines]) + "\n```\n")
    write_results(block)
    say(f"\nWrote {RESULTS.relative_to(BASE_DIR)}")


def write_results(block: str) -> None:
    """Replace this size's block in RESULTS, keep the other sizes' and the analysis below."""
    text = RESULTS.read_text() if RESULTS.exists() else ""
    body, _marker, analysis = text.partition("## Analysis")
    blocks = {int(size.replace(",", "")): content for size, content in
              re.findall(r"^### ([\d,]+) contracts\n(.*?)(?=^### |\Z)", body, flags=re.S | re.M)}
    blocks[CONTRACTS] = block.split("\n", 1)[1]
    RESULTS.write_text(
        "# Nightly jobs — results of `make bench-jobs`\n\n"
        "Contract expiry plus return reminders (queueing, not delivery) over generated contracts; "
        "`BENCH_CONTRACTS` sets the size (default 1,000,000). See bench/jobs.py for the data's shape.\n\n"
        + "\n".join(f"### {size:,} contracts\n{blocks[size]}" for size in sorted(blocks))
        + (f"\n## Analysis{analysis}" if _marker else ""))


if __name__ == "__main__":
    main()
