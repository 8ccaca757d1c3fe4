"""Background work of the twp app."""

import datetime
import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from twp.models import Notification

DISPATCH_BATCH_SIZE = 100
MAX_ATTEMPTS = 5
# Attempt n (n ≥ 1) that fails waits RETRY_BASE_DELAY × 2^(n-1): 5, 10, 20, 40 minutes, so a mail
# server or SMS provider that is down for an hour and a quarter loses nothing.
RETRY_BASE_DELAY = datetime.timedelta(minutes=5)
RETRY_MAX_DELAY = datetime.timedelta(hours=6)

logger = logging.getLogger(__name__)


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long a notification waits after its ``attempts``-th failed attempt."""
    return min(RETRY_BASE_DELAY * 2 ** (attempts - 1), RETRY_MAX_DELAY)


@shared_task
def ping_task(value: str) -> str:
    """Answers with what it was sent: proves a worker, the broker and the result backend work."""
    return f"pong:{value}"


@shared_task
def dispatch_notifications_task() -> int:
    """Send the notifications that are due, in batches; returns how many were sent.

    Rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and stay locked until their batch's
    outcome commits, so two dispatchers never send the same row; a crash before commit leaves the
    batch pending for the next run (at-least-once: e-mail and SMS cannot be made exactly-once).
    A failed attempt is retried later (``retry_delay``); after ``MAX_ATTEMPTS``, or at once when
    the failure is permanent, the row is ``failed``. Two queries per batch (the claim and one
    ``bulk_update``); a run ends when nothing is due, and each row is attempted at most once per run
    (a failed one is due only later)."""
    from twp import messaging

    sent = 0
    while True:
        with transaction.atomic():
            now = timezone.now()
            batch = list(
                Notification.objects.due(now)
                .select_for_update(skip_locked=True)
                .order_by("next_attempt_at", "id")[:DISPATCH_BATCH_SIZE]
            )
            if not batch:
                return sent
            for notification in batch:
                notification.attempts += 1
                notification.last_attempt_at = now
                try:
                    notification.provider_id = messaging.send(notification)[:200]
                except messaging.DeliveryError as error:
                    _record_failure(notification, str(error), permanent=error.permanent, now=now)
                except Exception as error:
                    # A backend's unexpected error must not roll back the batch: the rows already
                    # sent in it would be sent again by the next run. Recorded, logged, retried.
                    logger.exception("Notification %s: unexpected error from its backend", notification.pk)
                    _record_failure(notification, f"{type(error).__name__}: {error}", permanent=False, now=now)
                else:
                    notification.status = Notification.Status.SENT
                    notification.sent_at = now
                    sent += 1
            Notification.objects.bulk_update(
                batch,
                ["attempts", "last_attempt_at", "next_attempt_at", "last_error", "provider_id", "status", "sent_at"],
            )


def _record_failure(notification: Notification, error: str, *, permanent: bool, now: datetime.datetime) -> None:
    notification.last_error = error[:2000]
    if permanent or notification.attempts >= MAX_ATTEMPTS:
        notification.status = Notification.Status.FAILED
        logger.warning("Notification %s failed after %s attempt(s): %s", notification.pk, notification.attempts, error)
    else:
        notification.next_attempt_at = now + retry_delay(notification.attempts)


@shared_task
def run_import_task(job_id: int) -> str:
    """Run (or resume) an import job; a job already done is not run again."""
    from twp.imports.services import import_job_run

    return import_job_run(job_id=job_id).status


@shared_task
def purge_idempotency_records_task() -> int:
    """Forget Idempotency-Key answers past their keeping time (daily)."""
    from twp.idempotency import idempotency_records_purge

    return idempotency_records_purge()


@shared_task
def purge_export_jobs_task() -> int:
    """Delete export jobs and their files past their keeping time (daily)."""
    from twp.export_jobs import export_jobs_purge

    return export_jobs_purge()


@shared_task
def export_list_task(job_id: int) -> str:
    """Write an export job's file; a job already done (or failed) is not written again."""
    from twp.export_jobs import export_job_run

    return export_job_run(job_id=job_id).status
