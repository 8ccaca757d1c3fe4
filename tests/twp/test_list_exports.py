"""Exports of the staff lists (workers, requests, contracts, returns, payouts) as CSV and XLSX.

Each holds exactly the rows its filtered page shows, never another office's or employer's; every
cell a spreadsheet would run as a formula is neutralised; the query count does not grow with the
rows. A list longer than EXPORT_SYNC_LIMIT becomes a job written by a Celery task, whose file only
its owner (and administrators) may download."""

import csv
import datetime
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from contracts.models import ContractStatus
from employers.models import RequestStatus
from savings import payouts
from savings.models import Payout
from savings.money import Money
from tests.factories import WorkerFactory, WorkerRequestFactory
from tests.savings.conftest import contract_of
from tests.savings.payout_fixtures import saved
from twp.export_jobs import export_job_run, export_jobs_purge
from twp.models import ExportJob
from workers.models import WorkerStatus

pytestmark = pytest.mark.django_db
FORMULA_STARTS = ("=", "+", "-", "@")


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def sign_in(sign_in):
    def make(user):
        client = sign_in(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def world(program, employer_a, worksite_a, employer_b, worksite_b, staff_tlaxcala, staff_ontario, staff_edomex,
          administrator):
    return SimpleNamespace(**locals())


# --- The five lists: who looks, which filters, and how rows are made ------------------------------------


def _workers(world, count):
    return [WorkerFactory(first_names=f"=SUM({serial})", status=WorkerStatus.ELIGIBLE).curp
            for serial in range(count)]


def _other_workers(world):
    return [WorkerFactory(status=WorkerStatus.APPLICANT).curp,  # another status
            WorkerFactory(state_of_origin="MEX", status=WorkerStatus.ELIGIBLE).curp]  # another state office's


def _requests(world, count):
    world.employer_a.legal_name = "@Leamington Farms"
    world.employer_a.save()
    return [WorkerRequestFactory(program=world.program, employer=world.employer_a, worksite=world.worksite_a,
                                 status=RequestStatus.SUBMITTED).number for _ in range(count)]


def _other_requests(world):
    return [WorkerRequestFactory(program=world.program, employer=world.employer_a, worksite=world.worksite_a).number,
            WorkerRequestFactory(program=world.program, employer=world.employer_b, worksite=world.worksite_b,
                                 status=RequestStatus.SUBMITTED).number]  # Quebec's


def _tlaxcala_worker():
    return WorkerFactory(first_names="-1+1", status=WorkerStatus.ABROAD)


def _contracts(world, count):
    return [contract_of(world.program, world.employer_a, world.worksite_a, worker=_tlaxcala_worker()).worker.curp
            for _ in range(count)]


def _other_contracts(world):
    return [contract_of(world.program, world.employer_a, world.worksite_a, status=ContractStatus.ENDED,
                        ended_days_ago=2).worker.curp,
            contract_of(world.program, world.employer_b, world.worksite_b).worker.curp]  # Quebec's


def _returns(world, count):
    return [contract_of(world.program, world.employer_a, world.worksite_a, status=ContractStatus.ENDED,
                        ended_days_ago=10, worker=_tlaxcala_worker()).worker.curp for _ in range(count)]


def _other_returns(world):
    return [contract_of(world.program, world.employer_a, world.worksite_a, status=ContractStatus.ENDED,
                        ended_days_ago=2).worker.curp,  # due this week, not overdue
            contract_of(world.program, world.employer_b, world.worksite_b, status=ContractStatus.ENDED,
                        ended_days_ago=10).worker.curp]  # Quebec's


def _reserve(account, staff, amount="1.00", method=Payout.Method.CASH):
    return payouts.request_payout(worker=account.worker, amount=Money(Decimal(amount), "CAD"), by=staff,
                                  method=method)


def _payout_account(world):
    if not hasattr(world, "account"):
        world.account = saved(world.program, world.employer_a, world.worksite_a, available="2000.00",
                              worker=_tlaxcala_worker())
    return world.account


def _payouts(world, count):
    account = _payout_account(world)
    return [_reserve(account, world.staff_tlaxcala).worker.curp for _ in range(count)]


def _other_payouts(world):
    _payout_account(world)
    other = saved(world.program, world.employer_a, world.worksite_a, available="50.00")
    edomex = saved(world.program, world.employer_a, world.worksite_a, available="50.00",
                   worker=WorkerFactory(state_of_origin="MEX", status=WorkerStatus.ABROAD))
    return [_reserve(other, world.staff_tlaxcala).worker.curp,  # another worker of the office
            _reserve(edomex, world.staff_edomex).worker.curp]  # another state office's


@dataclass(frozen=True)
class ListCase:
    kind: str
    persona: str
    page: str
    params: Callable[[SimpleNamespace], dict]
    key_column: int  # the column that tells the rows apart: the CURP, or the request's number
    page_keys: Callable[[object], list[str]]  # the keys of the rows the page shows, from its context
    add: Callable[[SimpleNamespace, int], list[str]]  # rows the filtered page shows (a formula in each)
    add_others: Callable[[SimpleNamespace], list[str]]  # rows it must not show: other filters, other scope

    def __str__(self):
        return self.kind


CASES = [
    ListCase("workers", "staff_tlaxcala", "/workers/", lambda world: {"status": "eligible"}, 0,
             lambda page: [row.curp for row in page.context["workers"]], _workers, _other_workers),
    ListCase("requests", "staff_ontario", "/review/requests/", lambda world: {}, 0,
             lambda page: [row.number for row in page.context["worker_requests"]], _requests, _other_requests),
    ListCase("contracts", "staff_ontario", "/contracts/", lambda world: {"status": "active"}, 1,
             lambda page: [row.worker.curp for row in page.context["contracts"]], _contracts, _other_contracts),
    ListCase("returns", "staff_ontario", "/returns/", lambda world: {"list": "overdue", "sort": "least"}, 1,
             lambda page: [row.contract.worker.curp for row, _days in page.context["rows"]], _returns,
             _other_returns),
    ListCase("payouts", "staff_tlaxcala", "/savings/payouts/",
             lambda world: {"worker": str(_payout_account(world).worker.public_id), "method": "cash"}, 1,
             lambda page: [row.worker.curp for row in page.context["payouts"]], _payouts, _other_payouts),
]


def read_rows(content: bytes, file_format: str) -> list[list[str]]:
    if file_format == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    return [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]


def export(client, kind: str, file_format: str, params: dict):
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return client.post(f"/exports/{kind}/?{query}", {"format": file_format})


def exported_rows(response, file_format: str) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return read_rows(b"".join(response.streaming_content), file_format)


# --- Downloaded at once ----------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_export_holds_exactly_the_rows_of_the_filtered_page(sign_in, world, case, file_format):
    shown = case.add(world, 3)
    hidden = case.add_others(world)
    client = sign_in(getattr(world, case.persona))
    params = case.params(world)
    page_keys = case.page_keys(client.get(case.page, params))
    assert sorted(page_keys) == sorted(shown)

    rows = exported_rows(export(client, case.kind, file_format, params), file_format)

    assert [row[case.key_column] for row in rows[1:]] == page_keys  # the same rows, in the page's order
    assert not set(hidden) & {cell for row in rows for cell in row}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_formula_cells_are_neutralised(sign_in, world, case, file_format):
    case.add(world, 2)
    client = sign_in(getattr(world, case.persona))

    rows = exported_rows(export(client, case.kind, file_format, case.params(world)), file_format)

    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert [cell for cell in cells if cell.startswith(tuple("'" + start for start in FORMULA_STARTS))]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_query_count_does_not_grow_with_the_rows(sign_in, world, case):
    client = sign_in(getattr(world, case.persona))
    params = case.params(world)
    client.get(case.page, params)  # the first request of a session writes it once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = export(client, case.kind, "xlsx", params)
            rows = exported_rows(response, "xlsx")
        return len(rows) - 1, len(captured)

    case.add(world, 3)
    three = queries()
    case.add(world, 9)
    assert queries() == (12, three[1])
    assert three[0] == 3


def test_headers_and_labels_are_in_the_users_language(sign_in, world):
    WorkerFactory(status=WorkerStatus.ELIGIBLE)
    client = sign_in(world.staff_tlaxcala)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "es"
    client.cookies["django_language"] = "es"

    rows = exported_rows(export(client, "workers", "csv", {"status": "eligible"}), "csv")

    with translation.override("es"):
        assert rows[0][-1] == translation.gettext("Status") != "Status"
        assert rows[1][-1] == str(WorkerStatus.ELIGIBLE.label)


def test_employers_and_unknown_lists_export_nothing(sign_in, world, employer_a_user):
    assert export(sign_in(employer_a_user), "contracts", "csv", {}).status_code == 403
    client = sign_in(world.staff_tlaxcala)
    assert export(client, "secrets", "csv", {}).status_code == 404
    assert export(client, "workers", "pdf", {}).status_code == 404
    assert client.get("/exports/workers/").status_code == 405


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_list_page_offers_both_formats_with_its_filters(sign_in, world, case):
    client = sign_in(getattr(world, case.persona))
    params = case.params(world)
    html = client.get(case.page, params).content.decode()
    query = "&amp;".join(f"{name}={value}" for name, value in params.items())
    assert f'action="/exports/{case.kind}/{"?" + query if query else ""}"' in html
    assert 'name="format" value="csv"' in html and 'name="format" value="xlsx"' in html


# --- Over the limit: a job --------------------------------------------------------------------------------


@pytest.fixture
def low_limit(settings, tmp_path):
    settings.EXPORT_SYNC_LIMIT = 2
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_list_over_the_limit_becomes_a_job_that_writes_the_same_rows(sign_in, world, case, file_format,
                                                                        low_limit, django_capture_on_commit_callbacks,
                                                                        monkeypatch):
    monkeypatch.setattr("twp.export_jobs.PROGRESS_EVERY", 2)
    shown = case.add(world, 5)
    hidden = case.add_others(world)
    client = sign_in(getattr(world, case.persona))
    params = case.params(world)
    page_keys = case.page_keys(client.get(case.page, params))

    with django_capture_on_commit_callbacks() as callbacks:
        response = export(client, case.kind, file_format, params)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.public_id}/"
    assert (job.status, job.kind, job.file_format, job.owner) == ("queued", case.kind, file_format,
                                                                  getattr(world, case.persona))
    assert len(callbacks) == 1  # the task is queued after commit

    job = export_job_run(job_id=job.pk)  # what the worker does

    assert (job.status, job.rows_done, job.rows_total, job.percent) == ("done", 5, 5, 100)
    page = client.get(f"/exports/{job.public_id}/")
    assert page.status_code == 200 and b'id="export-download"' in page.content
    rows = exported_rows(client.get(f"/exports/{job.public_id}/download/"), file_format)
    assert [row[case.key_column] for row in rows[1:]] == page_keys and sorted(page_keys) == sorted(shown)
    assert not set(hidden) & {cell for row in rows for cell in row}
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)]


def job_of(world, low_limit, count=3, file_format="xlsx") -> ExportJob:
    _workers(world, count)
    return ExportJob.objects.create(kind="workers", file_format=file_format, filters={"status": ["eligible"]},
                                    language="en", owner=world.staff_tlaxcala)


def test_only_the_owner_and_administrators_see_a_job_and_its_file(sign_in, world, low_limit, staff_quebec,
                                                                  employer_a_user):
    job = export_job_run(job_id=job_of(world, low_limit).pk)
    urls = [f"/exports/{job.public_id}/", f"/exports/{job.public_id}/progress/",
            f"/exports/{job.public_id}/download/"]
    for user, status in [(world.staff_tlaxcala, 200), (world.administrator, 200), (world.staff_edomex, 404),
                         (staff_quebec, 404), (employer_a_user, 404)]:
        client = sign_in(user)
        responses = [client.get(url) for url in urls]
        for response in responses:
            if response.streaming:
                b"".join(response.streaming_content)  # read to the end: closes the file it opened
        assert [response.status_code for response in responses] == [status] * 3, user


def test_the_job_reads_the_list_with_the_owners_scope_when_it_runs(world, low_limit):
    job = job_of(world, low_limit)
    WorkerFactory(state_of_origin="MEX", status=WorkerStatus.ELIGIBLE)
    job.owner = world.staff_edomex
    job.save()
    assert export_job_run(job_id=job.pk).rows_done == 1


def test_running_a_finished_job_again_does_nothing(world, low_limit):
    job = export_job_run(job_id=job_of(world, low_limit).pk)
    finished = (job.status, job.file.name, job.rows_done, job.finished_at)
    WorkerFactory(status=WorkerStatus.ELIGIBLE)
    job = export_job_run(job_id=job.pk)
    assert (job.status, job.file.name, job.rows_done, job.finished_at) == finished


def test_a_job_whose_owner_may_no_longer_export_fails_and_says_why(world, low_limit):
    job = job_of(world, low_limit)
    world.staff_tlaxcala.role = "employer"
    world.staff_tlaxcala.office = None
    world.staff_tlaxcala.save()
    job = export_job_run(job_id=job.pk)
    assert (job.status, job.file.name, job.error) == ("failed", "", "You may no longer export this list.")


def test_the_progress_fragment_reloads_the_page_once_the_job_is_done(sign_in, world, low_limit):
    job = job_of(world, low_limit)
    client = sign_in(world.staff_tlaxcala)
    running = client.get(f"/exports/{job.public_id}/progress/", HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 1s"' in running.content and "HX-Refresh" not in running
    assert client.get(f"/exports/{job.public_id}/download/").status_code == 404  # nothing to download yet
    export_job_run(job_id=job.pk)
    done = client.get(f"/exports/{job.public_id}/progress/", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true" and b"3 of 3 rows written" in done.content


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_long_export_runs_in_a_real_celery_worker(sign_in, world, settings, tmp_path):
    from tests.celery_worker import running_worker

    settings.MEDIA_ROOT = tmp_path
    settings.EXPORT_SYNC_LIMIT = 2
    _workers(world, 4)
    client = sign_in(world.staff_tlaxcala)
    with running_worker(MEDIA_ROOT=str(tmp_path)):
        response = export(client, "workers", "xlsx", {"status": "eligible"})
        job = ExportJob.objects.get()
        deadline = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=60)
        while not job.is_finished and datetime.datetime.now(tz=datetime.UTC) < deadline:
            time.sleep(0.1)
            job.refresh_from_db()
    assert response.status_code == 302
    assert (job.status, job.rows_done, job.rows_total) == ("done", 4, 4), job.error
    rows = exported_rows(client.get(f"/exports/{job.public_id}/download/"), "xlsx")
    assert len(rows) == 5 and all(row[1].startswith("'=SUM(") for row in rows[1:])


def test_old_export_jobs_and_their_files_are_purged(world, low_limit, settings):
    old = export_job_run(job_id=job_of(world, low_limit).pk)
    recent = export_job_run(job_id=ExportJob.objects.create(
        kind="workers", file_format="csv", filters={}, language="en", owner=world.staff_tlaxcala).pk)
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    storage = old.file.storage
    assert storage.exists(old.file.name) and storage.exists(recent.file.name)

    assert export_jobs_purge() == 1
    assert not storage.exists(old.file.name) and storage.exists(recent.file.name)
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [recent.pk]
    assert export_jobs_purge() == 0  # run again: nothing more
