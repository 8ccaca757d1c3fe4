"""Delivery: each channel's backend, retries with exponential backoff, failure after the last
attempt (or at once when the address can never work), what a sent row records, and two
dispatchers at once never sending a row twice."""

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from tests.helpers import with_teeth
from twp import messaging, tasks
from twp.models import Notification, NotificationQuerySet
from twp.services import notification_enqueue
from twp.tasks import MAX_ATTEMPTS, dispatch_notifications_task

pytestmark = pytest.mark.django_db

LOCMEM_SMS = "twp.messaging.LocmemSmsBackend"


@pytest.fixture
def sms_outbox(settings):
    settings.SMS_BACKEND = LOCMEM_SMS
    messaging.sms_outbox.clear()
    yield messaging.sms_outbox
    messaging.sms_outbox.clear()


def enqueue(key="k", **overrides):
    fields = {"kind": "test", "subject": "Recordatorio", "body": "Su contrato termina en 14 días."}
    return notification_enqueue(key=key, **{**fields, **overrides})


# --- Backoff -------------------------------------------------------------------------------------


def test_each_failed_attempt_waits_twice_as_long_as_the_one_before(staff_ontario, settings):
    settings.EMAIL_BACKEND = "tests.twp.failing_email.FailingBackend"
    notification = enqueue(recipient=staff_ontario)
    waits = []
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for attempt in range(1, MAX_ATTEMPTS):
            attempted_at = timezone.now()
            assert dispatch_notifications_task() == 0
            notification.refresh_from_db()
            assert (notification.status, notification.attempts) == (Notification.Status.PENDING, attempt)
            assert notification.last_attempt_at == attempted_at
            waits.append(notification.next_attempt_at - attempted_at)

            clock.move_to(notification.next_attempt_at - timedelta(seconds=1))
            dispatch_notifications_task()  # not due yet: not attempted
            notification.refresh_from_db()
            assert notification.attempts == attempt
            clock.move_to(notification.next_attempt_at)
    assert waits == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20), timedelta(minutes=40)]


def test_after_the_last_attempt_the_notification_is_failed_with_its_error(staff_ontario, settings):
    settings.EMAIL_BACKEND = "tests.twp.failing_email.FailingBackend"
    notification = enqueue(recipient=staff_ontario)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _attempt in range(MAX_ATTEMPTS):
            dispatch_notifications_task()
            clock.shift(tasks.RETRY_MAX_DELAY)
        notification.refresh_from_db()
        assert notification.status == Notification.Status.FAILED
        assert notification.attempts == MAX_ATTEMPTS
        assert notification.last_error == "SMTP server unreachable"
        assert notification.sent_at is None

        clock.shift(timedelta(days=1))
        assert dispatch_notifications_task() == 0  # failed rows are never tried again by themselves
    notification.refresh_from_db()
    assert notification.attempts == MAX_ATTEMPTS


def test_a_notification_sent_on_a_later_attempt_records_when_and_the_message_id(staff_ontario, settings):
    settings.EMAIL_BACKEND = "tests.twp.failing_email.FailingBackend"
    notification = enqueue(recipient=staff_ontario)
    dispatch_notifications_task()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        assert dispatch_notifications_task() == 1
        notification.refresh_from_db()
        assert notification.sent_at == timezone.now()
    assert (notification.status, notification.attempts) == (Notification.Status.SENT, 2)
    assert notification.provider_id == mail.outbox[0].extra_headers["Message-ID"]
    assert notification.provider_id.startswith("<") and notification.provider_id.endswith(">")


def test_a_backend_crash_is_recorded_and_does_not_undo_the_rest_of_the_batch(staff_ontario, monkeypatch):
    first = enqueue("k:1", recipient=staff_ontario)
    second = enqueue("k:2", recipient=staff_ontario)
    real_send = messaging.send

    def send(notification):
        if notification.pk == first.pk:
            raise RuntimeError("the backend has a bug")
        return real_send(notification)

    monkeypatch.setattr(messaging, "send", send)
    assert dispatch_notifications_task() == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.attempts, first.last_error) == (
        Notification.Status.PENDING, 1, "RuntimeError: the backend has a bug")
    assert second.status == Notification.Status.SENT


# --- SMS -----------------------------------------------------------------------------------------


def test_an_sms_is_written_by_the_console_backend_with_a_provider_id(staff_ontario, settings, capsys):
    settings.SMS_BACKEND = "twp.messaging.ConsoleSmsBackend"
    notification = enqueue(recipient=staff_ontario, channel=Notification.Channel.SMS, address="+52 55 1234 5678")
    assert dispatch_notifications_task() == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.address == "+525512345678"
    assert notification.provider_id.startswith("console-")
    output = capsys.readouterr().out
    assert f"SMS to +525512345678 ({notification.provider_id}):" in output
    assert "Su contrato termina en 14 días." in output
    assert len(mail.outbox) == 0  # the channel decides, never the e-mail backend


def test_an_sms_number_without_country_code_is_read_as_mexican_and_sent_in_e164(sms_outbox):
    enqueue(channel=Notification.Channel.SMS, address="55 1234 5678", language="es")
    assert dispatch_notifications_task() == 1
    assert sms_outbox == [{"to": "+525512345678", "body": "Su contrato termina en 14 días.", "id": "locmem-1"}]


def test_an_invalid_phone_number_fails_at_once_with_a_clear_error(sms_outbox):
    notification = enqueue(channel=Notification.Channel.SMS, address="12345", language="es")
    assert notification.address == "12345"  # recorded as given: the caller's change is not undone
    assert dispatch_notifications_task() == 0
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.FAILED, 1)
    assert notification.last_error == "Not a valid phone number (read as a number of MX unless it starts with +)"
    assert sms_outbox == []


def test_text_that_is_not_a_phone_number_fails_with_a_clear_error(sms_outbox):
    notification = enqueue(channel=Notification.Channel.SMS, address="ana@example.org", language="es")
    dispatch_notifications_task()
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.last_error.startswith("Not a phone number (")
    assert "ana@example.org" not in notification.last_error


def test_an_sms_without_a_number_is_refused_when_written(staff_ontario):
    with pytest.raises(ValueError, match="needs a phone number"):
        enqueue(recipient=staff_ontario, channel=Notification.Channel.SMS)
    assert not Notification.objects.exists()


# --- The provider adapter ------------------------------------------------------------------------


def test_the_provider_adapter_selected_without_credentials_is_a_clear_configuration_error(sms_outbox, settings):
    settings.SMS_BACKEND = "twp.messaging.HttpSmsBackend"
    with pytest.raises(ImproperlyConfigured, match="SMS_HTTP_URL, SMS_HTTP_TOKEN, SMS_SENDER are not set"):
        messaging.get_sms_backend()


class FakeResponse:
    def __init__(self, status_code, payload):
        self.status_code, self.payload, self.text = status_code, payload, str(payload)

    def json(self):
        return self.payload


@pytest.fixture
def provider(settings, monkeypatch):
    """The HTTP adapter configured, with ``requests.post`` answering what ``provider.answer`` says."""
    import requests

    settings.SMS_BACKEND = "twp.messaging.HttpSmsBackend"
    settings.SMS_HTTP_URL = "https://sms.example.org/v1/messages"
    settings.SMS_HTTP_TOKEN = "secret-token"
    settings.SMS_SENDER = "TWP"

    class Provider:
        answer = FakeResponse(201, {"id": "msg-123"})
        calls: list = []

    def post(url, **kwargs):
        Provider.calls.append({"url": url, **kwargs})
        return Provider.answer

    monkeypatch.setattr(requests, "post", post)
    return Provider


def test_the_provider_adapter_posts_the_documented_request_and_records_the_id(provider):
    notification = enqueue(channel=Notification.Channel.SMS, address="+1 416 555 0199", language="es")
    assert dispatch_notifications_task() == 1
    assert provider.calls == [{
        "url": "https://sms.example.org/v1/messages",
        "timeout": 10,
        "json": {"from": "TWP", "to": "+14165550199", "body": "Su contrato termina en 14 días."},
        "headers": {"Authorization": "Bearer secret-token"},
    }]
    notification.refresh_from_db()
    assert notification.provider_id == "msg-123"


@pytest.mark.parametrize(("status_code", "status"), [
    (400, Notification.Status.FAILED),  # the provider refuses this message: never retried
    (429, Notification.Status.PENDING),  # slow down: retried later
    (503, Notification.Status.PENDING),
])
def test_the_provider_refusing_fails_at_once_and_its_outages_are_retried(provider, status_code, status):
    provider.answer = FakeResponse(status_code, {"error": "nope"})
    notification = enqueue(channel=Notification.Channel.SMS, address="+1 416 555 0199", language="es")
    dispatch_notifications_task()
    notification.refresh_from_db()
    assert notification.status == status
    assert notification.last_error == f"SMS provider answered {status_code}: {{'error': 'nope'}}"


# --- Bulk inserts and concurrency ----------------------------------------------------------------


def test_a_row_inserted_without_the_delivery_columns_is_sent(staff_ontario):
    """The jobs insert with ``INSERT … ON CONFLICT (key) DO NOTHING``: the database fills the rest."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO twp_notification (key, kind, address, language, subject, body, created_at, updated_at)"
            " VALUES ('bulk:1', 'test', %s, 'es', 's', 'b', now(), now()) ON CONFLICT (key) DO NOTHING",
            [staff_ontario.email],
        )
    with time_machine.travel(timezone.now() + timedelta(seconds=1), tick=False):
        assert dispatch_notifications_task() == 1
    notification = Notification.objects.get(key="bulk:1")
    assert (notification.status, notification.attempts, notification.channel) == ("sent", 1, "email")
    assert notification.public_id is not None


class SlowLocmemSmsBackend(messaging.LocmemSmsBackend):
    """Takes a while per message, so that two dispatchers surely overlap."""

    def send_message(self, *, to, body):
        time.sleep(0.02)
        return super().send_message(to=to, body=body)


def without_row_locks(monkeypatch):
    monkeypatch.setattr(NotificationQuerySet, "select_for_update", lambda self, **kwargs: self)


@with_teeth(without_row_locks)
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_never_send_a_notification_twice(safeguard, settings, monkeypatch):
    settings.SMS_BACKEND = f"{__name__}.SlowLocmemSmsBackend"
    messaging.sms_outbox.clear()
    monkeypatch.setattr(tasks, "DISPATCH_BATCH_SIZE", 4)
    numbers = [f"+5255123456{index:02d}" for index in range(24)]
    for index, number in enumerate(numbers):
        enqueue(f"k:{index}", channel=Notification.Channel.SMS, address=number, language="es")

    barrier = threading.Barrier(2)
    sent = [None, None]

    def dispatcher(index):
        try:
            barrier.wait(timeout=30)
            sent[index] = dispatch_notifications_task()
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    try:
        assert sorted(message["to"] for message in messaging.sms_outbox) == numbers
        assert sum(sent) == len(numbers)
        assert all(sent)  # both took part: the rows locked by one were skipped, not waited for
        assert Notification.objects.filter(status=Notification.Status.SENT, attempts=1).count() == len(numbers)
    finally:
        messaging.sms_outbox.clear()
