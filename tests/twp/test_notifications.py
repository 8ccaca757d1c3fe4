"""The outbox: a notification is written with its cause and sent once, whatever reruns."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from tests.helpers import with_teeth
from twp.models import Notification, NotificationQuerySet
from twp.services import notification_enqueue
from twp.tasks import dispatch_notifications_task

pytestmark = pytest.mark.django_db


def without_unique_key(monkeypatch):
    """The bug this test is about: no unique key in the database, and a service that just inserts."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'twp_notification'::regclass AND contype = 'u'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'ALTER TABLE twp_notification DROP CONSTRAINT "{name}"')  # rolled back with the test
    monkeypatch.setattr(
        NotificationQuerySet, "get_or_create", lambda self, key, defaults: (self.create(key=key, **defaults), True)
    )


@with_teeth(without_unique_key)
def test_a_notification_written_twice_with_one_key_is_sent_once(safeguard, staff_ontario):
    first = notification_enqueue(key="contract:1:reminder-14", kind="reminder", recipient=staff_ontario,
                                 subject="Recordatorio", body="Su contrato termina en 14 días.")
    second = notification_enqueue(key="contract:1:reminder-14", kind="reminder", recipient=staff_ontario,
                                  subject="Recordatorio", body="Su contrato termina en 14 días.")
    assert first.pk == second.pk
    assert dispatch_notifications_task() == 1
    assert dispatch_notifications_task() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [staff_ontario.email]
    first.refresh_from_db()
    assert first.status == Notification.Status.SENT
    assert first.attempts == 1


def test_notification_is_rendered_in_the_recipients_language(staff_ontario, employer_a_user):
    from django.utils.translation import gettext_lazy as _

    spanish = notification_enqueue(key="k:es", kind="test", recipient=staff_ontario, subject=_("Sign in"), body="-")
    english = notification_enqueue(key="k:en", kind="test", recipient=employer_a_user, subject=_("Sign in"), body="-")
    assert (spanish.language, spanish.subject) == ("es", "Iniciar sesión")
    assert (english.language, english.subject) == ("en", "Sign in")


def test_a_failing_send_is_retried_then_marked_failed(staff_ontario, settings):
    settings.EMAIL_BACKEND = "tests.twp.failing_email.FailingBackend"
    notification = notification_enqueue(key="k:fail", kind="test", recipient=staff_ontario, subject="s", body="b")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _attempt in range(5):
            assert dispatch_notifications_task() == 0
            clock.shift(timedelta(hours=6))  # past any backoff
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 5
    assert "SMTP server unreachable" in notification.last_error
