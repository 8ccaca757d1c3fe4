"""Every role signs in and lands on its own home page; the wrong role is refused."""

import pytest
from django.urls import reverse

from tests.factories import totp_code

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "home"),
    [("administrator", "staff-home"), ("staff_ontario", "staff-home"), ("employer_a", "employer-home")],
)
def test_each_role_signs_in_and_reaches_its_home_page(client, personas, password, persona, home):
    user = personas[persona]
    response = client.post(reverse("login"), {"username": user.username, "password": password}, follow=True)
    if user.is_program_staff:  # the second step: the authenticator's code
        response = client.post(response.redirect_chain[-1][0], {"otp": totp_code()}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(home)
    assert response.status_code == 200
    assert response.context["user"] == user


def test_wrong_password_shows_the_error_and_signs_nobody_in(client, staff_ontario):
    response = client.post(reverse("login"), {"username": staff_ontario.username, "password": "wrong-password"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(reverse("staff-home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_employer_opening_a_staff_page_is_refused(client, employer_a_user):
    client.force_login(employer_a_user)
    response = client.get(reverse("staff-home"))
    assert response.status_code == 403


def test_staff_opening_the_employer_portal_is_refused(sign_in, staff_ontario):
    assert sign_in(staff_ontario).get(reverse("employer-home")).status_code == 403


def test_employer_home_names_its_employer(client, employer_a_user, employer_a):
    client.force_login(employer_a_user)
    response = client.get(reverse("employer-home"), HTTP_ACCEPT_LANGUAGE="en")
    assert employer_a.legal_name in response.text


def test_language_switch_renders_pages_in_english_then_spanish(sign_in, staff_ontario):
    client = sign_in(staff_ontario)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("staff-home")})
    assert "What needs action today" in client.get(reverse("staff-home")).text
    client.post(reverse("set_language"), {"language": "es", "next": reverse("staff-home")})
    assert "Lo que requiere atención hoy" in client.get(reverse("staff-home")).text


def test_logout_ends_the_session(sign_in, staff_ontario):
    client = sign_in(staff_ontario)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("staff-home")).status_code == 302
