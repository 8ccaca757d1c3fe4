"""The public Observatory: anonymous pages and ``/api/v1/stats/``; every persona reads the same
suppressed figures; the CSV holds the table's rows; nothing else opens to anonymous visitors."""

import csv
import io

import pytest
from rest_framework.test import APIClient

from tests.helpers import check_cell, matrix
from tests.observatory.conftest import SEASON

pytestmark = pytest.mark.django_db
ROOT = "/api/v1/stats/"
TABLE = "/api/v1/stats/placements-by-state/"
EVERYONE = {"anonymous": 200, "administrator": 200, "staff_ontario": 200, "staff_tlaxcala": 200,
            "employer_a": 200, "employer_b": 200}


@pytest.mark.parametrize("cell", matrix(
    ("GET", ROOT, EVERYONE),
    ("GET", TABLE, EVERYONE),
    ("GET", "/api/v1/stats/nothing-here/", {"anonymous": 404, "staff_tlaxcala": 404}),
    ("POST", ROOT, {"anonymous": 405, "administrator": 405}, {}),
    ("POST", TABLE, {"anonymous": 405, "employer_a": 405}, {}),
))
def test_who_may_read(cell, personas):
    check_cell(cell, personas=personas, objects={}, state=lambda: None)


def test_the_root_lists_the_aggregates_anonymously():
    body = APIClient().get(ROOT).json()
    assert body["min_cell"] == 5
    assert [aggregate["name"] for aggregate in body["aggregates"]] == [
        "placements-by-state", "placements-by-sector", "placements-by-destination", "return-rates-by-state",
        "savings-paid-out-by-state"]
    assert all(aggregate["url"].startswith("http://testserver/api/v1/stats/") for aggregate in body["aggregates"])


def test_an_aggregate_anonymously_with_its_suppression(place):
    place("TLA", 5)
    place("OAX", 4)
    place("PUE", 7)
    body = APIClient().get(TABLE, {"season": SEASON}).json()
    assert [(cell["key"], cell["people"], cell["suppressed"]) for cell in body["cells"]] == [
        ("OAX", None, "small"), ("PUE", 7, None), ("TLA", None, "secondary")]
    assert body["total"]["people"] == 16 and body["season"] == SEASON
    assert APIClient().get(TABLE, {"season": "last"}).status_code == 400


def test_the_pages_are_public_and_the_csv_is_the_table(client, place):
    place("TLA", 5)
    place("OAX", 4)
    place("PUE", 7)
    assert client.get("/observatory/").status_code == 200
    page = client.get("/observatory/placements-by-state/", {"season": SEASON}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert b'data-key="OAX" data-suppressed="small"' in page.content
    rows = list(csv.reader(io.StringIO(client.get("/observatory/placements-by-state/", {
        "season": SEASON, "file": "csv"}, HTTP_ACCEPT_LANGUAGE="en").content.decode("utf-8-sig"))))
    shown = {cell["label"]: cell for cell in page.context["table"]["cells"]}
    assert [row[0] for row in rows[1:-1]] == list(shown)
    assert [row[1] for row in rows[1:]] == ["", "7", "", "16"]
    assert rows[1][3] == "fewer than 5 people" and rows[3][3] == "hidden to protect another cell"
    assert client.get("/observatory/nothing-here/").status_code == 404


def test_anonymous_visitors_reach_nothing_else(client):
    for url in ("/staff/", "/savings/unclaimed/", "/workers/", "/api/v1/savings/payouts/"):
        assert client.get(url).status_code in (302, 401, 403), url
