"""``GET /api/v1/employers/indicators/``: the employers' indicators over REST, for staff and
administrators only, over the contracts each sees (the figures are ``tests.contracts.
test_indicators``'s hand-computed dataset)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Contract
from tests.contracts import test_indicators as hand_computed
from tests.contracts.test_indicator_pages import many_employers
from tests.helpers import check_cell, matrix

pytestmark = pytest.mark.django_db
URL = "/api/v1/employers/indicators/"
dataset = hand_computed.dataset
years = hand_computed.years


@pytest.mark.parametrize("cell", matrix(
    ("GET", URL, {"anonymous": 401, "administrator": 200, "staff_ontario": 200, "staff_quebec": 200,
                  "staff_tlaxcala": 200, "employer_a": 404, "employer_b": 404}),
    ("GET", URL + "?season=soon", {"anonymous": 401, "administrator": 400, "staff_ontario": 400, "employer_a": 404}),
    ("GET", URL + "?sort=bogus", {"administrator": 400, "employer_a": 404}),
    ("POST", URL, {"anonymous": 401, "administrator": 405, "employer_a": 404}, {}),
))
def test_indicators_matrix(cell, personas, dataset):
    check_cell(cell, personas=personas, objects={}, state=lambda: list(Contract.objects.values("pk", "status")))


def test_the_figures_of_each_employer(api_as, dataset, administrator, employer_a, employer_b):
    response = api_as(administrator).get(URL, {"sort": "name"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    a, b = body["results"]
    assert a == {
        "employer": str(employer_a.public_id), "legal_name": employer_a.legal_name, "placements": 6,
        "returns_confirmed": 3, "returns_on_time": 2, "late_returns": 1, "late_return_percent": 33,
        "returns_awaiting": 2, "returns_overdue": 1, "absences": 2, "absences_reported": 1, "absence_percent": 33,
        "transfers_out": 1, "rating_of_workers": 3.67, "rating_of_workers_count": 3, "rating_by_workers": 2.5,
        "rating_by_workers_count": 2, "contests": 1, "flagged": True}
    assert (b["employer"], b["late_return_percent"], b["rating_by_workers"], b["flagged"]) == (
        str(employer_b.public_id), 0, 5.0, True)


def test_scoped_filtered_and_searched(api_as, dataset, staff_quebec, administrator, program, years, employer_b):
    assert [row["employer"] for row in api_as(staff_quebec).get(URL).json()["results"]] == [
        str(employer_b.public_id)]
    client = api_as(administrator)
    assert client.get(URL, {"season": years[1] + 1}).json()["count"] == 0
    assert client.get(URL, {"program": program.pk, "season": years[0]}).json()["count"] == 2
    assert [row["legal_name"] for row in client.get(URL, {"search": "QUÉBEC"}).json()["results"]] == [
        employer_b.legal_name]


def test_a_page_in_constant_queries(api_as, administrator, program):
    client = api_as(administrator)
    counts = {}
    for numbers in (range(2), range(2, 8)):
        many_employers(program, numbers)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL)
        assert response.json()["count"] == numbers.stop
        counts[numbers.stop] = len(queries)
    # the employers' rows, counted and paged in memory (the token's user is in memory too).
    assert counts == {2: 1, 8: 1}
