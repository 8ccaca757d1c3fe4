"""Staff import a spreadsheet in the browser and read its report."""

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import audit
from tests.e2e.test_sign_in import sign_in
from tests.imports.files import csv_upload, worker_row
from workers.models import Worker

pytestmark = pytest.mark.e2e


def test_staff_import_a_csv_with_one_bad_row_and_read_the_report(page, staff_tlaxcala):
    good, bad = worker_row(1, first_names="Ramón"), worker_row(2, birth_date="1990-13-45")
    upload = csv_upload([good, bad])

    sign_in(page, staff_tlaxcala.username)
    audit(page)
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Importaciones").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importar una hoja de cálculo")
    audit(page)

    page.get_by_label("El archivo contiene").select_option("workers")
    page.get_by_label("Archivo CSV o XLSX").set_input_files(
        files=[{"name": "trabajadores.csv", "mimeType": "text/csv", "buffer": upload.read()}])
    page.get_by_role("button", name="Importar", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Importación de trabajadores.csv")
    expect(page.get_by_label("2 de 2 filas procesadas")).to_have_attribute("value", "2")
    expect(page.get_by_role("status")).to_contain_text("Terminada")
    report = page.get_by_role("table", name="Informe")
    expect(report.get_by_role("row")).to_have_count(3)
    expect(report.get_by_role("row").nth(1)).to_contain_text(good["curp"])
    expect(report.get_by_role("row").nth(1)).to_contain_text("Aceptad")
    expect(report.get_by_role("row").nth(2)).to_contain_text("Escriba la fecha como AAAA-MM-DD o DD/MM/AAAA.")
    expect(page.get_by_role("link", name="Descargar el informe (CSV)")).to_be_visible()
    audit(page)
    assert list(Worker.objects.values_list("curp", flat=True)) == [good["curp"]]

    page.get_by_role("link", name="Importaciones").first.click()
    expect(page.get_by_role("table", name="Sus importaciones recientes").get_by_role("row")).to_have_count(2)
    audit(page)
