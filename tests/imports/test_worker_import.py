"""Importing workers from CSV and XLSX: validated row by row, idempotent, scoped, batch by batch."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from pghistory.models import Events

from tests.imports.files import csv_upload, worker_row, xlsx_upload
from twp.imports.services import import_job_start, import_report_rows
from twp.models import ImportJob
from workers.models import Worker, WorkerStatusChange

pytestmark = pytest.mark.django_db

SCOPE = "This row is outside your office's scope: it was not imported."


def in_english(error) -> dict:
    with translation.override("en"):
        return error.message_dict


def run(user, upload, **kwargs):
    with translation.override("en"):
        return import_job_start(by=user, kind=kwargs.pop("kind", "workers"), file=upload, **kwargs)


def report(job):
    return list(import_report_rows(job))


def test_a_file_mixing_good_and_bad_rows_gives_the_exact_report_and_writes_only_the_good_rows(staff_tlaxcala):
    good = worker_row(1)
    bad_check_digit = worker_row(2)
    bad_check_digit["curp"] = bad_check_digit["curp"][:-1] + str((int(bad_check_digit["curp"][-1]) + 1) % 10)
    wrong_birth_date = worker_row(3, birth_date="1991-05-17")
    second_good = worker_row(4, occupations="45-2092;47-2061", birth_date="17/05/1990")
    unknown_occupation = worker_row(5, occupations="99-9999")
    bad_counts = {**worker_row(6, years_of_experience="three"), "sex": "Q"}

    job = run(staff_tlaxcala, csv_upload([good, bad_check_digit, wrong_birth_date, second_good,
                                          unknown_occupation, bad_counts]))

    assert (job.status, job.total, job.processed) == ("done", 6, 6)
    assert (job.accepted, job.updated, job.unchanged, job.rejected) == (2, 0, 0, 4)
    assert report(job) == [
        {"row": 2, "key": good["curp"], "outcome": "accepted", "changed": [], "errors": {}},
        {"row": 3, "key": bad_check_digit["curp"], "outcome": "rejected", "changed": [],
         "errors": {"curp": ["The CURP's check digit does not match: check every character."]}},
        {"row": 4, "key": wrong_birth_date["curp"], "outcome": "rejected", "changed": [],
         "errors": {"birth_date": ["The birth date does not match the CURP (1990-05-17)."]}},
        {"row": 5, "key": second_good["curp"], "outcome": "accepted", "changed": [], "errors": {}},
        {"row": 6, "key": unknown_occupation["curp"], "outcome": "rejected", "changed": [],
         "errors": {"occupations": ["Unknown occupation code: 99-9999."]}},
        {"row": 7, "key": bad_counts["curp"], "outcome": "rejected", "changed": [],
         "errors": {"years_of_experience": ["Enter a whole number, 0 or more."],
                    "sex": ["Value 'Q' is not a valid choice.", "The sex does not match the CURP."]}},
    ]
    assert sorted(Worker.objects.values_list("curp", flat=True)) == sorted([good["curp"], second_good["curp"]])
    worker = Worker.objects.get(curp=second_good["curp"])
    assert worker.birth_date == datetime.date(1990, 5, 17)
    assert sorted(worker.occupations.values_list("code", flat=True)) == ["45-2092", "47-2061"]
    assert (worker.first_names, worker.maternal_surname, worker.years_of_experience, worker.dependents,
            worker.version) == ("Juan", "Núñez", 3, 2, 1)
    registered = WorkerStatusChange.objects.filter(worker=worker, to_status="applicant", changed_by=staff_tlaxcala)
    assert registered.count() == 1


def test_the_report_is_in_the_importers_language(staff_tlaxcala):
    row = worker_row(1, years_of_experience="x")
    with translation.override("es"):
        job = import_job_start(by=staff_tlaxcala, kind="workers", file=csv_upload([row]))
    assert report(job)[0]["errors"] == {"years_of_experience": ["Escriba un número entero, 0 o más."]}


def test_reimporting_the_same_file_changes_nothing(staff_tlaxcala):
    rows = [worker_row(serial) for serial in range(1, 6)]
    run(staff_tlaxcala, csv_upload(rows))
    before = list(Worker.objects.order_by("id").values("id", "updated_at", "version"))
    events_before = Events.objects.count()
    changes_before = WorkerStatusChange.objects.count()

    second = run(staff_tlaxcala, csv_upload(rows))

    assert (second.accepted, second.updated, second.unchanged, second.rejected) == (0, 0, 5, 0)
    assert {line["outcome"] for line in report(second)} == {"unchanged"}
    assert list(Worker.objects.order_by("id").values("id", "updated_at", "version")) == before
    assert Events.objects.count() == events_before
    assert WorkerStatusChange.objects.count() == changes_before


def test_a_changed_value_updates_the_worker_bumps_its_version_and_is_reported(staff_tlaxcala):
    row = worker_row(1)
    run(staff_tlaxcala, csv_upload([row]))
    changed = {**row, "phone": "+52 246 123 4567", "occupations": "45-2092;45-2021", "dependents": "4"}

    job = run(staff_tlaxcala, csv_upload([changed, worker_row(2)]))

    assert (job.accepted, job.updated, job.unchanged, job.rejected) == (1, 1, 0, 0)
    assert report(job)[0] == {"row": 2, "key": row["curp"], "outcome": "updated",
                              "changed": ["phone", "dependents", "occupations"], "errors": {}}
    worker = Worker.objects.get(curp=row["curp"])
    assert (worker.phone, worker.dependents, worker.version) == ("+52 246 123 4567", 4, 2)
    assert sorted(worker.occupations.values_list("code", flat=True)) == ["45-2021", "45-2092"]


def test_an_update_that_breaks_a_rule_is_rejected_and_changes_nothing(staff_tlaxcala, worker_tlaxcala):
    row = worker_row(1, curp=worker_tlaxcala.curp, sex="M", birth_date=worker_tlaxcala.birth_date.isoformat(),
                     nss="12345678901")
    before = Worker.objects.filter(pk=worker_tlaxcala.pk).values().get()

    job = run(staff_tlaxcala, csv_upload([row]))

    assert report(job)[0]["errors"] == {"nss": ["The NSS's check digit does not match: check every digit."]}
    assert Worker.objects.filter(pk=worker_tlaxcala.pk).values().get() == before


def test_out_of_scope_rows_get_one_generic_message_whether_or_not_the_worker_exists(staff_tlaxcala, worker_edomex):
    # A worker of the State of Mexico exists; the Tlaxcala office cannot see them.
    existing_elsewhere = worker_row(1, curp=worker_edomex.curp, state="TLA", sex=worker_edomex.sex,
                                    birth_date=worker_edomex.birth_date.isoformat())
    new_from_another_state = worker_row(2, state="MEX")
    existing_moved_in_file = worker_row(3, curp=worker_edomex.curp, state="MEX", sex=worker_edomex.sex,
                                        birth_date=worker_edomex.birth_date.isoformat())
    before = Worker.objects.filter(pk=worker_edomex.pk).values().get()

    job = run(staff_tlaxcala, csv_upload([existing_elsewhere, new_from_another_state]))
    again = run(staff_tlaxcala, csv_upload([existing_moved_in_file]))

    lines = report(job) + report(again)
    assert [line["errors"] for line in lines] == [{"row": [SCOPE]}] * 3
    assert Worker.objects.filter(pk=worker_edomex.pk).values().get() == before
    assert Worker.objects.count() == 1


def test_an_nss_held_by_a_worker_out_of_scope_is_refused_with_the_generic_message(staff_tlaxcala, worker_edomex):
    job = run(staff_tlaxcala, csv_upload([worker_row(1, nss=worker_edomex.nss)]))
    assert report(job)[0]["errors"] == {"row": [SCOPE]}


def test_an_administrator_imports_workers_of_any_state(administrator):
    job = run(administrator, csv_upload([worker_row(1, state="MEX"), worker_row(2, state="OAX")]))
    assert job.accepted == 2


def test_a_latin1_file_is_read_with_its_accents_when_declared(staff_tlaxcala):
    row = worker_row(1, first_names="José Ángel", paternal_surname="Peña")
    job = run(staff_tlaxcala, csv_upload([row], encoding="latin-1"), encoding="latin-1")
    assert job.accepted == 1
    worker = Worker.objects.get(curp=row["curp"])
    assert (worker.first_names, worker.paternal_surname) == ("José Ángel", "Peña")


def test_a_latin1_file_declared_as_utf8_is_refused_with_a_hint(staff_tlaxcala):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refusal:
        run(staff_tlaxcala, csv_upload([worker_row(1, first_names="José")], encoding="latin-1"))
    assert in_english(refusal.value) == {"file": [
        "The file is not valid UTF-8. If it was saved as Latin-1 (ISO-8859-1), choose that encoding."]}
    assert ImportJob.objects.count() == 0


def test_utf8_with_bom_and_semicolons_is_read(staff_tlaxcala):
    job = run(staff_tlaxcala, csv_upload([worker_row(1, first_names="Ñoño")], bom=True, delimiter=";"))
    assert job.accepted == 1
    assert Worker.objects.get().first_names == "Ñoño"


def test_an_xlsx_file_is_imported_with_dates_as_cells(staff_tlaxcala):
    row = worker_row(1, birth_date=datetime.date(1990, 5, 17))  # a date cell, not text
    job = run(staff_tlaxcala, xlsx_upload([row, worker_row(2, dependents=1)]))
    assert (job.file_format, job.accepted, job.rejected) == ("xlsx", 2, 0)
    assert Worker.objects.get(curp=row["curp"]).birth_date == datetime.date(1990, 5, 17)


@pytest.mark.parametrize(("content", "message"), [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "Only CSV or XLSX files can be imported."),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "Only CSV or XLSX files can be imported."),
    (b"PK\x03\x04not really a workbook", "This XLSX file cannot be read."),
    (b"name,age\nJuan,3\n", "The first row must name the columns; missing: curp, first_names, paternal_surname, "
                            "birth_date, sex, state_of_origin."),
    (b"curp,first_names,paternal_surname,birth_date,sex,state_of_origin\n", "The file has no rows under its header."),
])
def test_a_file_that_is_not_a_workers_spreadsheet_is_refused(staff_tlaxcala, content, message):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError) as refusal:
        run(staff_tlaxcala, SimpleUploadedFile("workers.csv", content))
    assert in_english(refusal.value) == {"file": [message]}


def test_files_over_the_row_limit_are_refused(staff_tlaxcala, monkeypatch):
    from django.core.exceptions import ValidationError

    monkeypatch.setattr("twp.imports.files.MAX_ROWS", 3)
    with pytest.raises(ValidationError) as refusal:
        run(staff_tlaxcala, csv_upload([worker_row(serial) for serial in range(4)]))
    assert in_english(refusal.value) == {"file": ["The file has more than 3 rows: split it."]}


def test_a_curp_twice_in_a_file_is_rejected_both_times(staff_tlaxcala):
    row = worker_row(1)
    job = run(staff_tlaxcala, csv_upload([row, {**row, "first_names": "Pedro"}]))
    assert [line["errors"] for line in report(job)] == [
        {"curp": ["This CURP appears more than once in the file."]}] * 2
    assert Worker.objects.count() == 0


def _queries_of_an_import(user, *, size: int, offset: int) -> int:
    """Import ``size`` rows, of which in every batch of 10 the first exists and changes, the second
    exists unchanged and the rest are new (so every batch takes every path); count the queries."""
    rows = [worker_row(offset + index) for index in range(size)]
    run(user, csv_upload([row for index, row in enumerate(rows) if index % 10 in (0, 1)]))
    rows = [{**row, "dependents": "5", "occupations": "45-2021"} if index % 10 == 0 else row
            for index, row in enumerate(rows)]
    with CaptureQueriesContext(connection) as queries:
        job = run(user, csv_upload(rows))
    assert job.updated == len(range(0, size, 10))
    return len(queries)


def test_the_queries_of_an_import_grow_with_batches_not_rows(staff_tlaxcala, monkeypatch):
    monkeypatch.setattr("twp.imports.services.BATCH_SIZE", 10)
    one_batch = _queries_of_an_import(staff_tlaxcala, size=3, offset=0)
    two_batches = _queries_of_an_import(staff_tlaxcala, size=13, offset=100)
    two_full_batches = _queries_of_an_import(staff_tlaxcala, size=20, offset=200)
    three_batches = _queries_of_an_import(staff_tlaxcala, size=23, offset=300)
    assert two_batches == two_full_batches
    # Per batch (in its savepoint): lock the job; the batch's workers (locked), their occupations,
    # the vocabulary, the NSS numbers taken; insert workers, their status changes; update the
    # changed ones; replace changed occupations (delete) and insert every occupation link; the
    # batch's report; the job's counters.
    assert two_batches - one_batch == three_batches - two_batches == PER_BATCH_QUERIES


PER_BATCH_QUERIES = 14


def test_a_batch_that_conflicts_with_a_record_saved_meanwhile_fails_the_job_cleanly(staff_tlaxcala, monkeypatch):
    from django.db import IntegrityError

    def conflict(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(Worker.objects, "bulk_create", conflict)
    job = run(staff_tlaxcala, csv_upload([worker_row(1)]))
    assert (job.status, job.processed, Worker.objects.count()) == ("failed", 0, 0)
    assert job.error == ("A worker saved meanwhile conflicts with a row of this file; the batches already reported "
                         "were saved. Import the file again to finish.")
