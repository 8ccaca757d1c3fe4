"""Importing a training session's attendance list: CURP, completed, score."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from certification.models import Attendance, TrainingSession
from tests.factories import SchemeFactory, WorkerFactory
from tests.imports.files import csv_upload, xlsx_upload
from twp.imports.services import import_job_start, import_report_rows

pytestmark = pytest.mark.django_db

COLUMNS = ("curp", "completed", "score")
SCOPE = "This row is outside your office's scope: it was not imported."


@pytest.fixture
def session(office_tlaxcala):
    return TrainingSession.objects.create(scheme=SchemeFactory(), office=office_tlaxcala, place="Apizaco",
                                          starts_on=datetime.date(2026, 3, 2), ends_on=datetime.date(2026, 3, 6),
                                          trainer="Ing. Rosa Díaz")


def in_english(error) -> dict:
    with translation.override("en"):
        return error.message_dict


def run(user, upload, session, **kwargs):
    with translation.override("en"):
        return import_job_start(by=user, kind="attendance", file=upload, options={"session": str(session.public_id)},
                                **kwargs)


def test_an_attendance_list_is_recorded_with_its_bad_and_out_of_scope_rows_reported(staff_tlaxcala, session,
                                                                                   worker_edomex):
    first, second = WorkerFactory(state_of_origin="TLA"), WorkerFactory(state_of_origin="TLA")
    rows = [
        {"curp": first.curp, "completed": "sí", "score": "92.5"},
        {"curp": second.curp, "completed": "no", "score": ""},
        {"curp": worker_edomex.curp, "completed": "yes", "score": "80"},
        {"curp": first.curp[:-1] + "Z", "completed": "maybe", "score": "101"},
    ]

    job = run(staff_tlaxcala, csv_upload(rows, columns=COLUMNS), session)

    assert (job.accepted, job.updated, job.unchanged, job.rejected) == (2, 0, 0, 2)
    assert [(line["outcome"], line["errors"]) for line in import_report_rows(job)] == [
        ("accepted", {}),
        ("accepted", {}),
        ("rejected", {"row": [SCOPE]}),
        ("rejected", {"curp": ["This is not a CURP: four letters, six digits of the birth date, H, M or X, five "
                               "letters, then a letter or digit and a digit."],
                      "completed": ["Write yes or no."], "score": ["Enter a number between 0 and 100."]}),
    ]
    assert set(Attendance.objects.values_list("worker__curp", "completed", "score")) == {
        (first.curp, True, Decimal("92.50")), (second.curp, False, None)}


def test_reimporting_a_list_changes_nothing_and_a_changed_score_is_reported(staff_tlaxcala, session):
    worker = WorkerFactory(state_of_origin="TLA")
    rows = [{"curp": worker.curp, "completed": "yes", "score": "70"}]
    run(staff_tlaxcala, csv_upload(rows, columns=COLUMNS), session)

    again = run(staff_tlaxcala, xlsx_upload(rows, columns=COLUMNS), session)
    changed = run(staff_tlaxcala, csv_upload([{**rows[0], "score": "75.5"}], columns=COLUMNS), session)

    assert (again.unchanged, again.updated, again.accepted) == (1, 0, 0)
    assert [line["changed"] for line in import_report_rows(changed)] == [["score"]]
    assert Attendance.objects.get().score == Decimal("75.50")


def test_a_session_of_another_office_cannot_be_imported_into(staff_edomex, session):
    with pytest.raises(ValidationError) as refusal:
        run(staff_edomex, csv_upload([{"curp": "X", "completed": "yes"}], columns=COLUMNS), session)
    assert in_english(refusal.value) == {"session": ["Choose a training session your office runs."]}
