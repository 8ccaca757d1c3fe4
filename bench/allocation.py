"""Benchmark of selection and allocation (issue 8; PERFORMANCE.md G9).

Run with ``make bench-allocation``. Bounded: a fixed number of requests, in-process, no network.

1. Data lives in a database of its own on the embedded server (``twp_bench_allocation``), so it
   never clashes with ``make bench-workers``' 1,000,000 workers: the demo, then 100,000 generated
   workers (seed 8) with two past seasons of returned contracts and 2,000 approved requests for
   20,000 places in the coming season (``generate_data``'s contracts step). Reused when present.
2. Measures (committing, then removing what was allocated, so the data stays reusable):
   (a) candidates for one request, p50/p95 over 50 different requests, in-process
       (``contracts.ranking.candidates``) and through the API when this branch has it;
   (b) the commit phase (G9): 10,000 worker→request assignments through season allocation's
       set-based commit (``contracts_allocate_many``), the workers picked eligible beforehand;
   (c) the whole season: ``contracts.season.season_allocate``, ranking plus commit, with the
       time of its commits apart.
3. Prints a table and writes it to bench/RESULTS-allocation.md.

``BENCH_DATABASE_URL`` points the bench at another database (its data is generated there).
"""

from __future__ import annotations

import datetime
import os
import platform
import secrets
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

BENCH_DATABASE = "twp_bench_allocation"
BENCH_SEED = 8
BENCH_WORKERS = 100_000
BENCH_REQUESTS = 2_000
BENCH_PLACES = 20_000
CANDIDATE_REQUESTS = 50
CANDIDATE_LIMIT = 50
WARMUP = 3
COMMIT_ASSIGNMENTS = 10_000
BUDGETS = {
    "candidates": ("candidates for one request p95", 50.0, "ms"),
    "commit": ("commit 10,000 assignments (G9)", 5.0, "s"),
    "season": ("season allocation, ranking + commit", 20.0, "s"),
}
RESULTS = BASE_DIR / "bench" / "RESULTS-allocation.md"


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
    # As in production: DEBUG off (DEBUG would keep every query of the run in memory).
    "DEBUG": "false",
    "SECRET_KEY": "bench-" + secrets.token_hex(32),
    "ALLOWED_HOSTS": "127.0.0.1",
})

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import Resolver404, resolve  # noqa: E402
from django.utils import timezone  # noqa: E402

from contracts.models import AllocationRun, Contract  # noqa: E402
from contracts.ranking import candidates  # noqa: E402
from contracts.services import contracts_allocate_many  # noqa: E402
from employers.models import RequestStatus, WorkerRequest  # noqa: E402
from twp.models import User  # noqa: E402
from workers.eligibility import eligible_workers  # noqa: E402
from workers.generator import GENERATION_STEPS, generate_workers, generated_workers, uuid_range  # noqa: E402
from workers.models import Worker  # noqa: E402

STAFF_USERNAME = "admin"  # Sees every worker: the whole pool is ranked (the hardest case).


class Undo:
    """Remove what a measurement allocated (contracts, their events, the workers' and requests'
    statuses) once it is over, so reruns measure the same data. Measurements commit for real:
    one long transaction would queue every deferred foreign-key check and overflow PostgreSQL's
    subtransaction cache, which no allocation in production does."""

    TABLES = ("contracts_contract", "contracts_contractstatuschange", "employers_requestevent",
              "workers_workerstatuschange")

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, status FROM employers_workerrequest")
            self.statuses = cursor.fetchall()
            self.last = {}
            for table in self.TABLES:
                cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 - fixed names
                self.last[table] = cursor.fetchone()[0]
        return self

    def __exit__(self, *exc):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("""UPDATE workers_worker w SET status = c.worker_status_before
                              FROM (SELECT DISTINCT ON (worker_id) worker_id, worker_status_before
                                    FROM contracts_contract WHERE id > %s ORDER BY worker_id, id) c
                              WHERE c.worker_id = w.id""", [self.last["contracts_contract"]])
            cursor.execute("""UPDATE employers_workerrequest r SET status = before.status
                              FROM unnest(%s::bigint[], %s::varchar[]) AS before (id, status)
                              WHERE r.id = before.id AND r.status <> before.status""",
                           [[pk for pk, _status in self.statuses], [status for _pk, status in self.statuses]])
            for table in ("contracts_contractstatuschange", "contracts_contract", "employers_requestevent",
                          "workers_workerstatuschange"):
                cursor.execute(f"DELETE FROM {table} WHERE id > %s", [self.last[table]])  # noqa: S608
        return False


def clean_leftovers() -> None:
    """A bench stopped half-way leaves what it allocated (``Undo`` never ran): remove it. The
    generator makes only returned contracts, so every other contract here is the bench's."""
    low, high = uuid_range(BENCH_SEED)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SELECT count(*) FROM contracts_contract WHERE status <> 'returned'")
        leftovers = cursor.fetchone()[0]
        if leftovers:
            say(f"Data: removing {leftovers:,} contracts a stopped run left behind.")
        cursor.execute("""UPDATE workers_worker w SET status = c.worker_status_before
                          FROM (SELECT DISTINCT ON (worker_id) worker_id, worker_status_before FROM contracts_contract
                                WHERE status <> 'returned' ORDER BY worker_id, id) c
                          WHERE c.worker_id = w.id""")
        cursor.execute("UPDATE employers_workerrequest SET status = 'approved' WHERE public_id BETWEEN %s AND %s "
                       "AND status IN ('partially_filled', 'filled') AND id IN "
                       "(SELECT request_id FROM contracts_contract WHERE status <> 'returned')", [low, high])
        cursor.execute("DELETE FROM workers_workerstatuschange WHERE to_status = 'selected'")
        cursor.execute("DELETE FROM employers_requestevent WHERE kind = 'worker_assigned'")
        cursor.execute("DELETE FROM contracts_contractstatuschange WHERE contract_id IN "
                       "(SELECT id FROM contracts_contract WHERE status <> 'returned')")
        cursor.execute("DELETE FROM contracts_contract WHERE status <> 'returned'")
        cursor.execute("DELETE FROM contracts_allocationrun")


def say(text: str = "") -> None:
    print(text, flush=True)


# --- data -------------------------------------------------------------------------------------
def ensure_data() -> None:
    say(f"Database: {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    have = generated_workers(BENCH_SEED).count()
    if have >= BENCH_WORKERS and season_requests().count() >= BENCH_REQUESTS:
        say(f"Data: {have:,} generated workers and {season_requests().count():,} approved requests "
            f"(seed {BENCH_SEED}) already there; not regenerating.")
    else:
        if have:
            raise SystemExit(f"Only part of seed {BENCH_SEED}'s data exists: drop the database "
                             f"{BENCH_DATABASE} (or run generate_data --reset in it) and run again.")
        say(f"Data: generating {BENCH_WORKERS:,} workers (seed {BENCH_SEED})...")
        result = generate_workers(count=BENCH_WORKERS, seed=BENCH_SEED, as_of=timezone.localdate())
        say(f"Data: workers in {result.seconds:.0f} s.")
        admin = User.objects.get(username=STAFF_USERNAME)
        for step in GENERATION_STEPS:
            started = time.perf_counter()
            options = {"requests": BENCH_REQUESTS, "places": BENCH_PLACES}
            label, count = step.generate(seed=BENCH_SEED, as_of=timezone.localdate(), verifier=admin,
                                         **{name: options[name] for name in step.options if name in options})
            say(f"Data: {count:,} {label} in {time.perf_counter() - started:.1f} s.")
    clean_leftovers()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def season_requests():
    low, high = uuid_range(BENCH_SEED)
    return WorkerRequest.objects.filter(public_id__range=(low, high), status=RequestStatus.APPROVED)


def pctl(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


# --- (a) candidates -----------------------------------------------------------------------------
def measure_candidates(staff: User) -> list[tuple[str, float, float, str]]:
    requests = list(season_requests().select_related("program").order_by("id")[:CANDIDATE_REQUESTS])
    pool = Worker.objects.visible_to(staff)
    rows = []
    for request in requests[:WARMUP]:
        candidates(request, pool, limit=CANDIDATE_LIMIT)
    timings, sizes = [], []
    for request in requests:
        started = time.perf_counter()
        found = candidates(request, pool, limit=CANDIDATE_LIMIT)
        timings.append((time.perf_counter() - started) * 1000)
        sizes.append(len(found))
    rows.append(("candidates() in-process", statistics.median(timings), pctl(timings, 95),
                 f"{len(requests)} requests, {min(sizes)}–{max(sizes)} candidates each"))
    path = f"/api/v1/requests/{requests[0].public_id}/candidates/"
    try:
        resolve(path)
    except Resolver404:
        say(f"skip  API {path} → not in this branch yet")
        return rows
    from knox.models import AuthToken

    token_row, token = AuthToken.objects.create(staff)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_FORWARDED_PROTO="https")
    try:
        timings, statuses = [], set()
        for index, request in enumerate(requests[:WARMUP] + requests):
            started = time.perf_counter()
            response = client.get(f"/api/v1/requests/{request.public_id}/candidates/", secure=True)
            if index >= WARMUP:
                timings.append((time.perf_counter() - started) * 1000)
            statuses.add(response.status_code)
        rows.append(("API candidates (in-process client)", statistics.median(timings), pctl(timings, 95),
                     f"HTTP {sorted(statuses)}"))
    finally:
        token_row.delete()
    return rows


# --- (b) commit phase ---------------------------------------------------------------------------
def measure_commit() -> tuple[float, int, int]:
    """Seconds for COMMIT_ASSIGNMENTS assignments through season allocation's commit
    (``contracts_allocate_many``), in batches of ``contracts.season.SAVE_EVERY`` requests."""
    from contracts.season import SAVE_EVERY

    requests = list(season_requests().select_related("program").order_by("start_date", "id"))
    first, last = min(r.start_date for r in requests), max(r.end_date for r in requests)
    # Workers eligible for the whole season's span are eligible for each of its requests (none of
    # the generated requests has extra requirements): picked here, outside the timing.
    pool = list(eligible_workers(Worker.objects.filter(is_active=True), program=requests[0].program, start=first,
                                 end=last).order_by("id").values_list("pk", flat=True)[:COMMIT_ASSIGNMENTS])
    if len(pool) < COMMIT_ASSIGNMENTS:
        say(f"note  only {len(pool):,} workers are eligible over the whole season: committing that many")
    assignments, taken = [], 0
    for request in requests:
        if taken >= len(pool):
            break
        size = min(request.workers_requested, len(pool) - taken)
        assignments.append((request, pool[taken:taken + size], {}))
        taken += size
    with Undo():
        started = time.perf_counter()
        for index in range(0, len(assignments), SAVE_EVERY):
            contracts_allocate_many(assignments[index:index + SAVE_EVERY], by=None)
        elapsed = time.perf_counter() - started
    return elapsed, taken, -(-len(assignments) // SAVE_EVERY)


# --- (c) the season -----------------------------------------------------------------------------
def measure_season(staff: User) -> tuple[str, float, int, float, int]:
    """``season_allocate`` for the whole season, as the Celery task runs it; the time its commits
    took (``contracts_allocate_many`` and any request-by-request fallback) measured apart."""
    from contracts import season

    committing = [0.0]

    def timed(function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                committing[0] += time.perf_counter() - started
        return wrapper

    originals = season.contracts_allocate_many, season.contracts_allocate
    season.contracts_allocate_many, season.contracts_allocate = (timed(function) for function in originals)
    program = season_requests().first().program
    year = season_requests().first().season
    # The run allocates every open request of the season: the demo's few as well as the bench's.
    open_places = sum(season.season_requests(program, year).values_list("workers_requested", flat=True))
    try:
        with Undo():
            started = time.perf_counter()
            run = season.season_allocate(program=program, season=year, by=staff)
            elapsed = time.perf_counter() - started
            AllocationRun.objects.filter(pk=run.pk).delete()
    finally:
        season.contracts_allocate_many, season.contracts_allocate = originals
    return "season_allocate", elapsed, run.added, committing[0], open_places


# --- report -------------------------------------------------------------------------------------
def main() -> None:
    ensure_data()
    staff = User.objects.get(username=STAFF_USERNAME)
    requests = season_requests()
    places = sum(requests.values_list("workers_requested", flat=True))
    workers = generated_workers(BENCH_SEED).count()
    say(f"Season: {requests.count():,} approved requests, {places:,} places; {workers:,} generated workers; "
        f"{Contract.objects.count():,} past contracts.")
    lines = []
    candidate_rows = measure_candidates(staff)
    for label, p50, p95, note in candidate_rows:
        verdict = "ok" if p95 <= BUDGETS["candidates"][1] else "OVER"
        lines.append(f"{label:<38} p50 {p50:>7.1f} ms  p95 {p95:>7.1f} ms  {verdict:<4}  {note}")
        say(f"done  {label}")
    commit_seconds, assigned, batches = measure_commit()
    per_10k = commit_seconds * 10_000 / max(assigned, 1)
    verdict = "ok" if per_10k <= BUDGETS["commit"][1] else "OVER"
    lines.append(f"{'commit phase (contracts_allocate_many)':<38} {commit_seconds:>6.2f} s for {assigned:,} in "
                 f"{batches:,} batches = {per_10k:.2f} s per 10,000  {verdict}")
    say("done  commit phase")
    label, seconds, season_assigned, committing_seconds, open_places = measure_season(staff)
    if seconds:
        verdict = "ok" if seconds <= BUDGETS["season"][1] else "OVER"
        lines.append(f"{'season: ' + label:<38} {seconds:>6.1f} s (commits {committing_seconds:.1f} s, on their "
                     f"own thread beside the ranking); {season_assigned:,} of {open_places:,} places "
                     f"filled  {verdict}")
    say("done  season")
    header = (f"Allocation at {workers:,} workers, {requests.count():,} requests / {places:,} places, "
              f"staff {STAFF_USERNAME} (every worker visible)")
    budgets = "Budgets: " + "; ".join(f"{text} ≤ {limit:g} {unit}" for text, limit, unit in BUDGETS.values())
    say("")
    say(header)
    say("-" * len(header))
    for line in lines:
        say(line)
    say(budgets)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    # What people wrote below the figures (from "## Analysis" on) survives a rerun.
    notes = RESULTS.read_text().partition("## Analysis")[1:] if RESULTS.exists() else ("", "")
    RESULTS.write_text(
        "# Selection and allocation — results of `make bench-allocation`\n\n"
        f"Run on {stamp}, {platform.node() or 'this machine'} ({os.cpu_count()} cores, shared), database "
        f"`{connection.settings_dict['NAME']}`. Measurements commit; what they allocated is removed afterwards, "
        "so reruns measure the same data.\n\n```\n" + "\n".join([header, "-" * len(header), *lines, budgets])
        + "\n```\n" + ("\n" + "".join(notes) if notes[0] else "")
    )
    say(f"\nWrote {RESULTS.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
