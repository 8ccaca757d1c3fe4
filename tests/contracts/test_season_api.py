"""Season allocation over the API and the staff pages: administrators only; one open run per
season, also when two administrators press at once; the report through the API."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from contracts.models import AllocationRun
from tests.factories import next_season_start
from tests.helpers import check_cell, matrix

pytestmark = pytest.mark.django_db

RUNS = "/api/v1/allocation-runs/"
RUN = "/api/v1/allocation-runs/{run}/"
ADMINISTRATORS_ONLY = {"anonymous": 401, "administrator": 200, "staff_ontario": 403, "staff_quebec": 403,
                       "staff_tlaxcala": 403, "employer_a": 403, "employer_b": 403}
START = {"program": "{program}", "season": next_season_start().year}


@pytest.fixture
def world(program, administrator):
    run = AllocationRun.objects.create(program=program, season=next_season_start().year - 1, started_by=administrator,
                                       status=AllocationRun.Status.DONE, total=1, processed=1,
                                       report=[{"request": "x", "outcome": "not_filled",
                                                "reasons": ["No eligible candidates."]}])
    return {"run": run.public_id, "program": program.pk}


def state():
    return list(AllocationRun.objects.order_by("id").values("id", "status", "processed"))


@pytest.fixture
def no_broker(monkeypatch):
    """The run is handed to Celery after commit; these tests only look at what the API answers."""
    from contracts import tasks

    sent = []
    monkeypatch.setattr(tasks.season_allocate_task, "delay", lambda run_id: sent.append(run_id))
    return sent


@pytest.mark.parametrize("cell", matrix(
    ("GET", RUN, ADMINISTRATORS_ONLY),
    ("POST", RUNS, {**ADMINISTRATORS_ONLY, "administrator": 202}, START),
))
def test_role_by_endpoint(cell, personas, world, no_broker):
    import dataclasses

    if cell.data:
        cell = dataclasses.replace(cell, data={**cell.data, "program": world["program"]})
    response = check_cell(cell, personas=personas, objects=world, state=state)
    if cell.method == "GET" and cell.status == 200:
        assert response.data["report"][0]["reasons"] == ["No eligible candidates."]
        assert response.data["status"] == "done"
    if cell.method == "POST" and cell.status == 202:
        assert response.data["status"] == "pending"
        assert response.data["total"] == 0


def test_a_second_run_of_the_same_season_is_a_conflict(api_as, administrator, program, no_broker):
    client = api_as(administrator)
    first = client.post(RUNS, {"program": program.pk, "season": next_season_start().year}, format="json")
    assert first.status_code == 202
    second = client.post(RUNS, {"program": program.pk, "season": next_season_start().year}, format="json",
                         HTTP_ACCEPT_LANGUAGE="en")
    assert second.status_code == 409
    assert "already being allocated" in str(second.data)
    other_season = client.post(RUNS, {"program": program.pk, "season": next_season_start().year + 1}, format="json")
    assert other_season.status_code == 202


@pytest.mark.django_db(transaction=True)
def test_administrators_pressing_at_once_start_one_run(administrator, program, no_broker):
    """Eight concurrent POSTs over HTTP (each thread its own connection): one 202, seven 409."""
    racers = 8
    barrier = threading.Barrier(racers)
    statuses = [None] * racers

    def post(index):
        try:
            client = APIClient()
            client.force_authenticate(administrator)
            barrier.wait(timeout=30)
            statuses[index] = client.post(RUNS, {"program": program.pk, "season": next_season_start().year},
                                          format="json").status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(index,)) for index in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [202] + [409] * (racers - 1)
    assert AllocationRun.objects.count() == 1
    assert len(no_broker) == 1


@pytest.mark.parametrize(("persona", "status"), [("administrator", 200), ("staff_ontario", 403),
                                                 ("employer_a", 403)])
def test_the_staff_page_is_for_administrators(persona, status, personas, sign_in, world):
    client = sign_in(personas[persona])
    assert client.get("/allocation/season/").status_code == status
    assert client.get(f"/allocation/season/{world['run']}/").status_code == status
    assert client.get(f"/allocation/season/{world['run']}/progress/").status_code == status


def test_the_page_starts_a_run_only_when_confirmed(sign_in, administrator, program, no_broker):
    client = sign_in(administrator)
    season = next_season_start().year
    refused = client.post("/allocation/season/", {"program": program.pk, "season": season})
    assert refused.status_code == 400 and not AllocationRun.objects.exists()
    started = client.post("/allocation/season/", {"program": program.pk, "season": season, "confirm": "on"})
    run = AllocationRun.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/allocation/season/{run.public_id}/"
    again = client.post("/allocation/season/", {"program": program.pk, "season": season, "confirm": "on"})
    assert again.status_code == 400 and AllocationRun.objects.count() == 1
    progress = client.get(f"/allocation/season/{run.public_id}/progress/", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in progress.content.decode() and "HX-Refresh" not in progress
