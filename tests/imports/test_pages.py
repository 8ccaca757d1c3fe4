"""Staff pages of imports: upload, the job page with progress and report, the polled fragment."""

import pytest
from django.urls import reverse

from tests.imports.files import csv_upload, worker_row
from twp.imports.services import import_job_start
from twp.models import ImportJob

pytestmark = pytest.mark.django_db


def test_staff_upload_a_file_and_land_on_its_report(sign_in, staff_tlaxcala):
    client = sign_in(staff_tlaxcala)
    assert client.get(reverse("import-upload")).status_code == 200

    response = client.post(reverse("import-upload"), {
        "kind": "workers", "encoding": "utf-8", "file": csv_upload([worker_row(1), worker_row(2, sex="X")]),
    })

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("import-detail", args=[job.public_id])
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert '<progress id="import-progress-bar" value="2" max="2">' in html
    assert "hx-trigger" not in html  # finished: nothing to poll
    assert worker_row(1)["curp"] in html
    assert reverse("import-report", args=[job.public_id]) in html


def test_a_refused_upload_shows_the_reason_and_creates_no_job(sign_in, staff_tlaxcala):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = sign_in(staff_tlaxcala)
    response = client.post(reverse("import-upload"), {
        "kind": "workers", "encoding": "utf-8", "file": SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n\x00")})
    assert response.status_code == 400
    assert "Solo se pueden importar archivos CSV o XLSX." in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_a_running_job_is_polled_every_second_and_reloads_when_done(sign_in, staff_tlaxcala):
    job = import_job_start(by=staff_tlaxcala, kind="workers", file=csv_upload([worker_row(1)]))
    ImportJob.objects.filter(pk=job.pk).update(status="running", processed=0)
    client = sign_in(staff_tlaxcala)
    url = reverse("import-progress", args=[job.public_id])

    running = client.get(url, HTTP_HX_REQUEST="true")
    assert f'hx-get="{url}" hx-trigger="every 1s"' in running.content.decode()
    assert "HX-Refresh" not in running

    ImportJob.objects.filter(pk=job.pk).update(status="done", processed=1)
    assert client.get(url, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"


def test_a_job_of_someone_else_is_not_found(sign_in, staff_tlaxcala, staff_edomex, employer_a_user):
    job = import_job_start(by=staff_tlaxcala, kind="workers", file=csv_upload([worker_row(1)]))
    client = sign_in(staff_edomex)
    for name in ("import-detail", "import-progress", "import-report"):
        assert client.get(reverse(name, args=[job.public_id])).status_code == 404
    client = sign_in(employer_a_user)
    assert client.get(reverse("import-upload")).status_code == 403


def test_staff_import_an_attendance_list_for_a_session_of_their_office(sign_in, staff_tlaxcala, office_tlaxcala,
                                                                     office_edomex, worker_tlaxcala):
    import datetime

    from certification.models import Attendance, TrainingSession
    from tests.factories import SchemeFactory

    def session_of(office):
        return TrainingSession.objects.create(scheme=SchemeFactory(), office=office, place="Apizaco",
                                              starts_on=datetime.date(2026, 3, 2), ends_on=datetime.date(2026, 3, 6),
                                              trainer="Ing. Rosa Díaz")

    ours, theirs = session_of(office_tlaxcala), session_of(office_edomex)
    client = sign_in(staff_tlaxcala)
    page = client.get(reverse("import-upload")).content.decode()
    assert f'value="{ours.public_id}"' in page
    assert f'value="{theirs.public_id}"' not in page

    upload = csv_upload([{"curp": worker_tlaxcala.curp, "completed": "sí", "score": "90"}],
                        columns=("curp", "completed", "score"))
    response = client.post(reverse("import-upload"), {"kind": "attendance", "encoding": "utf-8",
                                                      "session": str(ours.public_id), "file": upload})

    assert response.status_code == 302
    assert list(Attendance.objects.values_list("session", "worker", "completed")) == [
        (ours.pk, worker_tlaxcala.pk, True)]
