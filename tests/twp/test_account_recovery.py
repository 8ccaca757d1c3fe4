"""Password reset by e-mail, and the e-mail verification that employer sign-up will use."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from tests.factories import EmployerUserFactory
from twp.models import Notification
from twp.security import client_ip_address
from twp.services import email_verification_send, email_verification_token

pytestmark = pytest.mark.django_db


def test_password_reset_sends_a_link_that_sets_a_new_password(client, employer_a_user):
    response = client.post("/accounts/password-reset/", {"email": employer_a_user.email})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Restablezca su contraseña de TWP"
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "A-new-long-password-77", "new_password2": "A-new-long-password-77"},
    )
    assert response["Location"] == "/accounts/password-reset/done/"
    employer_a_user.refresh_from_db()
    assert employer_a_user.check_password("A-new-long-password-77")


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client):
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.org"})
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert mail.outbox == []


def test_the_verification_link_marks_the_address_verified(client):
    user = EmployerUserFactory(username="new.employer", email="owner@farm.example")
    notification = email_verification_send(user=user, base_url="https://twp.example.org/")
    link = re.search(r"https://twp\.example\.org(/accounts/verify-email/\S+/)", notification.body).group(1)
    assert "owner" not in link and "farm" not in link  # no personal data in the URL
    response = client.get(link)
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert client.get(link).status_code == 200  # twice is harmless


def test_asking_twice_for_a_verification_sends_one_email(employer_a_user):
    email_verification_send(user=employer_a_user, base_url="https://twp.example.org")
    email_verification_send(user=employer_a_user, base_url="https://twp.example.org")
    assert Notification.objects.filter(kind="email-verification").count() == 1


def test_a_verification_link_for_an_old_address_does_not_verify_the_new_one(client, employer_a_user):
    token = email_verification_token(user=employer_a_user)
    employer_a_user.email = "someone.else@example.org"
    employer_a_user.save(update_fields=["email"])
    response = client.get(f"/accounts/verify-email/{token}/")
    assert response.status_code == 400
    employer_a_user.refresh_from_db()
    assert employer_a_user.email_verified_at is None


def test_an_expired_verification_link_is_refused(client, employer_a_user):
    token = email_verification_token(user=employer_a_user)
    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        response = client.get(f"/accounts/verify-email/{token}/")
    assert response.status_code == 400
    assert "Este enlace de verificación venció" in response.text
    employer_a_user.refresh_from_db()
    assert employer_a_user.email_verified_at is None


def test_a_tampered_verification_link_is_refused(client, employer_a_user):
    token = email_verification_token(user=employer_a_user)
    response = client.get(f"/accounts/verify-email/{token[:-2]}xx/")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "10.0.0.1"),  # no proxy configured: the header is not believed
        (1, "203.0.113.5", "203.0.113.5"),  # one proxy appended the address it saw
        (1, "198.51.100.66, 203.0.113.5", "203.0.113.5"),  # the client's own claim is ignored
        (2, "203.0.113.5", "10.0.0.1"),  # fewer entries than proxies: a forged setup
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(rf, proxies, forwarded, expected):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        assert client_ip_address(request) == expected
