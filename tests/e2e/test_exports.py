"""Staff filter the worker list, export it as XLSX over the download-at-once limit, watch the job
finish in a real Celery worker and download the file."""

import re

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.celery_worker import running_worker
from tests.e2e.browser import audit
from tests.e2e.test_sign_in import sign_in
from tests.factories import WorkerFactory
from twp.models import ExportJob
from workers.models import WorkerStatus

pytestmark = [pytest.mark.e2e, pytest.mark.celery]


def test_staff_export_a_filtered_list_in_the_background_and_download_it(page, staff_tlaxcala, settings, tmp_path):
    settings.EXPORT_SYNC_LIMIT = 2
    settings.MEDIA_ROOT = tmp_path
    eligible = {WorkerFactory(status=WorkerStatus.ELIGIBLE, first_names=f"=Ana {serial}").curp for serial in range(3)}
    WorkerFactory(status=WorkerStatus.APPLICANT)

    sign_in(page, staff_tlaxcala.username)
    audit(page)
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Trabajadores").click()
    audit(page)
    page.locator("details > summary").click()
    page.locator("#id_status").select_option("eligible")
    page.get_by_role("button", name="Aplicar filtros").click()
    audit(page)

    with running_worker(MEDIA_ROOT=str(tmp_path)):
        # The buttons' texts wait for their Spanish translation: found by their form and value.
        page.locator("#export-workers button[value=xlsx]").click()
        job = ExportJob.objects.get()
        expect(page).to_have_url(re.compile(f"/exports/{job.public_id}/$"))
        download_link = page.locator("#export-download")
        expect(download_link).to_be_visible(timeout=60_000)
    expect(page.get_by_role("status")).to_contain_text("Terminad")
    audit(page)

    with page.expect_download() as download:
        download_link.click()
    path = tmp_path / "downloaded.xlsx"
    download.value.save_as(path)
    rows = list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert {row[0] for row in rows[1:]} == eligible
    assert all(row[1].startswith("'=Ana") for row in rows[1:])
