"""A real Celery worker process for tests, on the real Redis and the test database."""

import contextlib
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[1]
READY_TIMEOUT_SECONDS = 60


def worker_environment(**extra) -> dict:
    database = settings.DATABASES["default"]  # inside a test: the test database
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://{database['USER']}@/{database['NAME']}",
        PGHOST=str(database["HOST"]),
        PGPORT=str(database["PORT"]),
        REDIS_URL=settings.REDIS_URL if not settings.EMBEDDED_REDIS else "",
        CELERY_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE,
    )
    if settings.EMBEDDED_REDIS:
        del env["REDIS_URL"]  # the worker joins the same embedded Redis
    env.update(extra)
    return env


@contextlib.contextmanager
def running_worker(**extra_env):
    """Start ``celery worker`` in a child process, wait until it answers, stop it afterwards."""
    from twp.tasks import ping_task

    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "twp", "worker",
            "--queues", settings.CELERY_TASK_DEFAULT_QUEUE,
            "--concurrency", "1",
            "--loglevel", "WARNING",
            "--without-heartbeat", "--without-mingle", "--without-gossip",
        ],
        cwd=BASE_DIR,
        env=worker_environment(**extra_env),
    )
    try:
        ping_task.delay("ready").get(timeout=READY_TIMEOUT_SECONDS)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
