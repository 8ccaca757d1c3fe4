"""Loaded first (``-p tests.plugin``): what every test run reports about itself.

- the header names the PostgreSQL and Redis servers the suite ran on;
- the summary prints each suite's time (unit, celery, e2e, fuzz, …);
- embedded servers that this pytest process started are stopped at the end, and only those;
- every log record of the run is captured, and a CURP in any of them fails the run.
"""

import logging
import os
import re
import time
from collections import defaultdict

import pytest

# Before settings load: this run's tasks go to a queue of its own, so a `make run` worker on
# the same Redis never takes them, and the test worker process (which inherits this) does.
os.environ.setdefault("CELERY_QUEUE", f"twp-test-{os.getpid()}")
# Cache entries (DRF's throttle counters among them) of this run stay apart from any other run's
# and from `make run`; every test client comes from 127.0.0.1, so the anonymous rate is raised
# for the suite and the throttling tests lower it where they prove it.
os.environ.setdefault("CACHE_KEY_PREFIX", f"twp-test-{os.getpid()}")
os.environ.setdefault("API_THROTTLE_ANON", "100000/minute")
os.environ.setdefault("API_THROTTLE_USER", "100000/minute")

SUITE_MARKERS = ("e2e", "fuzz", "celery")
_suite_seconds: dict[str, float] = defaultdict(float)
_suite_counts: dict[str, int] = defaultdict(int)


def suite_of(item) -> str:
    for marker in SUITE_MARKERS:
        if item.get_closest_marker(marker):
            return marker
    return "unit"


# The same shape as twp.security.CURP_PATTERN, written again here so that a change there cannot
# silently weaken the check of the whole run.
CURP_IN_LOGS = re.compile(r"[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d", re.IGNORECASE)


class PersonalDataLogAudit(logging.Handler):
    """Attached to the root logger for the whole run: keeps every formatted record that shows a
    CURP (the masking in twp.security must have removed it) and counts the others."""

    def __init__(self):
        super().__init__(level=logging.NOTSET)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.records = 0
        self.leaks: list[str] = []

    def emit(self, record):
        try:
            line = self.format(record)
        except Exception:
            line = repr(record.__dict__)
        self.records += 1
        if CURP_IN_LOGS.search(line):
            self.leaks.append(line[:500])


LOG_AUDIT = PersonalDataLogAudit()


def pytest_sessionstart(session):
    # After Django's LOGGING configuration (pytest-django sets Django up before this hook),
    # which would otherwise remove the handler from the root logger.
    logging.getLogger().addHandler(LOG_AUDIT)


def pytest_sessionfinish(session, exitstatus):
    logging.getLogger().removeHandler(LOG_AUDIT)
    if LOG_AUDIT.leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.section("CURP found in the logs", red=True)
            for line in LOG_AUDIT.leaks[:20]:
                reporter.write_line(line)


def pytest_report_header(config):
    import psycopg2
    import redis
    from django.conf import settings

    database = settings.DATABASES["default"]
    if settings.EMBEDDED_POSTGRES:
        from twp import embedded

        embedded.postgres()  # this process starts it (and stops it at the end) if none runs
    connection = psycopg2.connect(
        dbname=database["NAME"],
        user=database["USER"],
        password=database["PASSWORD"],
        host=database["HOST"],
        port=database["PORT"],
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            postgres_version = cursor.fetchone()[0]
    finally:
        connection.close()
    redis_version = redis.Redis.from_url(settings.REDIS_URL).info()["redis_version"]
    where_pg = "embedded" if settings.EMBEDDED_POSTGRES else "DATABASE_URL"
    where_redis = "embedded" if settings.EMBEDDED_REDIS else "REDIS_URL"
    return [f"database: PostgreSQL {postgres_version} ({where_pg}); broker: Redis {redis_version} ({where_redis})"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    started = time.monotonic()
    try:
        return (yield)
    finally:
        suite = suite_of(item)
        _suite_seconds[suite] += time.monotonic() - started
        _suite_counts[suite] += 1
        if suite == "e2e" and getattr(item, "report_call", None) is not None and item.report_call.passed:
            from tests.report import count

            count("E2E paths passed")


def pytest_terminal_summary(terminalreporter):
    from tests.report import COUNTS

    COUNTS["log records checked for CURPs"] = LOG_AUDIT.records
    if COUNTS:
        terminalreporter.section("what the proof suites covered")
        for name, amount in sorted(COUNTS.items()):
            terminalreporter.write_line(f"{name:<28} {amount:>6}")
    if not _suite_seconds:
        return
    terminalreporter.section("time per suite")
    for suite in sorted(_suite_seconds, key=_suite_seconds.get, reverse=True):
        terminalreporter.write_line(
            f"{suite:<8} {_suite_counts[suite]:>5} tests {_suite_seconds[suite]:>8.1f} s"
        )


def pytest_unconfigure(config):
    from twp import embedded

    embedded.stop_started_here()
