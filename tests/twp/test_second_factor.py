"""Administrators and office staff need a second factor (TOTP); employers may have one."""

import pytest
from django.urls import reverse

from tests.factories import TOTPDeviceFactory, UserFactory, totp_code
from twp.models import Program

pytestmark = pytest.mark.django_db


def password_only(client, user, password):
    """The first step of signing in, and nothing more."""
    response = client.post(reverse("login"), {"username": user.username, "password": password})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("path", ["/", "/staff/", "/admin/", "/admin-tools/service-accounts/", "/portal/"])
def test_staff_session_without_the_second_factor_reaches_no_page(client, administrator, password, path):
    password_only(client, administrator, password)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/second-factor/?next={path.replace('/', '%2F')}"


@pytest.mark.parametrize("path", ["/api/v1/programs/", "/api/v1/offices/", "/api/v1/employers/"])
def test_staff_session_without_the_second_factor_is_refused_by_every_endpoint(
    client, staff_ontario, password, program, path
):
    password_only(client, staff_ontario, password)
    response = client.get(path)
    assert response.status_code == 401
    assert response.json() == {"detail": "Escriba su código de segundo factor antes de usar la API."}


def test_staff_session_without_the_second_factor_cannot_write_through_the_api(
    client, administrator, password, program
):
    password_only(client, administrator, password)
    response = client.patch(
        f"/api/v1/programs/{program.pk}/", {"return_grace_days": 30}, content_type="application/json"
    )
    assert response.status_code == 401
    program.refresh_from_db()
    assert program.return_grace_days == 7


def test_the_right_code_opens_the_staff_pages(client, staff_ontario, password):
    password_only(client, staff_ontario, password)
    response = client.post("/accounts/second-factor/?next=/staff/", {"otp": totp_code(), "next": "/staff/"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert client.get("/api/v1/programs/").status_code == 200


def test_a_wrong_code_keeps_the_staff_out(client, staff_ontario, password):
    password_only(client, staff_ontario, password)
    wrong = "000000" if totp_code() != "000000" else "111111"
    response = client.post("/accounts/second-factor/", {"otp": wrong, "next": "/staff/"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "otp": ["El código es incorrecto o ya venció. Escriba el código actual."]
    }
    assert client.get("/staff/").status_code == 302


def test_staff_without_a_device_is_told_to_ask_an_administrator(client, office_ontario, password):
    newcomer = UserFactory(username="staff.new", office=office_ontario)
    password_only(client, newcomer, password)
    response = client.get("/accounts/second-factor/")
    assert response.status_code == 403
    assert "Pida a un administrador del programa que lo configure" in response.text
    assert client.get("/staff/").status_code == 302


def test_the_second_factor_page_does_not_redirect_to_another_site(client, staff_ontario, password):
    password_only(client, staff_ontario, password)
    response = client.post("/accounts/second-factor/", {"otp": totp_code(), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_employer_without_a_device_signs_in_with_the_password_only(client, employer_a_user, password):
    password_only(client, employer_a_user, password)
    assert client.get("/portal/").status_code == 200


def test_employer_who_enrolled_a_device_must_give_the_code(client, employer_a_user, password):
    TOTPDeviceFactory(user=employer_a_user)
    password_only(client, employer_a_user, password)
    assert client.get("/portal/").status_code == 302
    client.post("/accounts/second-factor/", {"otp": totp_code(), "next": "/portal/"})
    assert client.get("/portal/").status_code == 200


# --- The token endpoint ---------------------------------------------------------------------


def test_a_token_for_staff_needs_the_code(api_client, staff_ontario, password):
    response = api_client.post("/api/v1/auth/token/", {"username": staff_ontario.username, "password": password})
    assert response.status_code == 400
    assert response.json() == {"otp": ["Escriba el código de 6 dígitos de su aplicación de autenticación."]}


def test_a_token_for_staff_with_a_wrong_code_is_refused(api_client, staff_ontario, password):
    wrong = "000000" if totp_code() != "000000" else "111111"
    response = api_client.post(
        "/api/v1/auth/token/", {"username": staff_ontario.username, "password": password, "otp": wrong}
    )
    assert response.status_code == 400
    assert response.json() == {"otp": ["El código es incorrecto o ya venció. Escriba el código actual."]}


def test_staff_without_a_device_gets_no_token(api_client, office_ontario, password):
    newcomer = UserFactory(username="staff.new", office=office_ontario)
    response = api_client.post(
        "/api/v1/auth/token/", {"username": newcomer.username, "password": password, "otp": totp_code()}
    )
    assert response.status_code == 400
    assert list(response.json()) == ["otp"]


def test_a_code_is_accepted_only_once(api_client, staff_ontario, password):
    """A code seen on a shoulder or in a log cannot be replayed within its 30 seconds."""
    data = {"username": staff_ontario.username, "password": password, "otp": totp_code()}
    assert api_client.post("/api/v1/auth/token/", data).status_code == 200
    assert api_client.post("/api/v1/auth/token/", data).status_code == 400


def test_a_token_counts_as_verified(api_client, administrator, password, program):
    token = api_client.post(
        "/api/v1/auth/token/", {"username": administrator.username, "password": password, "otp": totp_code()}
    ).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.patch(f"/api/v1/programs/{program.pk}/", {"return_grace_days": 9})
    assert response.status_code == 200
    assert Program.objects.get(pk=program.pk).return_grace_days == 9


def test_an_employer_without_a_device_gets_a_token_with_the_password(api_client, employer_a_user, password):
    response = api_client.post("/api/v1/auth/token/", {"username": employer_a_user.username, "password": password})
    assert response.status_code == 200


# --- Every page and endpoint, present and future ---------------------------------------------

# Pages a session waiting for its second factor may open: signing in and out, the language, the
# public pages (password reset, e-mail verification) and the public API description.
OPEN_BEFORE_SECOND_FACTOR = {
    "login", "logout", "otp-verify", "set_language", "password_reset", "password_reset_done",
    "password_reset_confirm", "password_reset_complete", "email-verify", "api-token", "api-schema", "api-docs",
    "admin:login", "admin:logout", "admin:password_change", "admin:password_change_done",
    # Public by design: anyone verifies a certificate by its code, signed in or not.
    "certificate-verify", "certificate-verify-api",
    # Public by design: the Observatory's open statistics (their API refuses a half-signed-in session).
    "observatory", "observatory-table",
    # Public by design: employers sign up, and colleagues accept invitations, before they have an account.
    "employer-sign-up", "employer-sign-up-regions", "employer-invitation-accept",
}
SAMPLE_ARGUMENTS = {"format": "json", "content_type_id": "1", "url": "x"}


def every_named_url():
    """(name, path) of every route in the URL configuration, with sample values for arguments."""
    from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            elif pattern.name:
                yield f"{namespace}{pattern.name}", pattern

    seen = set()
    for name, pattern in walk(get_resolver().url_patterns):
        keys = list(getattr(pattern.pattern, "converters", {})) or list(pattern.pattern.regex.groupindex)
        for sample in ("1", "00000000-0000-0000-0000-000000000001"):
            kwargs = {key: SAMPLE_ARGUMENTS.get(key, sample) for key in keys}
            try:
                path = reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                continue
            if path not in seen:
                seen.add(path)
                yield name, path
            break


def test_no_page_or_endpoint_opens_before_the_second_factor(client, administrator, password):
    password_only(client, administrator, password)
    checked = 0
    for name, path in every_named_url():
        if name in OPEN_BEFORE_SECOND_FACTOR:
            continue
        response = client.get(path)
        if path.startswith("/api/"):
            assert response.status_code == 401, (name, path, response.status_code)
        else:
            assert response.status_code == 302, (name, path, response.status_code)
            assert response["Location"].startswith("/accounts/second-factor/"), (name, path)
        checked += 1
    assert checked >= 60, checked  # the admin's pages, ours and every endpoint
