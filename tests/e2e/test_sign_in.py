"""First paths: every role signs in (staff with their authenticator's code), sees its home,
switches language, signs out."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import audit
from tests.factories import PASSWORD, TOTP_SECRET, totp_code

pytestmark = pytest.mark.e2e


def sign_in(page, username, password=PASSWORD, totp_secret: str | None = TOTP_SECRET):
    """Both steps of signing in. The second (the authenticator's current code, computed from the
    same secret the user's device has) runs when the app asks for it."""
    page.goto("/")
    audit(page)  # the login page, in Spanish for a browser that asks for it
    expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
    page.get_by_label("Nombre de usuario").fill(username)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_load_state("load")
    if "/accounts/second-factor/" in page.url and totp_secret:
        expect(page.get_by_role("heading", level=1)).to_have_text("Escriba su código de seguridad")
        audit(page)
        page.get_by_label("Código de 6 dígitos").fill(totp_code(totp_secret))
        page.get_by_role("button", name="Verificar").click()
        page.wait_for_load_state("load")


@pytest.mark.parametrize(
    ("persona", "spanish_heading", "english_heading"),
    [
        ("administrator", "Lo que requiere atención hoy", "What needs action today"),
        ("staff_ontario", "Lo que requiere atención hoy", "What needs action today"),
        ("employer_a", "Portal del empleador", "Employer portal"),
    ],
)
def test_each_role_signs_in_sees_its_home_switches_language_and_signs_out(
    page, personas, persona, spanish_heading, english_heading
):
    user = personas[persona]
    user.preferred_language = "es"
    user.save(update_fields=["preferred_language"])
    sign_in(page, user.username)
    expect(page.get_by_role("heading", level=1)).to_have_text(spanish_heading)
    audit(page)

    page.get_by_label("Idioma").select_option("en")
    page.get_by_role("button", name="Cambiar idioma").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(english_heading)
    audit(page)

    page.get_by_role("button", name=re.compile(r"^Sign out")).click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    audit(page)


def test_a_wrong_password_shows_the_error(page, staff_ontario):
    sign_in(page, staff_ontario.username, password="not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("Por favor, introduzca un nombre de usuario")
    audit(page)
    expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()


def test_a_staff_only_page_opened_by_an_employer_is_refused(page, employer_a_user):
    sign_in(page, employer_a_user.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Portal del empleador")
    audit(page)
    response = page.goto("/staff/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("No puede abrir esta página")
    audit(page)


def test_staff_without_an_authenticator_is_told_to_ask_an_administrator(page, office_ontario):
    from tests.factories import UserFactory

    newcomer = UserFactory(username="staff.newcomer", office=office_ontario)
    sign_in(page, newcomer.username, totp_secret=None)
    expect(page.get_by_role("alert")).to_contain_text("Pida a un administrador del programa que lo configure")
    audit(page)
    page.goto("/staff/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Escriba su código de seguridad")
    audit(page)


def test_a_wrong_code_is_refused_with_a_message(page, staff_ontario):
    page.goto("/")
    audit(page)
    page.get_by_label("Nombre de usuario").fill(staff_ontario.username)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_load_state("load")
    audit(page)
    page.get_by_label("Código de 6 dígitos").fill("000000" if totp_code() != "000000" else "111111")
    page.get_by_role("button", name="Verificar").click()
    expect(page.get_by_text("El código es incorrecto o ya venció")).to_be_visible()
    audit(page)
