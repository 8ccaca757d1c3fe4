"""Administrators see the notifications that could not be delivered and queue them again;
for everyone else the pages do not exist (404)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.helpers import assert_constant_queries
from twp.models import Notification

pytestmark = pytest.mark.django_db

FAILED_LIST = reverse("notification-failed-list")


def failed_notification(index=0, **fields):
    return Notification.objects.create(**{
        "key": f"test:{index}", "kind": "return-reminder", "address": f"worker{index}@example.org",
        "language": "es", "subject": "Recordatorio", "body": "Su contrato termina pronto.",
        "status": Notification.Status.FAILED, "attempts": 5, "last_error": "SMTP server unreachable",
        "last_attempt_at": timezone.now() - timedelta(minutes=index), **fields,
    })


def retry_url(notification):
    return reverse("notification-retry", args=[notification.public_id])


def test_the_administrator_sees_failed_notifications_with_addresses_masked(sign_in, administrator, staff_ontario):
    email = failed_notification(1, recipient=staff_ontario, address="ana.lopez@example.org")
    sms = failed_notification(2, channel=Notification.Channel.SMS, address="+525512345678",
                              last_error="SMS provider answered 400: unknown subscriber")
    failed_notification(3, status=Notification.Status.SENT, sent_at=timezone.now())
    failed_notification(4, status=Notification.Status.PENDING, attempts=2)

    response = sign_in(administrator).get(FAILED_LIST, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.context["notifications"] == [email, sms]  # failed only, latest attempt first
    page = response.text
    assert "a•••@example.org" in page
    assert "+52••••••••78" in page
    assert "ana.lopez@" not in page
    assert "5512345678" not in page
    assert staff_ontario.get_full_name() in page
    assert "SMTP server unreachable" in page
    assert retry_url(email) in page


def test_without_failed_notifications_the_page_says_so(sign_in, administrator):
    response = sign_in(administrator).get(FAILED_LIST, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["notifications"] == []
    assert "No failed notifications" in response.text


def test_the_administrators_menu_links_to_failed_notifications(sign_in, administrator, staff_ontario):
    assert FAILED_LIST in sign_in(administrator).get(reverse("staff-home")).text
    assert FAILED_LIST not in sign_in(staff_ontario).get(reverse("staff-home")).text


def test_failed_notifications_are_paginated(sign_in, administrator):
    for index in range(3):
        failed_notification(index)
    response = sign_in(administrator).get(FAILED_LIST, {"page_size": 2, "page": 2})
    assert [notification.key for notification in response.context["notifications"]] == ["test:2"]


def test_the_failed_list_costs_the_same_queries_whatever_the_page_size(sign_in, administrator, staff_ontario):
    for index in range(12):
        failed_notification(index, recipient=staff_ontario if index % 2 else None)
    client = sign_in(administrator)
    client.get(FAILED_LIST)  # the session's first request also saves it
    count = assert_constant_queries(client, FAILED_LIST, rows=lambda response: response.context["notifications"])
    # The session, the user, the OTP device; then the page: the count and the rows (recipients joined).
    assert count == 5


@pytest.mark.parametrize("persona", ["staff_ontario", "staff_tlaxcala", "employer_a"])
def test_failed_notifications_do_not_exist_for_anyone_but_administrators(sign_in, personas, persona):
    notification = failed_notification(recipient=personas[persona])
    client = sign_in(personas[persona])
    assert client.get(FAILED_LIST).status_code == 404
    assert client.get(retry_url(notification)).status_code == 404
    assert client.post(retry_url(notification)).status_code == 404
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.FAILED, 5)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    notification = failed_notification()
    for response in (client.get(FAILED_LIST), client.post(retry_url(notification))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED


def test_the_retry_asks_for_confirmation_first(sign_in, administrator):
    notification = failed_notification()
    response = sign_in(administrator).get(retry_url(notification), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Send this notification again?" in response.text
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED


def test_the_administrator_queues_a_failed_notification_again(
    sign_in, administrator, django_capture_on_commit_callbacks
):
    notification = failed_notification(last_attempt_at=timezone.now() - timedelta(days=1))
    client = sign_in(administrator)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(retry_url(notification))
    assert response.status_code == 302
    assert response["Location"] == FAILED_LIST
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.PENDING, 0)
    assert notification.next_attempt_at <= timezone.now()
    assert notification.last_error == "SMTP server unreachable"  # until an attempt replaces it
    assert len(callbacks) == 1  # the dispatcher, queued after commit
    assert client.get(FAILED_LIST).context["notifications"] == []


def test_a_notification_that_is_no_longer_failed_is_not_queued_again(sign_in, administrator):
    notification = failed_notification(status=Notification.Status.SENT, sent_at=timezone.now(), attempts=3)
    client = sign_in(administrator)
    response = client.post(retry_url(notification), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "no longer failed" in response.text
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.SENT, 3)
