"""Eleven wrong passwords lock the account, on the login page and the token endpoint alike;
X-Forwarded-For, which any client can forge, changes nothing."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import totp_code

pytestmark = pytest.mark.django_db

# AXES_FAILURE_LIMIT: the tenth failure in a row is already answered with the lockout.
FAILURE_LIMIT = 10


def wrong_password(client, username, **headers):
    return client.post(reverse("login"), {"username": username, "password": "wrong-password"}, headers=headers)


def test_nine_wrong_passwords_still_allow_the_right_one(client, employer_a_user, password):
    for _attempt in range(FAILURE_LIMIT - 1):
        assert wrong_password(client, employer_a_user.username).status_code == 200
    response = client.post(reverse("login"), {"username": employer_a_user.username, "password": password})
    assert response.status_code == 302


def test_eleven_wrong_passwords_lock_the_account_even_for_the_right_password(client, employer_a_user, password):
    statuses = [wrong_password(client, employer_a_user.username).status_code for _attempt in range(11)]
    assert statuses == [200] * 9 + [429, 429]
    response = wrong_password(client, employer_a_user.username)
    assert "Esta cuenta está bloqueada" in response.text
    response = client.post(reverse("login"), {"username": employer_a_user.username, "password": password})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_forged_x_forwarded_for_does_not_unlock_an_attacker(client, employer_a_user, password):
    for attempt in range(FAILURE_LIMIT):
        wrong_password(client, employer_a_user.username, X_Forwarded_For=f"203.0.113.{attempt}")
    response = client.post(
        reverse("login"),
        {"username": employer_a_user.username, "password": password},
        headers={"X-Forwarded-For": "198.51.100.77"},
    )
    assert response.status_code == 429


def test_a_forged_x_forwarded_for_does_not_lock_others_out(client, employer_a_user, employer_b_user, password):
    # The attacker claims to come from the victim's address, over and over.
    for _attempt in range(FAILURE_LIMIT + 1):
        wrong_password(client, employer_a_user.username, X_Forwarded_For="192.0.2.10")
    victim = client.__class__()
    response = victim.post(
        reverse("login"),
        {"username": employer_b_user.username, "password": password},
        headers={"X-Forwarded-For": "192.0.2.10"},
    )
    assert response.status_code == 302
    assert AccessAttempt.objects.filter(username=employer_b_user.username).count() == 0


def test_the_failures_are_recorded_against_the_real_address_not_the_claimed_one(client, employer_a_user):
    wrong_password(client, employer_a_user.username, X_Forwarded_For="198.51.100.1")
    attempt = AccessAttempt.objects.get(username=employer_a_user.username)
    assert attempt.ip_address == "127.0.0.1"


def test_the_token_endpoint_locks_the_same_account(api_client, staff_ontario, password):
    statuses = [
        api_client.post("/api/v1/auth/token/", {"username": staff_ontario.username, "password": "wrong"}).status_code
        for _attempt in range(11)
    ]
    assert statuses == [400] * 9 + [429, 429]
    response = api_client.post(
        "/api/v1/auth/token/",
        {"username": staff_ontario.username, "password": password, "otp": totp_code()},
        HTTP_X_FORWARDED_FOR="198.51.100.9",
    )
    assert response.status_code == 429
    assert response.json() == {
        "detail": "Esta cuenta está bloqueada por demasiados intentos fallidos de inicio de sesión. "
        "Inténtelo más tarde o pida a un administrador que la desbloquee."
    }


def test_failures_on_the_login_page_and_the_token_endpoint_add_up(client, api_client, employer_a_user, password):
    for _attempt in range(FAILURE_LIMIT // 2):
        wrong_password(client, employer_a_user.username)
        api_client.post("/api/v1/auth/token/", {"username": employer_a_user.username, "password": "wrong"})
    response = api_client.post("/api/v1/auth/token/", {"username": employer_a_user.username, "password": password})
    assert response.status_code == 429
