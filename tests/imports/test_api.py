"""REST of imports: a multipart upload starts a job; its creator (and administrators) follow it."""

import pytest

from tests.helpers import check_cell, matrix
from tests.imports.files import csv_upload, worker_row
from twp.imports.services import import_job_start
from twp.models import ImportJob
from workers.models import Worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(staff_tlaxcala):
    return import_job_start(by=staff_tlaxcala, kind="workers", file=csv_upload([worker_row(1)]))


@pytest.mark.parametrize(
    "cell",
    matrix(
        ("GET", "/api/v1/imports/{job}/", {"anonymous": 401, "employer_a": 403, "staff_ontario": 404,
                                           "staff_edomex": 404, "staff_tlaxcala": 200, "administrator": 200}),
        ("POST", "/api/v1/imports/", {"anonymous": 401, "employer_a": 403}, {"kind": "workers"}),
    ),
)
def test_imports_matrix(cell, personas, staff_edomex, job):
    check_cell(cell, personas={**personas, "staff_edomex": staff_edomex}, objects={"job": job.public_id},
               state=lambda: (list(ImportJob.objects.values()), list(Worker.objects.values())))


def test_staff_import_a_small_file_through_the_api_and_get_the_counts(api_as, staff_tlaxcala):
    bad = worker_row(2, birth_date="31/02/1990")
    response = api_as(staff_tlaxcala).post("/api/v1/imports/", {
        "kind": "workers", "encoding": "utf-8", "file": csv_upload([worker_row(1), bad]),
    }, format="multipart")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in ("kind", "status", "total", "processed", "accepted", "rejected")} == {
        "kind": "workers", "status": "done", "total": 2, "processed": 2, "accepted": 1, "rejected": 1}
    assert api_as(staff_tlaxcala).get(f"/api/v1/imports/{body['id']}/").json()["status"] == "done"


def test_a_file_that_is_not_a_spreadsheet_is_refused_by_the_api(api_as, staff_tlaxcala):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api_as(staff_tlaxcala).post("/api/v1/imports/", {
        "kind": "workers", "file": SimpleUploadedFile("x.pdf", b"%PDF-1.4 binary"),
    }, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"file": ["Solo se pueden importar archivos CSV o XLSX."]}
    assert ImportJob.objects.count() == 0


def test_an_attendance_import_needs_a_session_of_the_office(api_as, staff_tlaxcala):
    response = api_as(staff_tlaxcala).post("/api/v1/imports/", {
        "kind": "attendance", "file": csv_upload([{"curp": "X", "completed": "yes"}], columns=("curp", "completed")),
    }, format="multipart")
    assert response.status_code == 400
    assert list(response.json()) == ["session"]
