"""Administrators manage integration clients; anyone can ask for a password reset; the API docs
work under the Content-Security-Policy."""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.browser import audit
from tests.e2e.test_sign_in import sign_in
from tests.factories import PASSWORD
from twp.models import User
from twp.services import email_verification_token

pytestmark = pytest.mark.e2e


def test_administrator_creates_a_service_account_issues_a_token_and_revokes_it(page, administrator, employer_a):
    sign_in(page, administrator.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Lo que requiere atención hoy")
    audit(page)
    page.get_by_role("link", name="Cuentas de servicio").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cuentas de servicio")
    audit(page)

    page.get_by_label("Nombre de usuario").fill("payroll.orchards")
    page.get_by_label("Alcance").select_option("employer")
    page.get_by_label("Empleador").select_option(label=employer_a.legal_name)
    page.get_by_role("button", name="Crear la cuenta de servicio").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cuenta de servicio payroll.orchards")
    audit(page)

    page.get_by_label("Vigencia (días)").fill("365")
    page.get_by_role("button", name="Emitir el token").click()
    token = page.get_by_label("Token", exact=True).input_value()
    assert len(token) == 64
    audit(page)
    account = User.objects.get(username="payroll.orchards")
    assert account.auth_token_set.count() == 1

    page.get_by_role("button", name=re.compile(r"^Revocar el token")).click()
    expect(page.get_by_text("No hay tokens vigentes.")).to_be_visible()
    audit(page)
    assert account.auth_token_set.count() == 0


def test_password_reset_by_email_sets_a_new_password(page, employer_a_user):
    page.goto("/accounts/login/")
    audit(page)
    page.get_by_role("link", name="¿Olvidó su contraseña?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Restablecer su contraseña")
    audit(page)
    page.get_by_label("Correo electrónico").fill(employer_a_user.email)
    page.get_by_role("button", name="Enviar el enlace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revise su correo electrónico")
    audit(page)

    link = re.search(r"https?://[^/\s]+(/accounts/password-reset/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Elija una contraseña nueva")
    audit(page)
    page.get_by_label(re.compile(r"^Contraseña nueva:?$")).fill("A-new-long-password-77")
    page.get_by_label("Contraseña nueva (confirmación)").fill("A-new-long-password-77")
    page.get_by_role("button", name="Guardar la contraseña nueva").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contraseña cambiada")
    audit(page)
    employer_a_user.refresh_from_db()
    assert employer_a_user.check_password("A-new-long-password-77")


def test_the_email_verification_link_confirms_the_address(page, employer_a_user):
    page.goto(f"/accounts/verify-email/{email_verification_token(user=employer_a_user)}/")
    expect(page.get_by_role("status")).to_have_text("Gracias: su dirección de correo electrónico quedó confirmada.")
    audit(page)
    page.goto("/accounts/verify-email/not-a-valid-token/")
    expect(page.get_by_role("alert")).to_have_text("Este enlace de verificación no es válido. Solicite uno nuevo.")
    audit(page)


def test_a_locked_account_sees_the_lockout_page(page, employer_a_user):
    # Ten failures already recorded for the username (the lockout tests prove how they add up).
    AccessAttempt.objects.create(
        username=employer_a_user.username, ip_address="192.0.2.1", user_agent="test", failures_since_start=10,
        get_data="", post_data="", http_accept="", path_info="/accounts/login/",
    )
    page.goto("/accounts/login/")
    audit(page)
    page.get_by_label("Nombre de usuario").fill(employer_a_user.username)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cuenta bloqueada")
    audit(page)


def test_the_api_docs_load_under_the_content_security_policy(browser, live_server, transactional_db):
    """Not through the ``page`` fixture: that one bypasses the CSP so axe can be injected."""
    context = browser.new_context(base_url=live_server.url)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: problems.append(str(error)))
    try:
        response = tab.goto("/api/docs/")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        expect(tab.locator(".swagger-ui .info .title")).to_contain_text("TWP")
        expect(tab.get_by_text("/api/v1/programs/").first).to_be_visible()
    finally:
        context.close()
    assert problems == []


def test_the_admin_works_under_the_content_security_policy(browser, live_server, administrator, employer_a_user):
    """The administrator signs in with both steps in a tab that enforces the CSP, and the admin's
    change pages run without a refused script or style."""
    from tests.factories import PASSWORD, totp_code

    context = browser.new_context(base_url=live_server.url, locale="es-MX")
    tab = context.new_page()
    problems: list[str] = []
    # Refusals by the policy, and script errors; not the browser's own /favicon.ico 404.
    tab.on(
        "console",
        lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None,
    )
    tab.on("pageerror", lambda error: problems.append(str(error)))
    try:
        tab.goto("/accounts/login/")
        tab.get_by_label("Nombre de usuario").fill(administrator.username)
        tab.get_by_label("Contraseña").fill(PASSWORD)
        tab.get_by_role("button", name="Iniciar sesión").click()
        tab.get_by_label("Código de 6 dígitos").fill(totp_code())
        tab.get_by_role("button", name="Verificar").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Lo que requiere atención hoy")
        tab.goto(f"/admin/twp/user/{employer_a_user.pk}/change/")
        expect(tab.locator("#id_username")).to_have_value(employer_a_user.username)
        tab.goto("/admin/otp_totp/totpdevice/add/")
        expect(tab.locator("#id_name")).to_be_visible()
    finally:
        context.close()
    assert problems == []
