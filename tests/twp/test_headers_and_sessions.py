"""Security headers on pages and API answers; sessions that end; deactivation that ends everything."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from twp.services import user_deactivate

pytestmark = pytest.mark.django_db


def assert_security_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert set(response["Cache-Control"].split(", ")) == {
        "max-age=0", "no-cache", "no-store", "must-revalidate", "private"
    }


def test_an_html_page_with_personal_data_carries_the_security_headers(sign_in, staff_ontario):
    response = sign_in(staff_ontario).get("/staff/")
    assert response.status_code == 200
    assert_security_headers(response)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


def test_an_api_answer_carries_the_security_headers(api_as, staff_ontario, program):
    response = api_as(staff_ontario).get("/api/v1/programs/")
    assert response.status_code == 200
    assert_security_headers(response)


def test_the_api_docs_page_loads_its_script_from_a_file(client):
    response = client.get("/api/docs/")
    assert "<script>" not in response.text
    assert 'src="/api/docs/?script=' in response.text
    script = client.get("/api/docs/", {"script": ""})
    assert script["Content-Type"] == "application/javascript"
    assert "SwaggerUIBundle" in script.text


# --- Session lifetime ------------------------------------------------------------------------


def test_a_session_ends_after_thirty_idle_minutes(sign_in, staff_ontario):
    client = sign_in(staff_ontario)
    with time_machine.travel(timezone.now() + timedelta(minutes=29)):
        assert client.get("/staff/").status_code == 200  # activity renews the idle expiry
    with time_machine.travel(timezone.now() + timedelta(minutes=29 + 29)):
        assert client.get("/staff/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=29 + 29 + 31)):
        response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_busy_session_still_ends_twelve_hours_after_signing_in(sign_in, staff_ontario):
    client = sign_in(staff_ontario)
    start = timezone.now()
    for minutes in range(20, 12 * 60, 20):  # a request every 20 minutes, all day long
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert client.get("/staff/").status_code == 200, minutes
    with time_machine.travel(start + timedelta(hours=12, minutes=5)):
        response = client.get("/staff/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_logout_deletes_the_session(sign_in, staff_ontario):
    client = sign_in(staff_ontario)
    session_key = client.session.session_key
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=session_key).exists()


def test_revoking_the_token_ends_it(api_client, employer_a_user, password):
    token = api_client.post(
        "/api/v1/auth/token/", {"username": employer_a_user.username, "password": password}
    ).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.post("/api/v1/auth/token/revoke/").status_code == 204
    assert AuthToken.objects.filter(user=employer_a_user).count() == 0


# --- Deactivation ----------------------------------------------------------------------------


def test_deactivation_kills_tokens_and_sessions(sign_in, administrator, employer_a_user, employer_b_user):
    _instance, token = AuthToken.objects.create(employer_a_user)
    AuthToken.objects.create(employer_b_user)
    browser = sign_in(employer_a_user)
    user_deactivate(user=employer_a_user, by=administrator)

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/employers/").status_code == 401
    assert AuthToken.objects.filter(user=employer_a_user).count() == 0
    assert AuthToken.objects.filter(user=employer_b_user).count() == 1
    assert [
        session.get_decoded().get("_auth_user_id") for session in Session.objects.all()
    ].count(str(employer_a_user.pk)) == 0
    assert browser.get("/portal/").status_code == 302
    employer_a_user.refresh_from_db()
    assert employer_a_user.is_active is False


def test_only_an_administrator_deactivates(staff_ontario, employer_a_user):
    from django.core.exceptions import PermissionDenied

    AuthToken.objects.create(employer_a_user)
    with pytest.raises(PermissionDenied):
        user_deactivate(user=employer_a_user, by=staff_ontario)
    employer_a_user.refresh_from_db()
    assert employer_a_user.is_active is True
    assert AuthToken.objects.filter(user=employer_a_user).count() == 1
