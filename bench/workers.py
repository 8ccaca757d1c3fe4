"""Benchmark of the worker lists at 1,000,000 workers (PERFORMANCE.md G3, G4, G4b, G5, G6).

Run with ``make bench-workers``. Bounded: a fixed number of requests and seconds, only 127.0.0.1.

1. Generates 1,000,000 workers into the embedded database unless this seed's are already there.
2. Serves the app with gunicorn (2 workers, DEBUG off, a throwaway SECRET_KEY) on a free port.
3. For every row of ENDPOINTS: one-client p50/p95 over REQUESTS_PER_CLIENT requests, requests/s at 16
   connections with ``wrk -t2 -c16 -d10s``, and the SQL time of the page's main query by EXPLAIN
   ANALYZE (the query is captured by running the view once in-process).
4. EXPLAINs the queries the list's indexes are meant for (G6) and prints their plans.
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent

# What is measured. Rows whose URL answers 404 (not written yet in this branch) are skipped.
# {deep_cursor} / {deep_position}: DRF's cursor / the id ~95 % down the user's list.
# (label, auth, path, kind): auth "token" (knox) or "session"; kind names the G3 pair
# ("first" = page 1, "deep" = the same list at ~95 % depth) and which rows count for G4.
ENDPOINTS = [
    ("API list", "token", "/api/v1/workers/", "first"),
    ("API ?state_of_origin=TLA", "token", "/api/v1/workers/?state_of_origin=TLA", "filter"),
    ("API ?status=eligible", "token", "/api/v1/workers/?status=eligible", "filter"),
    ("API ?search=García López", "token", "/api/v1/workers/?" + urlencode({"search": "García López"}), "search"),
    ("API deep (95 %)", "token", "/api/v1/workers/?cursor={deep_cursor}", "deep"),
    ("page list", "session", "/workers/", "first"),
    ("page ?state_of_origin=TLA", "session", "/workers/?state_of_origin=TLA", "filter"),
    ("page ?status=eligible", "session", "/workers/?status=eligible", "filter"),
    # The page's search box POSTs "q" and redirects to ?search= (a CURP never travels in a URL).
    ("page ?search=García López", "session", "/workers/?" + urlencode({"search": "García López"}), "search"),
    ("page deep (95 %)", "session", "/workers/?after={deep_position}", "deep"),
    # Bench-only prototype of the worker list API (bench/prototype.py), measured until the real
    # one lands: "proto" rows form their own G3 pair.
    ("proto list", "token", "/api/bench/workers/", "first"),
    ("proto ?state_of_origin=TLA", "token", "/api/bench/workers/?state_of_origin=TLA", "filter"),
    ("proto ?status=eligible", "token", "/api/bench/workers/?status=eligible", "filter"),
    ("proto ?search=García López", "token", "/api/bench/workers/?" + urlencode({"search": "García López"}), "search"),
    ("proto deep (95 %)", "token", "/api/bench/workers/?cursor={deep_cursor}", "deep"),
    # Smoke test: exists from the foundation on, so the harness itself is always exercised.
    ("API programs (smoke)", "token", "/api/v1/programs/", "smoke"),
]
BENCH_USERNAME = "staff.tlaxcala"  # Demo staff of a state office: the scoped (harder) case.
BENCH_SEED = 1
BENCH_WORKERS = 1_000_000
DEEP_FRACTION = 0.95
REQUESTS_PER_CLIENT = 200
WARMUP_REQUESTS = 10
WRK_ARGS = ["-t2", "-c16", "-d10s", "--latency"]
EXPLAIN_RUNS = 5
GUNICORN_WORKERS = 2

BUDGETS = {
    "G4": "one client p95 ≤ 25 ms (aim 12)",
    "G4b": "16 connections ≥ 120 req/s (aim 250)",
    "G3": "deep p95 ≤ 1.5 × page 1 (aim 1.1)",
    "G5": "request ÷ SQL 3–15 (aim ≤ 6)",
}

SECRET_KEY = "bench-" + secrets.token_hex(32)  # Throwaway: shared by this process and gunicorn only.
os.environ.update({
    "DEBUG": "false",
    "SECRET_KEY": SECRET_KEY,
    "ALLOWED_HOSTS": "127.0.0.1",
    # One user sends thousands of requests a minute here: keep the throttle's work (a Redis round
    # trip per request, as in production) but not its limit.
    "API_THROTTLE_USER": "100000000/minute",
    "DJANGO_SETTINGS_MODULE": "bench.settings",
})
sys.path.insert(0, str(BASE_DIR))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from twp import embedded  # noqa: E402
from twp.models import User  # noqa: E402
from workers.generator import generate_workers, generated_workers  # noqa: E402
from workers.models import Worker  # noqa: E402

# Behind the production TLS proxy every request says it came over HTTPS; without it DEBUG-off
# settings redirect to https:// and secure cookies are never sent.
FORWARDED = {"X-Forwarded-Proto": "https"}


def say(text: str = "") -> None:
    print(text, flush=True)


# --- data -------------------------------------------------------------------------------------
def ensure_data() -> None:
    call_command("migrate", verbosity=0)  # a fresh machine: `make bench-workers` before any `make run`
    call_command("load_demo", verbosity=0)
    have = generated_workers(BENCH_SEED).count()
    if have >= BENCH_WORKERS:
        say(f"Data: {have:,} generated workers (seed {BENCH_SEED}) already there; not regenerating.")
    else:
        _generate(have)
    # What autovacuum gives production: fresh statistics (plans otherwise guess row counts), a
    # visibility map, and the trigram index's pending list merged (a bulk load leaves it full).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) workers_worker, workers_document, workers_worker_occupations, "
                       "workers_workerlanguage")


def _generate(have: int) -> None:
    if have:
        # Either a generation is still running or one died half-way: deleting could race the former.
        raise SystemExit(
            f"Only {have:,} workers of seed {BENCH_SEED} exist. If no generation is running, delete them with "
            f"`manage.py generate_data --reset` and run again."
        )
    say(f"Data: generating {BENCH_WORKERS:,} workers (seed {BENCH_SEED}); takes several minutes...")
    result = generate_workers(count=BENCH_WORKERS, seed=BENCH_SEED, as_of=timezone.localdate())
    say(f"Data: generated in {result.seconds:.0f} s (rows built {result.build_seconds:.0f} s, "
        f"COPY {result.copy_seconds:.0f} s).")


def ensure_static() -> None:
    # DEBUG off serves hashed static names from the manifest: pages fail without it.
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)


def verified_client(user: User) -> Client:
    """A test client signed in as ``user``, with the second factor given when the project asks for one."""
    client = Client(HTTP_HOST="127.0.0.1", headers=FORWARDED)
    client.force_login(user)
    try:
        from django_otp import devices_for_user
        from django_otp.plugins.otp_totp.models import TOTPDevice
    except ImportError:  # A branch without django-otp: the session alone signs in.
        return client
    # The user's own confirmed device (the demo gives staff one); create one only when missing.
    device = next(iter(devices_for_user(user, confirmed=True)), None)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def credentials(user: User) -> tuple[dict[str, dict[str, str]], list]:
    """Request headers per kind of authentication, and what to delete when the bench ends."""
    from django.contrib.sessions.models import Session
    from knox.models import AuthToken

    token_row, token = AuthToken.objects.create(user)
    session_key = verified_client(user).cookies[settings.SESSION_COOKIE_NAME].value
    headers = {
        "token": {"Authorization": f"Token {token}", **FORWARDED},
        "session": {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}", **FORWARDED},
    }
    return headers, [token_row, Session.objects.filter(session_key=session_key)]


def deep_position(user: User) -> int:
    """The id ~95 % down this user's list ordered by -id (where a deep page starts)."""
    visible = Worker.objects.visible_to(user).order_by("-id")
    total = visible.count()  # Once, here: this is the bench, not a request.
    return visible.values_list("id", flat=True)[int(total * DEEP_FRACTION)]


def deep_cursor(position: int) -> str:
    """DRF's CursorPagination token for "rows after this position" (no offset, no reverse)."""
    return base64.b64encode(urlencode({"p": str(position)}).encode()).decode()


# --- server -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    info = embedded.postgres()
    return f"postgres://{info.user}@/{info.database}?host={info.socket_dir}&port={info.port}"


def start_gunicorn(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or database_url(),
        "REDIS_URL": os.environ.get("REDIS_URL") or f"unix://{embedded.redis()}",
    }
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "twp.wsgi:application", "--workers", str(GUNICORN_WORKERS),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=BASE_DIR, env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            get(port, "/api/v1/programs/", FORWARDED)  # Any HTTP answer means it is up.
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 30 s")


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()


# --- measuring --------------------------------------------------------------------------------
def get(port: int, path: str, headers: dict, connection_: http.client.HTTPConnection | None = None):
    conn = connection_ or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Host": "127.0.0.1", **headers})
    response = conn.getresponse()
    body = response.read()
    if connection_ is None:
        conn.close()
    return response.status, body


def one_client(port: int, path: str, headers: dict) -> tuple[float, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    timings = []
    for index in range(WARMUP_REQUESTS + REQUESTS_PER_CLIENT):
        started = time.perf_counter()
        status, _body = get(port, path, headers, conn)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        if index >= WARMUP_REQUESTS:
            timings.append(elapsed)
    conn.close()
    return statistics.median(timings), statistics.quantiles(timings, n=20)[18]


def cpu_seconds(roots: list[int]) -> dict[int, float] | None:
    """CPU time (user + system) used so far by these processes and their children, per process
    (Linux /proc). Per process: database connections close and open while wrk runs."""
    tick = os.sysconf("SC_CLK_TCK")
    seconds, pending = {}, list(roots)
    try:
        while pending:
            pid = pending.pop()
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except FileNotFoundError:
                continue  # ended meanwhile
            seconds[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            pending += [int(child) for child in children]
    except (OSError, ValueError):
        return None
    return seconds


def with_wrk(port: int, path: str, headers: dict, cpu_roots: list[int]) -> tuple[float | None, str, float | None]:
    """Requests/s at 16 connections, wrk's notes, and the CPU milliseconds the server (gunicorn and,
    when embedded, PostgreSQL) spent per request: on a shared machine, what other work does to
    requests/s it does much less to this."""
    wrk = shutil.which("wrk")
    if not wrk:
        return None, "wrk missing (apt-get install -y wrk)", None
    args = [wrk, *WRK_ARGS]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    cpu_before = cpu_seconds(cpu_roots)
    output = subprocess.run([*args, f"http://127.0.0.1:{port}{path}"],  # noqa: S603
                            capture_output=True, text=True, timeout=60).stdout
    cpu_after = cpu_seconds(cpu_roots)
    served = re.search(r"(\d+) requests in", output)
    cpu_ms = None
    if cpu_before is not None and cpu_after is not None and served and int(served.group(1)):
        used = sum(seconds - cpu_before.get(pid, 0) for pid, seconds in cpu_after.items())
        cpu_ms = used * 1000 / int(served.group(1))
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    p99 = re.search(r"99%\s+([\d.]+)(\w+)", output)
    note = f"p99 {p99.group(1)}{p99.group(2)}" if p99 else ""
    if non_2xx:
        note += f" NON-2XX {non_2xx.group(1)}"
    return (float(rate.group(1)) if rate else None), note, cpu_ms


def main_query_sql_ms(path: str, auth: str, user: User, token_headers: dict) -> tuple[float | None, int, str]:
    """Run the view once in-process, pick the query that reads the list, EXPLAIN ANALYZE it."""
    if auth == "session":
        client = verified_client(user)
        extra = {}
    else:
        client = Client(HTTP_HOST="127.0.0.1", headers=FORWARDED)
        extra = {"HTTP_AUTHORIZATION": token_headers["Authorization"]}
    client.get(path, secure=True, **extra)  # The first request after sign-in also writes the session.
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, secure=True, **extra)
    if response.status_code != 200:
        return None, len(captured.captured_queries), f"in-process status {response.status_code}"
    candidates = [query["sql"] for query in captured.captured_queries
                  if query["sql"].lstrip().upper().startswith("SELECT") and "LIMIT" in query["sql"].upper()]
    table = "workers_worker" if "/workers" in path else "twp_program"
    main = [sql for sql in candidates if f'FROM "{table}"' in sql] or candidates
    if not main:
        return None, len(captured.captured_queries), "no list query captured"
    sql = main[0]
    timings = []
    with connection.cursor() as cursor:
        for _run in range(EXPLAIN_RUNS):
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0][0]
            timings.append(plan["Planning Time"] + plan["Execution Time"])
    return statistics.median(timings), len(captured.captured_queries), ""


# --- index check (G6) -------------------------------------------------------------------------
def search_checks(scope, term: str, label: str, indexes: list[str], page: int) -> list:
    """The queries of a name search's first page: the page by whole words and, when that is empty
    (a word typed in part), the page by any part of the name (WorkerFilterSet.first_page_found)."""
    found, in_part = scope.search_in_steps(term)
    checks = [(f"{label}: whole words", indexes, found.order_by("-id")[:page])]
    if not found.exists():
        checks.append((f"{label}: parts", ["worker_name_trgm_idx"], in_part.order_by("-id")[:page]))
    return checks


def explain_indexes(user: User, deep_position: int) -> None:
    say("\nG6 index check on the generated rows (EXPLAIN ANALYZE, warm cache):")
    sample_curp = Worker.objects.order_by("id").values_list("curp", flat=True)[500_000]
    states = user.office.mexican_states if user.office_id else ["TLA"]
    page = 51
    workers = Worker.objects.order_by("-id")
    word_indexes = [f"worker_words_{state.lower()}_idx" for state in states]
    checks = [
        ("state_of_origin = ANY(staff states) ORDER BY id DESC LIMIT 51", ["worker_state_id_idx"],
         workers.filter(state_of_origin__in=states)[:page]),
        ("... same at 95 % depth (id < cursor)", ["worker_state_id_idx"],
         workers.filter(state_of_origin__in=states, id__lt=deep_position)[:page]),
        ("state_of_origin = 'BCS' (0.1 % of workers)", ["worker_state_id_idx"],
         workers.filter(state_of_origin="BCS")[:page]),
        ("status = 'eligible' ORDER BY id DESC LIMIT 51", ["worker_status_id_idx"],
         workers.filter(status="eligible")[:page]),
        ("status = 'ineligible' (0.5 %)", ["worker_status_id_idx"], workers.filter(status="ineligible")[:page]),
        ("staff states AND status = 'eligible'", ["worker_state_id_idx", "worker_status_id_idx"],
         workers.filter(state_of_origin__in=states, status="eligible")[:page]),
        # Name search as the lists run it (WorkerQuerySet.search_in_steps).
        *search_checks(Worker.objects.filter(state_of_origin__in=states), "García López",
                       "staff search 'García López'", word_indexes, page),
        *search_checks(Worker.objects.filter(state_of_origin__in=states), "Xolalpa",
                       "staff search 'Xolalpa' (rare surname)", word_indexes, page),
        *search_checks(Worker.objects.filter(state_of_origin__in=states), "Hernández",
                       "staff search 'Hernández' (common surname)", word_indexes, page),
        *search_checks(Worker.objects.filter(state_of_origin__in=states), "garcía lóp",
                       "staff search 'garcía lóp' (a word in part)", word_indexes, page),
        *search_checks(Worker.objects.all(), "García López", "administrator search 'García López'",
                       ["worker_words_idx"], page),
        ("curp = ...", ["worker_curp_unique"], Worker.objects.filter(curp=sample_curp)),
    ]
    summary = []
    for label, indexes, queryset in checks:
        queryset.explain(analyze=True)  # Warm the cache: compare plans, not disk reads.
        plan = queryset.explain(analyze=True, buffers=True)
        used = sorted(set(re.findall(r"(?:using|Bitmap Index Scan on) (\w+)", plan)))
        removed = sum(int(count) for count in re.findall(r"Rows Removed by (?:Filter|Index Recheck): (\d+)", plan))
        milliseconds = sum(float(value) for value in re.findall(r"(?:Planning|Execution) Time: ([\d.]+)", plan))
        # G6: what matters is the work per page; the primary key walked backwards is fine while the
        # filter keeps most rows, and becomes a scan when it does not.
        verdict = "ok" if removed <= 10 * page else "OVER"
        intended = "intended" if set(indexes) & set(used) else "other"
        summary.append((label, ", ".join(used) or "seq scan", intended, removed, milliseconds, verdict))
        say(f"\n-- {label}")
        say("\n".join("   " + line for line in plan.splitlines()))
    say(f"\n{'query':<64} {'index used':<36} {'':<8} {'removed':>8} {'ms':>7}  G6 (removed ≤ 10 × page)")
    for label, used, intended, removed, milliseconds, verdict in summary:
        say(f"{label:<64} {used:<36} {intended:<8} {removed:>8} {milliseconds:>7.2f}  {verdict}")


# --- report -----------------------------------------------------------------------------------
def main() -> None:
    ensure_data()
    load_at_start = os.getloadavg()[0]
    ensure_static()
    user = User.objects.select_related("office").get(username=BENCH_USERNAME)
    headers, throwaway = credentials(user)
    position = deep_position(user)
    cursor = deep_cursor(position)
    port = free_port()
    say(f"Serving with gunicorn ({GUNICORN_WORKERS} workers, DEBUG off) on 127.0.0.1:{port} as {BENCH_USERNAME}.")
    server = start_gunicorn(port)
    cpu_roots = [server.pid]
    if not os.environ.get("DATABASE_URL"):
        cpu_roots.append(int((embedded.PGDATA / "postmaster.pid").read_text().split()[0]))
    rows = []
    try:
        for label, auth, template, kind in ENDPOINTS:
            path = template.format(deep_cursor=cursor, deep_position=position)
            status, _body = get(port, path, headers[auth])
            if status == 404:
                say(f"skip  {label:<28} {path[:60]} → 404 (not in this branch yet)")
                continue
            if status != 200:
                say(f"FAIL  {label:<28} {path[:60]} → HTTP {status}")
                continue
            p50, p95 = one_client(port, path, headers[auth])
            rate, wrk_note, cpu_ms = with_wrk(port, path, headers[auth], cpu_roots)
            sql_ms, queries, sql_note = main_query_sql_ms(path, auth, user, headers["token"])
            rows.append((label, kind, p50, p95, rate, cpu_ms, sql_ms, queries, wrk_note or sql_note))
            say(f"done  {label:<28} p50 {p50:.1f} ms")
    finally:
        stop(server)
        for credential in throwaway:
            credential.delete()

    say(f"\nWorker lists at {generated_workers(BENCH_SEED).count():,} generated workers, user {BENCH_USERNAME}, "
        f"one client: {REQUESTS_PER_CLIENT} requests; 16 connections: wrk {' '.join(WRK_ARGS)}")
    # The machine is shared: how busy it was says how far to trust the figures.
    say(f"Load average (1 min) at the start {load_at_start:.2f}, at the end {os.getloadavg()[0]:.2f}.")
    header = (f"{'endpoint':<28} {'p50 ms':>7} {'p95 ms':>7} {'G4':>4} {'req/s':>7} {'G4b':>4} {'CPU ms':>7} "
              f"{'SQL ms':>7} {'req÷SQL':>8} {'G5':>4} {'queries':>7}  notes")
    say(header)
    say("-" * len(header))
    for label, kind, p50, p95, rate, cpu_ms, sql_ms, queries, note in rows:
        ratio = p50 / sql_ms if sql_ms else None
        is_list = kind != "smoke"
        g4 = ("ok" if p95 <= 25 else "OVER") if is_list else "-"
        g4b = ("-" if rate is None else "ok" if rate >= 120 else "LOW") if is_list else "-"
        g5 = ("-" if ratio is None else "ok" if 3 <= ratio <= 15 else "OUT") if is_list else "-"
        say(f"{label:<28} {p50:>7.1f} {p95:>7.1f} {g4:>4} {rate or 0:>7.0f} {g4b:>4} {cpu_ms or 0:>7.1f} "
            f"{sql_ms or 0:>7.2f} {ratio or 0:>8.1f} {g5:>4} {queries:>7}  {note}")
    by_kind = {}
    for label, kind, _p50, p95, *_rest in rows:
        by_kind.setdefault((label.split()[0], kind), p95)
    for prefix in ("API", "page", "proto"):
        first, deep = by_kind.get((prefix, "first")), by_kind.get((prefix, "deep"))
        if first and deep:
            ratio = deep / first
            verdict = "ok" if ratio <= 1.5 else "OVER"
            say(f"G3 {prefix}: deep p95 {deep:.1f} ms ÷ page 1 p95 {first:.1f} ms = {ratio:.2f} ({verdict})")
    say("Budgets: " + "; ".join(f"{name} {text}" for name, text in BUDGETS.items()))
    say("'queries' counts every statement of one in-process request, authentication included (G1).")
    say(f"'CPU ms': CPU time of gunicorn{' and PostgreSQL' if len(cpu_roots) > 1 else ''} per request under wrk; "
        f"{os.cpu_count()} cores serve at most {os.cpu_count()} × 1000 ÷ CPU ms requests/s (wrk's own CPU aside).")
    explain_indexes(user, position)


if __name__ == "__main__":
    main()
