"""Tasks run through a real Celery worker process and the real Redis broker, not eagerly."""

import time

import pytest
from django.db import transaction

from tests.celery_worker import running_worker
from twp.models import Notification
from twp.services import notification_enqueue
from twp.tasks import ping_task

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_a_task_round_trips_through_a_worker_process_and_redis():
    with running_worker() as worker:
        result = ping_task.delay("hello")
        assert result.get(timeout=30) == "pong:hello"
        assert worker.poll() is None


def test_a_notification_written_in_a_transaction_is_sent_by_the_worker_after_commit(tmp_path, staff_ontario):
    mail_dir = tmp_path / "mail"
    with running_worker(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=str(mail_dir)
    ):
        with transaction.atomic():
            notification = notification_enqueue(
                key="test:worker-sends", kind="test", recipient=staff_ontario, subject="Hola", body="Prueba"
            )
        for _attempt in range(200):
            notification.refresh_from_db()
            if notification.status == Notification.Status.SENT:
                break
            time.sleep(0.1)
    assert notification.status == Notification.Status.SENT
    sent_files = list(mail_dir.iterdir())
    assert len(sent_files) == 1
    assert "Subject: Hola" in sent_files[0].read_text()
