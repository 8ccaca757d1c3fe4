"""An administrator finds a notification that could not be delivered and queues it again."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.browser import audit
from tests.e2e.test_sign_in import sign_in
from twp.models import Notification

pytestmark = pytest.mark.e2e


def either(english: str, spanish: str) -> re.Pattern:
    return re.compile(rf"^\s*({re.escape(english)}|{re.escape(spanish)})\s*$")


FAILED_NOTIFICATIONS = either("Failed notifications", "Notificaciones fallidas")
RETRY = re.compile(r"^\s*(Retry|Reintentar)\b")
SEND_AGAIN = either("Send this notification again?", "¿Enviar esta notificación de nuevo?")
QUEUE_AGAIN = either("Queue it again", "Ponerla de nuevo en la cola")


def test_administrator_queues_a_failed_notification_again(page, administrator, staff_ontario):
    notification = Notification.objects.create(
        key="contract:1:return-reminder-3", kind="return-reminder", channel=Notification.Channel.SMS,
        recipient=staff_ontario, address="+525512345678", language="es", subject="Recordatorio",
        body="Su contrato termina en 3 días.", status=Notification.Status.FAILED, attempts=5,
        last_error="SMS provider answered 503: service unavailable", last_attempt_at=timezone.now(),
    )
    sign_in(page, administrator.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Lo que requiere atención hoy")
    audit(page)

    page.get_by_role("link", name=FAILED_NOTIFICATIONS).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(FAILED_NOTIFICATIONS)
    row = page.get_by_role("row").filter(has_text="return-reminder")
    expect(row).to_contain_text("+52••••••••78")
    expect(row).to_contain_text("SMS provider answered 503: service unavailable")
    expect(row).not_to_contain_text("5512345678")
    audit(page)

    row.get_by_role("link", name=RETRY).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SEND_AGAIN)
    audit(page)
    page.get_by_role("button", name=QUEUE_AGAIN).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(FAILED_NOTIFICATIONS)
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="return-reminder")).to_have_count(0)
    audit(page)
    notification.refresh_from_db()
    assert notification.status in (Notification.Status.PENDING, Notification.Status.SENT)  # a worker may be quick
    assert notification.attempts in (0, 1)
