"""A large import runs in a real Celery worker process, batch by batch, with its progress saved.

50,000 rows, the most a file may have (IMPORT_ROWS changes it); ``make bench-import`` runs this test
alone and prints the time."""

import datetime
import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.celery_worker import running_worker
from tests.factories import make_curp, make_nss
from twp.imports.services import import_job_start
from twp.models import ImportJob, ImportJobBatch
from workers.models import Worker, WorkerStatusChange

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

ROWS = int(os.environ.get("IMPORT_ROWS", "50000"))
TIMEOUT_SECONDS = 900
HEADER = "curp,first_names,paternal_surname,maternal_surname,birth_date,sex,state_of_origin,nss,occupations\n"


def large_file(rows: int) -> SimpleUploadedFile:
    lines = [HEADER]
    for serial in range(rows):
        # make_curp varies three consonants (a few thousand CURPs per birth date): vary the date too.
        born = datetime.date(1980, 1, 1) + datetime.timedelta(days=serial // 4000)
        curp = make_curp(birth_date=born, sex="H", state="TLA", serial=serial % 4000)
        lines.append(f"{curp},Juan,Sánchez,Núñez,{born:%d/%m/%Y},H,TLA,{make_nss(500_000 + serial)},45-2092\n")
    return SimpleUploadedFile("large.csv", "".join(lines).encode(), content_type="text/csv")


def test_a_large_import_runs_in_a_celery_worker_and_reports_its_progress(staff_tlaxcala, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = large_file(ROWS)
    with running_worker(MEDIA_ROOT=str(tmp_path)):
        started = time.monotonic()
        job = import_job_start(by=staff_tlaxcala, kind="workers", file=upload)
        assert job.status == "pending"  # handed to the worker after commit
        progress = []
        while time.monotonic() - started < TIMEOUT_SECONDS:
            job.refresh_from_db()
            progress.append(job.processed)
            if job.is_finished:
                break
            time.sleep(0.1)
        elapsed = time.monotonic() - started
    print(f"\nImported {ROWS:,} rows through the Celery worker in {elapsed:.1f} s "
          f"({ROWS / elapsed:,.0f} rows/s)")
    assert (job.status, job.processed, job.accepted, job.rejected) == ("done", ROWS, ROWS, 0), job.error
    assert any(0 < processed < ROWS for processed in progress), "no progress was seen between batches"
    assert progress == sorted(progress)
    assert ImportJobBatch.objects.filter(job=job).count() == -(-ROWS // 500)
    assert Worker.objects.count() == ROWS
    assert WorkerStatusChange.objects.count() == ROWS


def test_running_a_finished_job_again_does_nothing(staff_tlaxcala, settings, tmp_path):
    from twp.tasks import run_import_task

    settings.MEDIA_ROOT = tmp_path
    job = import_job_start(by=staff_tlaxcala, kind="workers", file=large_file(1_200))
    run_import_task(job.pk)  # what the worker would do
    events = Worker.objects.count(), ImportJobBatch.objects.count()
    assert run_import_task(job.pk) == "done"
    assert (Worker.objects.count(), ImportJobBatch.objects.count()) == events == (1_200, 3)


def test_an_interrupted_job_resumes_after_its_last_saved_batch(staff_tlaxcala, settings, tmp_path, monkeypatch):
    from twp.imports import services

    settings.MEDIA_ROOT = tmp_path
    job = import_job_start(by=staff_tlaxcala, kind="workers", file=large_file(1_200))
    real_run_batch = services._run_batch

    def crash_on_the_second_batch(**kwargs):
        if kwargs["number"] == 1:
            raise RuntimeError("worker killed")
        return real_run_batch(**kwargs)

    monkeypatch.setattr(services, "_run_batch", crash_on_the_second_batch)
    with pytest.raises(RuntimeError):
        services.import_job_run(job_id=job.pk)
    # The worker died for real (no chance to mark the job failed): it stays running, as Redis redelivers it.
    ImportJob.objects.filter(pk=job.pk).update(status="running", error="", finished_at=None)
    assert ImportJob.objects.get(pk=job.pk).processed == 500
    monkeypatch.setattr(services, "_run_batch", real_run_batch)

    job = services.import_job_run(job_id=job.pk)

    assert (job.status, job.processed, job.accepted) == ("done", 1_200, 1_200)
    assert Worker.objects.count() == 1_200
