"""Absences over REST: role × endpoint for ``absences/`` and ``report-absence``, the staff-only
notes hidden from employers, 409s that say what is allowed, a list whose queries do not grow."""

import dataclasses

import pytest
import time_machine
from django.utils import translation

from contracts.absences import absence_found, absence_report
from contracts.models import Absence, Contract, ContractStatusChange
from employers.models import RequestEvent
from tests.contracts.test_absences import CHECKED, MONDAY, WEDNESDAY, active_contract, noon, season_request
from tests.contracts.test_allocation_api import filled
from tests.helpers import assert_constant_queries, check_cell, matrix
from twp.models import Notification

pytestmark = pytest.mark.django_db
CONTRACT = "/api/v1/contracts/{contract}/"
ABSENCE = "/api/v1/absences/{absence}/"
EMPLOYERS = "/api/v1/absences/employers/?program={program}&season=2027"
REPORT = {"last_seen_on": MONDAY.isoformat(), "note": "Not at work since Tuesday"}
NOT_SEEN = {"anonymous": 401, "staff_quebec": 404, "employer_b": 404}
STAFF = {"administrator": 200, "staff_ontario": 200, "staff_tlaxcala": 200}


@pytest.fixture(autouse=True)
def in_english_on_a_wednesday():
    with translation.override("en"), time_machine.travel(noon(WEDNESDAY), tick=False):
        yield


@pytest.fixture
def world(personas, program, employer_a, worksite_a):
    """Employer A's Tlaxcala worker at work in Ontario, reported absent by the employer."""
    contract = active_contract(season_request(program, employer_a, worksite_a), state_of_origin="TLA")
    absence = absence_report(contract=contract, last_seen_on=MONDAY, note="Not at work since Tuesday",
                             by=personas["employer_a"])
    return {"contract": contract.public_id, "absence": absence.public_id, "program": program.pk}


def at(world, **fields):
    """The world's absence moved to a stage (a test's starting point, not how it gets there)."""
    Absence.objects.filter(public_id=world["absence"]).update(**fields)
    return world


def state():
    """Everything a call on these endpoints could change."""
    return (list(Absence.objects.order_by("id").values()), list(Contract.objects.order_by("id").values()),
            ContractStatusChange.objects.count(), RequestEvent.objects.count(), Notification.objects.count())


def check(cell, personas, world):
    return check_cell(dataclasses.replace(cell, data=filled(cell.data, world)), personas=personas, objects=world,
                      state=state)


@pytest.mark.parametrize("cell", matrix(
    ("GET", "/api/v1/absences/", {"anonymous": 401, **STAFF, "staff_quebec": 200, "employer_a": 200,
                                  "employer_b": 200}),
    ("GET", ABSENCE, {**NOT_SEEN, **STAFF, "employer_a": 200}),
    ("POST", ABSENCE + "missing/", {**NOT_SEEN, **STAFF, "employer_a": 403}, {}),
    ("POST", ABSENCE + "welfare-check/", {**NOT_SEEN, **STAFF, "employer_a": 403}, {"note": "Safe, with a cousin"}),
    ("POST", ABSENCE + "welfare-check/", {"administrator": 400, "employer_a": 403}, {"note": ""}),
    ("POST", ABSENCE + "found/", {**NOT_SEEN, **STAFF, "employer_a": 403}, {"note": "Back at work"}),
    ("POST", ABSENCE + "reported/", {**NOT_SEEN, "administrator": 409, "staff_ontario": 409, "employer_a": 403}, {}),
    ("DELETE", ABSENCE, {"anonymous": 401, "administrator": 405, "employer_a": 405}),
    # One absence is open already: a second report is a conflict, for whoever may report.
    ("POST", CONTRACT + "report-absence/", {**NOT_SEEN, "administrator": 409, "staff_tlaxcala": 409,
                                            "employer_a": 409}, REPORT),
    ("GET", EMPLOYERS, {"anonymous": 401, **STAFF, "staff_quebec": 200, "employer_a": 403, "employer_b": 403}),
))
def test_a_late_absence(cell, personas, world):
    check(cell, personas, world)


@pytest.mark.parametrize("cell", matrix(
    ("POST", ABSENCE + "reported/", {**NOT_SEEN, **STAFF, "employer_a": 403}, {}),
    ("POST", ABSENCE + "missing/", {**NOT_SEEN, "administrator": 409, "employer_a": 403}, {}),
    ("POST", ABSENCE + "welfare-check/", {"administrator": 409, "employer_a": 403}, {"note": "Again"}),
))
def test_a_missing_absence_after_the_welfare_check(cell, personas, world):
    check(cell, personas, at(world, stage="missing", missing_since=CHECKED["welfare_checked_at"], **CHECKED))


@pytest.mark.parametrize("cell", matrix(
    ("POST", CONTRACT + "report-absence/", {**NOT_SEEN, "administrator": 201, "staff_ontario": 201,
                                            "staff_tlaxcala": 201, "employer_a": 201}, REPORT),
    ("POST", CONTRACT + "report-absence/", {"administrator": 400, "employer_a": 400}, {"note": "No date"}),
    ("POST", CONTRACT + "report-absence/", {"administrator": 400, "employer_a": 400}, {"last_seen_on": "2099-01-01"}),
    ("POST", ABSENCE + "found/", {**NOT_SEEN, "administrator": 409, "employer_a": 403}, {}),
))
def test_a_found_absence(cell, personas, world):
    check(cell, personas, at(world, stage="found", closed_at=CHECKED["welfare_checked_at"]))


def test_a_report_answers_with_the_new_absence(api_as, personas, world, staff_ontario):
    absence_found(absence=Absence.objects.get(public_id=world["absence"]), by=staff_ontario)
    response = api_as(personas["employer_a"]).post(CONTRACT.format(**world) + "report-absence/",
                                                  {**REPORT, "version": 1}, format="json")
    body = response.json()
    assert (response.status_code, body["stage"], body["contract"], body["last_seen_on"], body["reported_late"]) == (
        201, "late", str(world["contract"]), MONDAY.isoformat(), False)
    assert set(body["worker"]) == {"id", "name"}
    stale = api_as(personas["administrator"]).post(CONTRACT.format(**world) + "report-absence/",
                                                  {**REPORT, "version": 7}, format="json")
    assert stale.status_code == 409


def test_the_employer_never_reads_the_staff_notes(api_as, personas, world):
    at(world, stage="found", closed_at=CHECKED["welfare_checked_at"], closing_note="Says the foreman hit him",
       **CHECKED)
    staff = api_as(personas["staff_ontario"]).get(ABSENCE.format(**world)).json()
    assert (staff["welfare_check_note"], staff["closing_note"]) == (CHECKED["welfare_check_note"],
                                                                    "Says the foreman hit him")
    for response in (api_as(personas["employer_a"]).get(ABSENCE.format(**world)),
                     api_as(personas["employer_a"]).get("/api/v1/absences/")):
        text = response.content.decode()
        assert response.status_code == 200
        assert "foreman" not in text and CHECKED["welfare_check_note"] not in text
    employer = api_as(personas["employer_a"]).get(ABSENCE.format(**world)).json()
    assert (employer["welfare_check_note"], employer["closing_note"], employer["welfare_check_overdue_on"]) == (
        None, None, None)
    assert employer["welfare_checked_at"] is not None  # that the consulate checked is no secret


def test_each_sees_only_the_absences_in_scope(api_as, personas, world):
    def ids(persona):
        return [row["id"] for row in api_as(personas[persona]).get("/api/v1/absences/").json()["results"]]

    assert ids("employer_a") == ids("staff_ontario") == ids("staff_tlaxcala") == [str(world["absence"])]
    assert ids("employer_b") == ids("staff_quebec") == []


def test_a_step_not_allowed_lists_those_that_are(api_as, personas, world):
    response = api_as(personas["staff_ontario"]).post(ABSENCE.format(**world) + "reported/", {}, format="json")
    assert (response.status_code, response.json()["current_status"], response.json()["allowed_actions"]) == (
        409, "late", ["found", "missing", "welfare-check"])
    at(world, stage="missing", missing_since=CHECKED["welfare_checked_at"])
    response = api_as(personas["staff_ontario"]).post(ABSENCE.format(**world) + "reported/", {}, format="json")
    with translation.override("es"):  # the answer is in the caller's language (Spanish here)
        expected = str(translation.gettext("Record the consulate's welfare check before reporting the worker to the "
                                           "authorities."))
    assert (response.status_code, response.json()) == (409, {"detail": expected})


def test_the_whole_way_to_the_authorities(api_as, personas, world):
    client = api_as(personas["staff_ontario"])
    url = ABSENCE.format(**world)
    version = client.get(url).json()["version"]
    assert client.post(url + "missing/", {"version": version + 1}, format="json").status_code == 409
    assert client.post(url + "missing/", {"version": version}, format="json").json()["stage"] == "missing"
    checked = client.post(url + "welfare-check/", {"note": "No one has seen him since Monday"}, format="json")
    assert checked.json()["welfare_check_note"] == "No one has seen him since Monday"
    done = client.post(url + "reported/", {}, format="json").json()
    assert (done["stage"], done["version"]) == ("reported", version + 3)
    contract = client.get(CONTRACT.format(**world)).json()
    assert (contract["status"], contract["effective_end"]) == ("absconded", MONDAY.isoformat())


def test_the_employers_with_many_absences(api_as, personas, world, program, staff_ontario):
    contract = Contract.objects.get(public_id=world["contract"])
    absence_found(absence=Absence.objects.get(public_id=world["absence"]), by=staff_ontario)
    for _ in range(2):
        absence_found(absence=absence_report(contract=contract, last_seen_on=MONDAY, by=staff_ontario),
                      by=staff_ontario)
    body = api_as(personas["staff_ontario"]).get(EMPLOYERS.format(**world)).json()
    assert body == [{"employer": str(contract.request.employer.public_id), "legal_name": "Ontario Orchards Ltd.",
                     "absences": 3}]
    assert api_as(personas["staff_quebec"]).get(EMPLOYERS.format(**world)).json() == []


@pytest.mark.parametrize(("query", "field"), [("", "program"), ("?program=1", "season"),
                                              ("?program=999999&season=2027", "program"),
                                              ("?program=1&season=1999", "season")])
def test_the_employers_list_needs_a_program_and_a_season(api_as, personas, world, query, field):
    response = api_as(personas["administrator"]).get("/api/v1/absences/employers/" + query)
    assert response.status_code == 400
    assert field in response.json()


def test_the_list_costs_the_same_queries_at_any_page_size(api_as, personas, world, program, employer_a, worksite_a):
    request = Contract.objects.get(public_id=world["contract"]).request
    for _ in range(10):
        absence_report(contract=active_contract(request), last_seen_on=MONDAY, by=personas["employer_a"])
    client = api_as(personas["staff_ontario"])
    # One query: the page of absences with their contracts, workers, employers and worksites, scoped
    # by a subquery on the contracts (the staff member's office is already loaded).
    assert assert_constant_queries(client, "/api/v1/absences/") == 1
