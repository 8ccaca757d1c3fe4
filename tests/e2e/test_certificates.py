"""Staff issue a certificate on the worker's page; anyone verifies it by its code."""

import pytest
from playwright.sync_api import expect

from certification.models import Certificate
from tests.e2e.browser import audit
from tests.e2e.test_sign_in import sign_in
from tests.factories import SchemeFactory

pytestmark = pytest.mark.e2e


def test_staff_issue_a_certificate_and_a_stranger_verifies_it(page, browser, live_server, staff_tlaxcala,
                                                              worker_tlaxcala):
    SchemeFactory()
    sign_in(page, staff_tlaxcala.username)
    audit(page)
    page.goto(f"/workers/{worker_tlaxcala.public_id}/")
    audit(page)
    page.get_by_text("Emitir un certificado").click()
    page.get_by_label("Esquema").select_option(label="Calidad de la leche en establos lecheros")
    page.get_by_label("Emitido el").last.fill("2026-06-01")
    page.get_by_label("Calificación (0–100)").fill("95")
    page.get_by_role("button", name="Emitir certificado").click()
    expect(page.get_by_text("Certificado emitido.")).to_be_visible()
    audit(page)
    code = Certificate.objects.get().verification_code

    stranger = browser.new_context(base_url=live_server.url, locale="es-MX", bypass_csp=True).new_page()
    stranger.audited_pages = set()
    stranger.goto("/verify/")
    audit(stranger)
    stranger.get_by_label("Código de verificación").fill(code.lower())
    stranger.get_by_role("button", name="Verificar", exact=True).click()
    expect(stranger.get_by_role("heading", name="Certificado vigente")).to_be_visible()
    expect(stranger.get_by_text(worker_tlaxcala.full_name)).to_be_visible()
    assert worker_tlaxcala.curp not in stranger.content()
    audit(stranger)
    stranger.context.close()


def test_staff_create_a_training_session_and_keep_its_attendance_list(page, staff_tlaxcala, worker_tlaxcala):
    SchemeFactory()
    sign_in(page, staff_tlaxcala.username)
    audit(page)
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Capacitación").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sesiones de capacitación")
    audit(page)
    page.get_by_text("Crear una sesión de capacitación").click()
    page.get_by_label("Esquema").select_option(label="Calidad de la leche en establos lecheros")
    page.get_by_label("Lugar").fill("Apizaco, Tlaxcala")
    page.get_by_label("Instructor").fill("Ing. Rosa Díaz")
    page.get_by_label("Inicia el").fill("2026-10-01")
    page.get_by_label("Termina el").fill("2026-10-03")
    page.get_by_role("button", name="Crear sesión").click()
    expect(page.get_by_text("Sesión de capacitación creada.")).to_be_visible()
    audit(page)
    page.get_by_label("CURP del trabajador").fill(worker_tlaxcala.curp)
    page.get_by_label("Completó la sesión").check()
    page.get_by_role("button", name="Agregar a la lista").click()
    expect(page.get_by_role("link", name=worker_tlaxcala.full_name)).to_be_visible()
    audit(page)
