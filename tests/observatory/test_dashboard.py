"""The staff dashboard (observatory.dashboard) against a small dataset computed by hand, scoped
by jurisdiction, with its CSV the same rows as its table and a constant number of queries."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from contracts.models import Absence, Contract, ContractStatus
from employers.models import WorkerRequest
from observatory import facts
from observatory.dashboard import build, cached
from tests.factories import EmployerFactory, WorkerFactory, WorksiteFactory
from tests.observatory.conftest import SEASON
from tests.savings.conftest import contract_of

S = ContractStatus


@pytest.fixture
def placed(program):
    def make(employer, worksite, state, n, *, status=S.ACTIVE, on_time=None, season=SEASON, ended_days_ago=None):
        made = []
        for _ in range(n):
            contract = contract_of(program, employer, worksite, status=status, ended_days_ago=ended_days_ago,
                                   worker=WorkerFactory(state_of_origin=state))
            Contract.objects.filter(pk=contract.pk).update(season=season, returned_on_time=on_time)
            WorkerRequest.objects.filter(pk=contract.request_id).update(season=season)
            made.append(contract)
        return made

    return make


@pytest.fixture
def dataset(placed, employer_a, worksite_a, employer_b, worksite_b, administrator):
    """Season SEASON: Ontario (employer A) 4 Tlaxcalans home (3 on time), 2 Oaxacans at work, 1
    Oaxacan ended 60 days ago and not home (overdue); Quebec (employer B) 2 Poblanos home on time,
    1 Tlaxcalan absconded after an absence. The season before: 2 Tlaxcalans home on time in Ontario."""
    employer_a.sector, employer_b.sector = "greenhouse", "agriculture"
    employer_a.save(), employer_b.save()
    placed(employer_a, worksite_a, "TLA", 3, status=S.RETURNED, on_time=True)
    placed(employer_a, worksite_a, "TLA", 1, status=S.RETURNED, on_time=False)
    placed(employer_a, worksite_a, "OAX", 2)
    placed(employer_a, worksite_a, "OAX", 1, status=S.ENDED, ended_days_ago=60)
    placed(employer_b, worksite_b, "PUE", 2, status=S.RETURNED, on_time=True)
    [absconded] = placed(employer_b, worksite_b, "TLA", 1, status=S.ABSCONDED)
    Absence.objects.create(contract=absconded, last_seen_on=absconded.start_date, reported_by=administrator)
    placed(employer_a, worksite_a, "TLA", 2, status=S.RETURNED, on_time=True, season=SEASON - 1)
    facts.refresh()


def rows(dashboard, name):
    return {row.label: row.values for row in dashboard.chart(name).rows}


def test_every_chart_of_the_administrator(dataset, administrator, employer_a, employer_b):
    found = build(administrator, program_id=None, season=SEASON)
    assert found.headline == {"placements": 10, "workers": 10, "confirmed": 6, "on_time": 5, "overdue": 1,
                              "absences": 1, "transfers": 0, "on_time_percent": Decimal("83.3")}
    assert rows(found, "placements-by-season") == {str(SEASON - 1): [2, 2], str(SEASON): [10, 10]}
    assert rows(found, "placements-by-sector") == {"Greenhouses and nurseries": [7],
                                                   "Agriculture (field crops, fruit, vegetables)": [3]}
    assert rows(found, "placements-by-destination") == {"Ontario": [7], "Quebec": [3]}
    # Each contract_of makes a request of 20 workers (status filled) holding that one contract.
    assert rows(found, "requests-by-season") == {str(SEASON - 1): [40, 2], str(SEASON): [200, 10]}
    assert rows(found, "on-time-by-season") == {str(SEASON - 1): [Decimal("100.0")],
                                                str(SEASON): [Decimal("83.3")]}
    assert rows(found, "on-time-by-state") == {"Puebla": [Decimal("100.0")], "Tlaxcala": [Decimal("75.0")]}
    worst = found.chart("on-time-by-employer").rows
    assert [(row.label, row.values, row.shown) for row in worst] == [
        (employer_a.legal_name, [Decimal("75.0")], ["75.0% (3 of 4)"]),
        (employer_b.legal_name, [Decimal("100.0")], ["100.0% (2 of 2)"])]
    assert rows(found, "returns-awaited-by-state") == {"Oaxaca": [1, 1], "Tlaxcala": [1, 0]}
    assert rows(found, "absences-by-destination") == {"Quebec": [1, 0]}


@pytest.mark.parametrize("who, placements, on_time_by_state", [
    ("staff_ontario", 7, {"Tlaxcala": [Decimal("75.0")]}),
    ("staff_quebec", 3, {"Puebla": [Decimal("100.0")]}),
    # The Tlaxcala office: its workers wherever they work (4 in Ontario, 1 absconded in Quebec).
    ("staff_tlaxcala", 5, {"Tlaxcala": [Decimal("75.0")]}),
])
def test_staff_see_their_jurisdiction_only(dataset, request, who, placements, on_time_by_state):
    found = build(request.getfixturevalue(who), program_id=None, season=SEASON)
    assert found.headline["placements"] == placements
    assert rows(found, "on-time-by-state") == on_time_by_state


def test_the_page_by_role(dataset, client, sign_in, personas):
    url = "/staff/observatory/"
    assert client.get(url).status_code == 302  # signed out: to the sign-in page
    for user in (personas["employer_a"], personas["employer_b"]):
        assert sign_in(user).get(url).status_code == 403
    for name in ("administrator", "staff_ontario", "staff_tlaxcala"):
        page = sign_in(personas[name]).get(url, {"season": SEASON}, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200
        assert 'id="chart-placements-by-sector"' in page.content.decode()


def test_the_csv_is_the_chart(dataset, client, sign_in, administrator):
    sign_in(administrator)
    answer = client.get("/staff/observatory/", {"season": SEASON, "chart": "on-time-by-state", "file": "csv"},
                        HTTP_ACCEPT_LANGUAGE="en")
    found = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode("utf-8-sig"))))
    assert found == [["State of origin", "On time"], ["Puebla", "100.0"], ["Tlaxcala", "75.0"]]
    assert client.get("/staff/observatory/", {"chart": "nothing", "file": "csv"}).status_code == 404


def test_the_page_shows_each_charts_table(dataset, client, sign_in, administrator):
    page = sign_in(administrator).get("/staff/observatory/", {"season": SEASON}, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert '<div class="visually-hidden"><table id="table-on-time-by-state">' in html
    assert "75.0% (3 of 4)" in html and "Figures computed at" in html


def test_filters_by_program(dataset, administrator, program):
    assert build(administrator, program_id=program.pk, season=SEASON).headline["placements"] == 10
    assert build(administrator, program_id=program.pk + 1000, season=SEASON).headline["placements"] == 0


def test_queries_do_not_grow_with_employers(placed, administrator, program):
    def employers(n):
        for index in range(n):
            employer = EmployerFactory()
            placed(employer, WorksiteFactory(employer=employer, region="CA-ON"), "TLA", 1, status=S.RETURNED,
                   on_time=index % 2 == 0)
        facts.refresh()
        with CaptureQueriesContext(connection) as queries:
            build(administrator, program_id=None, season=SEASON)
        return len(queries)

    assert employers(2) == employers(8)


def test_cached_until_the_next_refresh(dataset, administrator, placed, employer_a, worksite_a, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "dashboard-cached"}}
    first = cached(administrator, program_id=None, season=SEASON)
    placed(employer_a, worksite_a, "TLA", 1)
    with CaptureQueriesContext(connection) as queries:
        assert cached(administrator, program_id=None, season=SEASON).headline == first.headline
    assert len(queries) == 0
    facts.refresh()
    assert cached(administrator, program_id=None, season=SEASON).headline["placements"] == 11


def test_numbers_as_the_viewer_writes_them(dataset, administrator):
    with translation.override("es"):
        worst = build(administrator, program_id=None, season=SEASON).chart("on-time-by-employer").rows
    assert worst[0].shown == ["75,0% (3 de 4)"] and worst[0].values == [Decimal("75.0")]
