"""Staff of a state office register, find, document and verify a worker in the browser."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import audit
from tests.e2e.test_sign_in import sign_in
from tests.factories import make_curp
from workers.models import Worker

pytestmark = pytest.mark.e2e


def test_staff_registers_a_worker_after_a_curp_error_then_finds_and_documents_them(page, staff_tlaxcala,
                                                                                   worker_tlaxcala):
    sign_in(page, staff_tlaxcala.username)
    audit(page)
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Trabajadores").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trabajadores")
    expect(page.get_by_role("link", name=worker_tlaxcala.full_name)).to_be_visible()
    audit(page)

    page.get_by_role("link", name="Registrar a un trabajador").click()
    audit(page)
    curp = make_curp(birth_date=datetime.date(1991, 8, 30), sex="H", state="TLA", serial=2024)
    wrong_curp = curp[:-1] + str((int(curp[-1]) + 1) % 10)
    page.get_by_label("CURP").fill(wrong_curp)
    page.get_by_label("Nombres").fill("Ramón")
    page.get_by_label("Primer apellido").fill("Ávila")
    page.get_by_label("Fecha de nacimiento").fill("1991-08-30")
    page.get_by_label("Sexo").select_option("H")
    page.get_by_label("Estado de origen").select_option("TLA")
    page.get_by_role("button", name="Registrar", exact=True).click()
    expect(page.get_by_text("El dígito verificador de la CURP no coincide")).to_be_visible()
    audit(page)

    page.get_by_label("CURP").fill(curp)
    page.get_by_role("button", name="Registrar", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ramón Ávila")
    audit(page)
    worker = Worker.objects.get(curp=curp)

    page.get_by_role("link", name="Registrar un documento").click()
    audit(page)
    page.get_by_label("Tipo").select_option("passport")
    page.get_by_label("Número").fill("G12345678")
    page.get_by_label("Emitido el").fill("2025-02-01")
    page.get_by_label("Vence el").fill("2035-01-31")
    page.get_by_role("button", name="Registrar documento").click()
    expect(page.get_by_text("Documento registrado.")).to_be_visible()
    audit(page)
    page.get_by_role("button", name="Marcar como verificado").click()
    expect(page.get_by_text("Documento verificado.")).to_be_visible()
    audit(page)
    assert worker.documents.get().verified_by == staff_tlaxcala

    # A CURP typed in the search box opens the worker; it never travels in a URL.
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Trabajadores").click()
    audit(page)
    page.get_by_label("Buscar por nombre o CURP").fill(worker_tlaxcala.curp)
    page.get_by_role("button", name="Buscar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(worker_tlaxcala.full_name)
    assert worker_tlaxcala.curp not in page.url
    audit(page)

    page.get_by_role("link", name="Editar").click()
    audit(page)
    page.get_by_label("Teléfono").fill("+52 246 123 4567")
    page.get_by_role("button", name="Guardar cambios").click()
    expect(page.get_by_text("Cambios guardados.")).to_be_visible()
    audit(page)
