"""The nightly jobs in a real Celery worker process, on the real Redis and the test database:
each due reminder is recorded exactly once whatever happens to the worker or the broker.

- run twice (two beat processes): nothing new the second time;
- the pool child SIGKILLed mid-batch: acks_late + reject_on_worker_lost put the task back at once
  and the rerun finishes the work;
- the whole worker SIGKILLed mid-batch: nobody rejects the task; Redis hands it out again only
  ``visibility_timeout`` after it was taken. Here the workers run with ``CELERY_VISIBILITY_TIMEOUT=2``
  (seconds; restore sweep every second) instead of production's 3600, and the next beat run, which
  sweeps the database again, finishes the work too;
- Redis emptied (FLUSHALL) before a run: the lost message loses nothing, the next run does it all.

"Mid-batch" is made deterministic without a hook in the code: the test holds, in an open
transaction, a notification row with the key of a reminder of the job's second batch, so the
job's ``INSERT … ON CONFLICT`` waits on it after its first batch committed; the test kills the
process while it waits, then rolls its row back. Batches of 4 (``JOB_BATCH_SIZE``), 12 reminders."""

import contextlib
import datetime
import decimal
import os
import signal
import threading
import time

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction

from contracts.jobs import reminder_key
from contracts.models import Contract, ContractStatus, ExpectedReturn
from contracts.tasks import expire_contracts_task, send_return_reminders_task
from employers.models import RequestStatus
from tests.celery_worker import running_worker
from tests.factories import WorkerFactory, WorkerRequestFactory
from twp.models import Notification
from workers.models import WorkerStatus

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

AS_OF = datetime.date(2027, 6, 15)
REMINDERS = 12
TIMEOUT_SECONDS = 15
WORKER_ENV = {"JOB_BATCH_SIZE": "4", "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
# Production keeps 3600 s (twp/settings.py); a whole-worker kill is redelivered after this here.
SHORT_VISIBILITY = {"CELERY_VISIBILITY_TIMEOUT": "2", "CELERY_UNACKED_RESTORE_INTERVAL": "1",
                    "CELERY_UNACKED_RESTORE_THROTTLE": "1"}


@pytest.fixture
def reminders_due(program, employer_a):
    """12 active contracts ending 3 days after AS_OF (each worker due the 3-day reminder) and 5
    ending on AS_OF (due to be ended); returns the reminders' keys in the job's order."""
    request = WorkerRequestFactory(program=program, employer=employer_a, status=RequestStatus.FILLED,
                                   workers_requested=20)

    def contract(end):
        worker = WorkerFactory(phone="+52 246 123 4567", status=WorkerStatus.ABROAD)
        return Contract.objects.create(
            request=request, worker=worker, program=program, season=end.year, start_date=end - datetime.timedelta(84),
            end_date=end, wage_amount=decimal.Decimal("17.60"), wage_currency="CAD", hours_per_week=40,
            status=ContractStatus.ACTIVE, worker_status_before=WorkerStatus.ELIGIBLE)

    for _ in range(5):
        contract(AS_OF)
    ending = [contract(AS_OF + datetime.timedelta(days=3)) for _ in range(REMINDERS)]
    return [reminder_key(item.pk, "before-end-3", item.end_date) for item in ending]


def recorded(keys) -> list[str]:
    return sorted(Notification.objects.filter(key__in=keys).values_list("key", flat=True))


def wait_until(condition, what: str, timeout: float = TIMEOUT_SECONDS):
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def holding(key: str):
    """Hold an uncommitted notification row with ``key`` in another connection (a thread) until
    the block ends; then roll it back."""
    held, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                Notification.objects.create(key=key, kind="test-hold", address="hold@example.org", language="es",
                                            subject="hold", body="hold")
                held.set()
                release.wait(timeout=60)
                transaction.set_rollback(True)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(timeout=10)
    try:
        yield
    finally:
        release.set()
        thread.join(timeout=10)


def job_waits_on_the_held_row() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("""SELECT count(*) FROM pg_stat_activity
                          WHERE datname = current_database() AND wait_event_type = 'Lock'
                            AND query LIKE 'INSERT INTO "twp_notification"%%'""")
        return cursor.fetchone()[0] == 1


def pool_children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return [int(child) for child in children.read().split()]


def test_the_jobs_end_contracts_and_record_each_reminder_once_even_run_twice(reminders_due):
    with running_worker(**WORKER_ENV):
        expired = expire_contracts_task.delay(AS_OF.isoformat()).get(timeout=TIMEOUT_SECONDS)
        first = send_return_reminders_task.delay(AS_OF.isoformat()).get(timeout=TIMEOUT_SECONDS)
        # A second beat process, or the same one again: both runs at once, then once more.
        again = [send_return_reminders_task.delay(AS_OF.isoformat()), expire_contracts_task.delay(AS_OF.isoformat())]
        again = [result.get(timeout=TIMEOUT_SECONDS) for result in again]
    assert (expired["ended"], expired["batches"]) == (5, 2)
    assert (first["before_end"], first["notifications"], first["batches"], first["tasks_queued"]) == (12, 12, 3, 1)
    assert (again[0]["notifications"], again[1]["ended"]) == (0, 0)
    assert recorded(reminders_due) == sorted(reminders_due)
    assert Notification.objects.count() == REMINDERS
    assert ExpectedReturn.objects.count() == Contract.objects.filter(status=ContractStatus.ENDED).count() == 5


def test_a_pool_child_killed_mid_batch_is_redelivered_at_once_and_finishes(reminders_due):
    with running_worker(**WORKER_ENV) as worker:
        [child] = pool_children(worker.pid)
        with holding(reminders_due[5]):  # in the second batch
            result = send_return_reminders_task.delay(AS_OF.isoformat())
            wait_until(job_waits_on_the_held_row, "the job to wait on the held row")
            assert recorded(reminders_due) == sorted(reminders_due[:4])  # the first batch committed
            os.kill(child, signal.SIGKILL)
        rerun = result.get(timeout=TIMEOUT_SECONDS)  # the same task, taken again by a new child
        assert pool_children(worker.pid) != [child]
    assert rerun["before_end"] == REMINDERS - 4
    assert recorded(reminders_due) == sorted(reminders_due)
    assert Notification.objects.count() == REMINDERS


def test_a_whole_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(reminders_due):
    with running_worker(**WORKER_ENV, **SHORT_VISIBILITY) as worker:
        [child] = pool_children(worker.pid)
        with holding(reminders_due[5]):
            killed = send_return_reminders_task.delay(AS_OF.isoformat())
            wait_until(job_waits_on_the_held_row, "the job to wait on the held row")
            os.kill(worker.pid, signal.SIGKILL)  # the machine is gone: no one rejects the task
            os.kill(child, signal.SIGKILL)
            worker.wait()
        assert recorded(reminders_due) == sorted(reminders_due[:4])
    with running_worker(**WORKER_ENV, **SHORT_VISIBILITY):
        # The next beat run sweeps the database again; the killed run's message comes back after
        # the visibility timeout and finds nothing left to do (or does it first: either way once).
        next_run = send_return_reminders_task.delay(AS_OF.isoformat()).get(timeout=TIMEOUT_SECONDS)
        redelivered = killed.get(timeout=TIMEOUT_SECONDS)
    assert next_run["before_end"] + redelivered["before_end"] == REMINDERS - 4
    assert recorded(reminders_due) == sorted(reminders_due)
    assert Notification.objects.count() == REMINDERS


def test_emptying_redis_before_a_run_loses_nothing(reminders_due):
    from twp.celery import app

    send_return_reminders_task.delay(AS_OF.isoformat())  # no worker yet: the message waits in Redis
    redis.Redis.from_url(settings.REDIS_URL).flushall()
    # The queue's routing went with it, and this process remembers having declared it: declare it
    # again, as a starting worker does, so that the test's own messages (the ping) are routed.
    with app.connection_for_write() as broker:
        app.amqp.queues[settings.CELERY_TASK_DEFAULT_QUEUE].bind(broker.default_channel).declare()
    with running_worker(**WORKER_ENV):
        time.sleep(0.5)
        assert Notification.objects.count() == 0  # the message is lost
        # The next beat run does everything the lost one would have.
        run = send_return_reminders_task.delay(AS_OF.isoformat()).get(timeout=TIMEOUT_SECONDS)
    assert run["before_end"] == REMINDERS
    assert recorded(reminders_due) == sorted(reminders_due)
