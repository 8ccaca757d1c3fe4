"""Background work of the twp app."""

from celery import shared_task
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from twp.models import Notification

DISPATCH_BATCH_SIZE = 100
MAX_ATTEMPTS = 5


@shared_task
def ping_task(value: str) -> str:
    """Answers with what it was sent: proves a worker, the broker and the result backend work."""
    return f"pong:{value}"


@shared_task
def dispatch_notifications_task() -> int:
    """Send pending notifications in batches; returns how many were sent.

    Rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` so two dispatchers never send the
    same row; a crash before commit leaves the row pending for the next run (at-least-once for
    e-mail, which cannot be made exactly-once)."""
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(
                Notification.objects.pending()
                .filter(attempts__lt=MAX_ATTEMPTS)
                .select_for_update(skip_locked=True)
                .order_by("id")[:DISPATCH_BATCH_SIZE]
            )
            if not batch:
                return sent
            now = timezone.now()
            for notification in batch:
                notification.attempts += 1
                try:
                    EmailMessage(notification.subject, notification.body, to=[notification.address]).send()
                except OSError as error:
                    notification.last_error = str(error)[:2000]
                    if notification.attempts >= MAX_ATTEMPTS:
                        notification.status = Notification.Status.FAILED
                else:
                    notification.status = Notification.Status.SENT
                    notification.sent_at = now
                    sent += 1
            Notification.objects.bulk_update(batch, ["attempts", "last_error", "status", "sent_at"])


@shared_task
def run_import_task(job_id: int) -> str:
    """Run (or resume) an import job; a job already done is not run again."""
    from twp.imports.services import import_job_run

    return import_job_run(job_id=job_id).status
