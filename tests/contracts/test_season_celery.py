"""A season allocation runs in a real Celery worker process, on the test database."""

import time

import pytest
from django.utils import translation
from django.utils.translation import gettext

from contracts.models import Contract
from contracts.season import season_run_start
from employers.models import RequestStatus, WorkerRequest
from tests.celery_worker import running_worker
from tests.factories import WorkerFactory, WorkerRequestFactory, fully_documented, next_season_start
from workers.models import WorkerStatus

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

TIMEOUT_SECONDS = 120


def test_a_season_is_allocated_by_a_celery_worker(program, employer_a, employer_b, administrator):
    requests = [WorkerRequestFactory(program=program, employer=employer, status=RequestStatus.APPROVED,
                                     workers_requested=3)
                for employer in (employer_a, employer_b) * 4]
    workers = [fully_documented(WorkerFactory(status=WorkerStatus.ELIGIBLE), administrator, start=next_season_start())
               for _ in range(20)]
    with running_worker():
        run = season_run_start(program=program, season=next_season_start().year, by=administrator)
        started = time.monotonic()
        while time.monotonic() - started < TIMEOUT_SECONDS:
            run.refresh_from_db()
            if run.is_finished:
                break
            time.sleep(0.2)
    assert (run.status, run.total, run.processed, run.added) == ("done", 8, 8, 20), run.error
    assert [entry["added"] for entry in run.report] == [3] * 6 + [2, 0]
    # The report is written in the language of whoever started the run (kept on the run), whatever
    # language the worker process has active.
    with translation.override(run.language):
        expected = gettext("No eligible candidates.")
    assert run.report[-1]["reasons"] == [expected]
    assert Contract.objects.count() == len(workers)
    assert WorkerRequest.objects.filter(status=RequestStatus.FILLED).count() == 6
    assert run.started_at and run.finished_at
    assert {entry["request"] for entry in run.report} == {str(request.public_id) for request in requests}
