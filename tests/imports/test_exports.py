"""Exports: the filtered worker list and import reports as CSV, with formula cells neutralised."""

import csv
import io

import pytest
from django.urls import reverse

from tests.factories import WorkerFactory
from tests.imports.files import csv_upload, worker_row
from twp.exports import neutralise, unneutralise
from twp.imports.services import import_job_start
from workers.importers import COLUMNS

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


@pytest.mark.parametrize(("value", "exported"), [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"),
    ("+52 246 123", "'+52 246 123"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("María", "María"),
    ("", ""),
    (None, ""),
    (7, "7"),
])
def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(value, exported):
    assert neutralise(value) == exported
    assert unneutralise(neutralise(value)) == ("" if value is None else str(value))


def test_the_worker_export_neutralises_formulas_and_keeps_the_lists_filters_and_scope(sign_in, staff_tlaxcala,
                                                                                      worker_edomex):
    WorkerFactory(first_names="=CMD|' /C calc'!A0", phone="+52 246 000", state_of_origin="TLA", status="eligible")
    WorkerFactory(first_names="Ana", state_of_origin="TLA")
    client = sign_in(staff_tlaxcala)

    rows = rows_of(client.get(reverse("worker-export"), {"status": "eligible"}))

    assert rows[0] == [*COLUMNS, "status"]
    assert len(rows) == 2
    exported = dict(zip(rows[0], rows[1], strict=True))
    assert (exported["first_names"], exported["phone"], exported["status"]) == (
        "'=CMD|' /C calc'!A0", "'+52 246 000", "eligible")


def test_the_worker_export_streams_in_chunks_and_round_trips_through_the_importer(sign_in, staff_tlaxcala,
                                                                                 monkeypatch):
    monkeypatch.setattr("workers.exports.EXPORT_CHUNK_SIZE", 2)
    job = import_job_start(by=staff_tlaxcala, kind="workers", file=csv_upload(
        [worker_row(serial, phone="+52 1", occupations="45-2092;47-2061") for serial in range(5)]))
    assert job.accepted == 5
    client = sign_in(staff_tlaxcala)

    response = client.get(reverse("worker-export"))
    content = b"".join(response.streaming_content)
    exported = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(exported) == 5
    assert exported[0]["occupations"] == "45-2092;47-2061"

    from django.core.files.uploadedfile import SimpleUploadedFile

    again = import_job_start(by=staff_tlaxcala, kind="workers", file=SimpleUploadedFile("workers.csv", content))
    assert (again.unchanged, again.updated, again.rejected) == (5, 0, 0)


def test_the_import_report_csv_neutralises_what_the_file_brought(sign_in, staff_tlaxcala):
    row = worker_row(1, first_names="=1+1", curp="=HYPERLINK(1)")
    job = import_job_start(by=staff_tlaxcala, kind="workers", file=csv_upload([row]))
    client = sign_in(staff_tlaxcala)

    rows = rows_of(client.get(reverse("import-report", args=[job.public_id])))

    assert len(rows) == 2
    assert rows[1][:2] == ["2", "'=HYPERLINK(1)"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_employers_cannot_export_workers(sign_in, employer_a_user):
    client = sign_in(employer_a_user)
    assert client.get(reverse("worker-export")).status_code == 403


def test_the_worker_list_links_to_its_export_with_the_same_filters(sign_in, staff_tlaxcala):
    client = sign_in(staff_tlaxcala)
    html = client.get(reverse("worker-list"), {"status": "eligible"}).content.decode()
    assert f'href="{reverse("worker-export")}?status=eligible"' in html


def test_the_export_costs_one_query_per_chunk(sign_in, staff_tlaxcala, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr("workers.exports.EXPORT_CHUNK_SIZE", 2)
    for _ in range(5):
        WorkerFactory(state_of_origin="TLA")
    client = sign_in(staff_tlaxcala)
    response = client.get(reverse("worker-export"))
    # Three chunks of at most two rows (workers with their occupations aggregated), nothing per row.
    with django_assert_num_queries(3):
        assert len(rows_of(response)) == 6
