"""The employers API: employers, worksites, worker requests, their actions, named workers and the
timeline — who may do what (a role × endpoint matrix), bad input refused on its field, illegal
transitions answered 409, and lists whose query count does not grow with their page."""

import dataclasses
import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from employers.models import (
    Employer,
    EmployerStatusChange,
    NamedWorker,
    RequestEvent,
    RequestStatus,
    WorkerRequest,
    Worksite,
)
from tests.factories import (
    EmployerFactory,
    WorkerFactory,
    WorkerRequestFactory,
    WorksiteFactory,
    fully_documented,
    next_season_start,
)
from tests.helpers import assert_constant_queries, check_cell, matrix
from twp.models import MinimumWage, Notification
from workers.models import Occupation

pytestmark = pytest.mark.django_db

EMPLOYERS = "/api/v1/employers/"
EMPLOYER_A = EMPLOYERS + "{employer_a}/"
PENDING = EMPLOYERS + "{pending}/"
WORKSITES_A = EMPLOYER_A + "worksites/"
WORKSITE_A = WORKSITES_A + "{worksite_a}/"
REQUESTS = "/api/v1/requests/"
DRAFT = REQUESTS + "{draft}/"
SUBMITTED = REQUESTS + "{submitted}/"
APPROVED = REQUESTS + "{approved}/"
NAMED = DRAFT + "named-workers/"
NOT_AVAILABLE = "Cannot be placed this season; the office will contact you."

EVERYONE_READS = {"anonymous": 401, "administrator": 200, "staff_ontario": 200, "staff_quebec": 200,
                  "staff_tlaxcala": 200, "employer_a": 200, "employer_b": 200}
# Employer A's things (its worksite is in Ontario): what each persona gets on reading one.
READS_OF_A = {"anonymous": 401, "administrator": 200, "staff_ontario": 200, "staff_quebec": 404,
              "staff_tlaxcala": 404, "employer_a": 200, "employer_b": 404}


@pytest.fixture
def api_as(api_as):
    """API clients that read the answers in English (the messages below are quoted in English)."""

    def make(user):
        client = api_as(user)
        client.credentials(HTTP_ACCEPT_LANGUAGE="en")
        return client

    return make


def state():
    """Everything a call on these endpoints could change."""
    return (
        list(Employer.objects.order_by("id").values()),
        list(Worksite.objects.order_by("id").values()),
        list(WorkerRequest.objects.order_by("id").values()),
        list(NamedWorker.objects.order_by("id").values("request_id", "worker_id")),
        RequestEvent.objects.count(),
        EmployerStatusChange.objects.count(),
        Notification.objects.count(),
    )


def filled(value, objects):
    """The cell's body with each "{name}" string replaced by that object's public id."""
    if isinstance(value, dict):
        return {key: filled(item, objects) for key, item in value.items()}
    if isinstance(value, list):
        return [filled(item, objects) for item in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return str(objects[value[1:-1]])
    return value


def terms(program, worksite, **overrides):
    """A valid request body for ``worksite``."""
    start = next_season_start()
    body = {
        "program": program.pk, "worksite": str(worksite.public_id),
        "occupation": Occupation.objects.order_by("code").first().code, "workers_requested": 3,
        "start_date": start.isoformat(), "end_date": (start + datetime.timedelta(weeks=10)).isoformat(),
        "wage_amount": "17.60", "hours_per_week": 40, "labour_market_reference": "7654321",
    }
    body.update(overrides)
    return body


@pytest.fixture
def former_worker(program, employer_a, staff_tlaxcala):
    """A worker employer A had last season (named on its filled request), fully documented."""
    last_season = WorkerRequestFactory(
        program=program, employer=employer_a, status=RequestStatus.FILLED,
        start_date=datetime.date(timezone.localdate().year - 1, 5, 4),
        end_date=datetime.date(timezone.localdate().year - 1, 8, 3),
    )
    worker = fully_documented(WorkerFactory(first_names="Rosa", paternal_surname="Tlapa"), staff_tlaxcala,
                              start=next_season_start())
    NamedWorker.objects.create(request=last_season, worker=worker, added_by=staff_tlaxcala)
    return worker


@pytest.fixture
def world(personas, program, employer_a, employer_b, worksite_a, worksite_b, former_worker):
    """Employer A (Ontario) with a draft, a submitted and an approved request; a pending employer in
    Ontario; employer B (Quebec) with a draft of its own."""
    pending = EmployerFactory(legal_name="New Farm Inc.", status=Employer.Status.PENDING)
    WorksiteFactory(employer=pending, region="CA-ON")
    draft = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a)
    named_draft = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a)
    NamedWorker.objects.create(request=named_draft, worker=former_worker, added_by=personas["employer_a"])
    return {
        "employer_a": employer_a.public_id, "employer_b": employer_b.public_id, "pending": pending.public_id,
        "worksite_a": worksite_a.public_id, "worksite_b": worksite_b.public_id,
        "draft": draft.public_id, "named_draft": named_draft.public_id,
        "submitted": WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                          status=RequestStatus.SUBMITTED).public_id,
        "approved": WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                         status=RequestStatus.APPROVED).public_id,
        "draft_b": WorkerRequestFactory(program=program, employer=employer_b, worksite=worksite_b).public_id,
        "former_worker": former_worker.public_id,
        "program": program.pk,
    }


def run_cell(cell, personas, world):
    cell = dataclasses.replace(cell, data=filled(cell.data, world))
    return check_cell(cell, personas=personas, objects=world, state=state)


# --- Role × endpoint -----------------------------------------------------------------------------

@pytest.mark.parametrize("cell", matrix(
    ("GET", EMPLOYERS, EVERYONE_READS),
    ("GET", EMPLOYER_A, READS_OF_A),
    ("PATCH", EMPLOYER_A, {"anonymous": 401, "administrator": 200, "staff_ontario": 403, "staff_quebec": 404,
                           "staff_tlaxcala": 404, "employer_a": 200, "employer_b": 404},
     {"legal_name": "Ontario Orchards Limited", "version": 1}),
    ("PATCH", EMPLOYER_A, {"administrator": 400, "employer_a": 400}, {"legal_name": "No version"}),
    ("PATCH", EMPLOYER_A, {"employer_a": 409}, {"legal_name": "Stale", "version": 7}),
    ("PATCH", EMPLOYER_A, {"employer_a": 200}, {"status": "suspended", "version": 1}),  # status is read-only
    ("POST", EMPLOYERS, {"anonymous": 401, "administrator": 405, "employer_a": 405}, {"legal_name": "X"}),
    ("DELETE", EMPLOYER_A, {"anonymous": 401, "administrator": 405, "employer_a": 405}),
    ("POST", EMPLOYER_A + "suspend/", {"anonymous": 401, "administrator": 200, "staff_ontario": 200,
                                       "staff_quebec": 404, "staff_tlaxcala": 404, "employer_a": 403,
                                       "employer_b": 404}, {"reason": "Housing complaint"}),
    ("POST", EMPLOYER_A + "suspend/", {"staff_ontario": 400}, {"reason": "  "}),
    ("POST", EMPLOYER_A + "approve/", {"administrator": 409, "staff_ontario": 409, "employer_a": 403}, {}),
    ("POST", EMPLOYER_A + "reject/", {"administrator": 409, "staff_ontario": 409}, {"reason": "Too late"}),
    ("POST", PENDING + "approve/", {"anonymous": 401, "administrator": 200, "staff_ontario": 200,
                                    "staff_quebec": 404, "staff_tlaxcala": 404, "employer_a": 404,
                                    "employer_b": 404}, {}),
    ("POST", PENDING + "reject/", {"administrator": 200, "staff_ontario": 200, "staff_quebec": 404,
                                   "employer_a": 404}, {"reason": "Not a farm"}),
    ("POST", PENDING + "reject/", {"staff_ontario": 400}, {}),
    ("POST", PENDING + "suspend/", {"staff_ontario": 409}, {"reason": "Not yet approved"}),
))
def test_employers_matrix(cell, personas, world):
    response = run_cell(cell, personas, world)
    if cell.status == 409:
        assert "allowed_actions" in response.json() or "detail" in response.json()


def test_a_status_sent_in_an_edit_is_ignored(api_as, employer_a_user, employer_a):
    response = api_as(employer_a_user).patch(f"{EMPLOYERS}{employer_a.public_id}/",
                                             {"status": "suspended", "version": 1})
    assert response.status_code == 200
    employer_a.refresh_from_db()
    assert employer_a.status == Employer.Status.APPROVED
    assert response.json()["status"] == "approved"


@pytest.mark.parametrize("cell", matrix(
    ("GET", WORKSITES_A, READS_OF_A),
    ("GET", WORKSITE_A, READS_OF_A),
    ("GET", EMPLOYERS + "{employer_b}/worksites/{worksite_a}/", {"administrator": 404}),
    ("POST", WORKSITES_A, {"anonymous": 401, "administrator": 201, "staff_ontario": 403, "staff_quebec": 404,
                           "staff_tlaxcala": 404, "employer_a": 201, "employer_b": 404},
     {"name": "North field", "address": "9 Side Road", "city": "Kingsville", "region": "CA-ON"}),
    ("POST", WORKSITES_A, {"employer_a": 400},
     {"name": "Abroad", "address": "1 Main St", "city": "Yakima", "region": "US-WA"}),
    ("POST", WORKSITES_A, {"employer_a": 400},
     {"name": "Inspected", "address": "1 Main St", "city": "Guelph", "region": "CA-ON",
      "housing_inspection_result": "passed"}),
    ("PATCH", WORKSITE_A, {"anonymous": 401, "administrator": 200, "staff_ontario": 403, "staff_quebec": 404,
                           "staff_tlaxcala": 404, "employer_a": 200, "employer_b": 404}, {"city": "Kingsville"}),
    ("DELETE", WORKSITE_A, {"administrator": 405, "employer_a": 405}),
))
def test_worksites_matrix(cell, personas, world):
    run_cell(cell, personas, world)


NEW_REQUEST = {"program": "{program}", "worksite": "{worksite_a}", "occupation": "45-2092", "workers_requested": 3,
               "start_date": "{start}", "end_date": "{end}", "wage_amount": "17.60", "hours_per_week": 40,
               "labour_market_reference": "7654321"}


@pytest.fixture
def request_world(world):
    start = next_season_start()
    return {**world, "start": start.isoformat(), "end": (start + datetime.timedelta(weeks=10)).isoformat()}


@pytest.mark.parametrize("cell", matrix(
    ("GET", REQUESTS, EVERYONE_READS),
    ("GET", DRAFT, READS_OF_A),
    ("GET", APPROVED, {**READS_OF_A, "staff_tlaxcala": 200}),  # state offices read what they allocate to
    ("POST", REQUESTS, {"anonymous": 401, "staff_ontario": 403, "staff_tlaxcala": 403, "employer_a": 201,
                        "employer_b": 400}, NEW_REQUEST),  # B may not use A's worksite
    ("POST", REQUESTS, {"administrator": 400}, NEW_REQUEST),  # administrators name the employer
    ("POST", REQUESTS, {"administrator": 201, "employer_b": 400}, {**NEW_REQUEST, "employer": "{employer_a}"}),
    ("PATCH", DRAFT, {"anonymous": 401, "administrator": 200, "staff_ontario": 403, "staff_quebec": 404,
                      "staff_tlaxcala": 404, "employer_a": 200, "employer_b": 404},
     {"workers_requested": 5, "version": 1}),
    ("PATCH", DRAFT, {"employer_a": 400}, {"workers_requested": 5}),
    ("PATCH", DRAFT, {"employer_a": 409}, {"workers_requested": 5, "version": 2}),
    ("PATCH", DRAFT, {"employer_a": 400}, {"employer": "{employer_b}", "version": 1}),
    ("PATCH", SUBMITTED, {"employer_a": 409, "administrator": 409, "staff_ontario": 403},
     {"workers_requested": 5, "version": 1}),
    ("POST", DRAFT + "submit/", {"anonymous": 401, "administrator": 200, "staff_ontario": 403, "staff_quebec": 404,
                                 "staff_tlaxcala": 404, "employer_a": 200, "employer_b": 404}, {}),
    ("POST", DRAFT + "submit/", {"employer_a": 409}, {"version": 3}),
    ("POST", SUBMITTED + "approve/", {"anonymous": 401, "administrator": 200, "staff_ontario": 200,
                                      "staff_quebec": 404, "staff_tlaxcala": 404, "employer_a": 403,
                                      "employer_b": 404}, {}),
    ("POST", SUBMITTED + "reject/", {"anonymous": 401, "administrator": 200, "staff_ontario": 200,
                                     "staff_quebec": 404, "staff_tlaxcala": 404, "employer_a": 403,
                                     "employer_b": 404}, {"reason": "No LMIA on file"}),
    ("POST", SUBMITTED + "reject/", {"staff_ontario": 400}, {"reason": " "}),
    ("POST", DRAFT + "cancel/", {"anonymous": 401, "administrator": 200, "staff_ontario": 200, "staff_quebec": 404,
                                 "staff_tlaxcala": 404, "employer_a": 200, "employer_b": 404}, {}),
    ("POST", APPROVED + "cancel/", {"staff_tlaxcala": 403, "staff_quebec": 404, "employer_a": 200}, {}),
    ("POST", APPROVED + "copy/", {"anonymous": 401, "administrator": 201, "staff_ontario": 403, "staff_quebec": 404,
                                  "staff_tlaxcala": 403, "employer_a": 201, "employer_b": 404}, {}),
    ("POST", APPROVED + "copy/", {"employer_a": 400}, {"season": 2099}),
    ("POST", APPROVED + "amend/", {"anonymous": 401, "administrator": 200, "staff_ontario": 403,
                                   "staff_quebec": 404, "staff_tlaxcala": 403, "employer_a": 200,
                                   "employer_b": 404}, {"workers_requested": 6, "version": 1, "reason": "More"}),
    ("POST", APPROVED + "amend/", {"employer_a": 400}, {"workers_requested": 4, "version": 1}),  # nothing changed
    ("POST", APPROVED + "amend/", {"employer_a": 400}, {"workers_requested": 6}),  # no version
    ("GET", DRAFT + "timeline/", READS_OF_A),
    ("GET", NAMED, READS_OF_A),
    ("POST", NAMED, {"anonymous": 401, "administrator": 201, "staff_ontario": 201, "staff_quebec": 404,
                     "staff_tlaxcala": 404, "employer_a": 201, "employer_b": 404}, {"worker": "{former_worker}"}),
    ("DELETE", REQUESTS + "{named_draft}/named-workers/{former_worker}/",
     {"anonymous": 401, "administrator": 204, "staff_ontario": 204, "staff_quebec": 404, "staff_tlaxcala": 404,
      "employer_a": 204, "employer_b": 404}),
    ("DELETE", DRAFT + "named-workers/{former_worker}/", {"employer_a": 404}),  # not named there
    ("GET", REQUESTS + "former-workers/", {"anonymous": 401, "administrator": 403, "staff_ontario": 403,
                                           "staff_tlaxcala": 403, "employer_a": 200, "employer_b": 200}),
))
def test_requests_matrix(cell, personas, request_world):
    run_cell(cell, personas, request_world)


def test_another_employers_request_is_not_found_for_every_action(api_as, employer_b_user, world):
    client = api_as(employer_b_user)
    before = state()
    for action in ["submit", "approve", "reject", "cancel", "copy", "amend", "timeline", "named-workers"]:
        method = client.get if action in ("timeline", "named-workers") else client.post
        response = method(f"{REQUESTS}{world['draft']}/{action}/", {"reason": "x", "version": 1})
        assert response.status_code == 404, action
    assert state() == before


# --- Bad input: refused on its field, nothing written --------------------------------------------

def refused(client, body):
    before = WorkerRequest.objects.count()
    response = client.post(REQUESTS, body)
    assert response.status_code == 400, response.json()
    assert WorkerRequest.objects.count() == before
    return response.json()


@pytest.mark.parametrize(("overrides", "field", "fragment"), [
    ({"end_date": "start"}, "end_date", "after the start"),
    ({"end_date": "2027-02-30"}, "end_date", "Date has wrong format"),
    ({"weeks": 3}, "end_date", "at least 6 weeks"),
    ({"weeks": 40}, "end_date", "at most 8 months"),
    ({"season_end": True}, "end_date", "season ends"),
    ({"start_date": "soon"}, "start_date", "at least 30 days"),
    ({"start_date": "9999-06-01", "end_date": "9999-08-01"}, "start_date", "between 2000 and 2100"),
    ({"hours_per_week": 20}, "hours_per_week", "at least 240"),
    ({"wage_amount": "17.555"}, "wage_amount", "2 decimal places"),
    ({"wage_amount": "0"}, "wage_amount", "more than zero"),
    ({"wage_amount": "NaN"}, "wage_amount", "valid number"),
    ({"wage_currency": "USD"}, "wage_currency", "CAD"),
    ({"workers_requested": 0}, "workers_requested", "at least one"),
    ({"labour_market_reference": "12AB"}, "labour_market_reference", "LMIA"),
    ({"labour_market_reference": "1" * 41}, "labour_market_reference", "40 characters"),
    ({"notes": "x" * 2001}, "notes", "2000 characters"),
    ({"occupation": "99-9999"}, "occupation", "does not exist"),
    ({"program": 2**40}, "program", "does not exist"),
    ({"worksite": "not-a-uuid"}, "worksite", "UUID"),
    ({"required_languages": ["en", "English", ""]}, "required_languages", "3 characters"),
])
def test_bad_terms_are_refused_on_their_field(api_as, employer_a_user, program, worksite_a, overrides, field,
                                              fragment):
    body = terms(program, worksite_a)
    start = next_season_start()
    if overrides.get("end_date") == "start":
        overrides["end_date"] = body["start_date"]
    if "weeks" in overrides:
        body["end_date"] = (start + datetime.timedelta(weeks=overrides.pop("weeks"))).isoformat()
    if overrides.pop("season_end", False):
        body["start_date"], body["end_date"] = f"{start.year}-11-01", f"{start.year}-12-20"
    if overrides.get("start_date") == "soon":
        soon = timezone.localdate() + datetime.timedelta(days=10)
        overrides = {"start_date": soon.isoformat(), "end_date": (soon + datetime.timedelta(weeks=8)).isoformat()}
    body.update(overrides)
    errors = refused(api_as(employer_a_user), body)
    assert field in errors, errors
    assert fragment in str(errors[field]), errors


def test_a_wage_under_the_minimum_of_the_table_is_refused_via_the_api(api_as, employer_a_user, program, worksite_a):
    MinimumWage.objects.create(program=program, region="CA-ON", effective_from=datetime.date(2024, 1, 1),
                               hourly_amount=Decimal("17.95"))
    client = api_as(employer_a_user)
    errors = refused(client, terms(program, worksite_a, wage_amount="17.94"))
    assert "17.95" in errors["wage_amount"][0]
    assert client.post(REQUESTS, terms(program, worksite_a, wage_amount="17.95")).status_code == 201


def test_extra_decimals_are_refused_not_rounded(api_as, employer_a_user, program, worksite_a):
    errors = refused(api_as(employer_a_user), terms(program, worksite_a, wage_amount="17.555"))
    assert errors == {"wage_amount": ["Ensure that there are no more than 2 decimal places."]}


@pytest.mark.parametrize(("country", "region", "number", "fragment"), [
    ("CA", "CA-ON", "123456789", "check digit"),
    ("CA", "CA-ON", "12345", "9 digits"),
    ("US", "US-WA", "00-1234567", "prefix the IRS assigns"),
    ("US", "US-WA", "0412345678", "EIN"),
])
def test_bad_business_numbers_are_refused_on_their_field(api_as, administrator, country, region, number, fragment):
    employer = EmployerFactory(country=country, region=region, business_number="")
    before = list(Employer.objects.values())
    response = api_as(administrator).patch(f"{EMPLOYERS}{employer.public_id}/",
                                           {"business_number": number, "version": 1})
    assert response.status_code == 400, response.json()
    assert fragment in " ".join(response.json()["business_number"])
    assert list(Employer.objects.values()) == before


def test_a_valid_business_number_is_stored_compact(api_as, administrator):
    employer = EmployerFactory(country="US", region="US-WA", business_number="")
    response = api_as(administrator).patch(f"{EMPLOYERS}{employer.public_id}/",
                                           {"business_number": "04-1234567", "version": 1})
    assert response.status_code == 200
    assert (response.json()["business_number"], response.json()["version"]) == ("041234567", 2)


def test_a_region_of_another_country_is_refused(api_as, employer_a_user, employer_a):
    response = api_as(employer_a_user).patch(f"{EMPLOYERS}{employer_a.public_id}/", {"region": "US-WA", "version": 1})
    assert response.status_code == 400
    assert list(response.json()) == ["region"]


# --- Named workers -------------------------------------------------------------------------------

def test_employers_see_only_available_and_staff_see_the_reasons(api_as, world, personas):
    draft = WorkerRequest.objects.get(public_id=world["draft"])
    undocumented = WorkerFactory(first_names="Luis", paternal_surname="Sin Papeles")
    admin = api_as(personas["administrator"])
    assert admin.post(f"{REQUESTS}{draft.public_id}/named-workers/",
                      {"worker": str(world["former_worker"])}).status_code == 201
    assert admin.post(f"{REQUESTS}{draft.public_id}/named-workers/", {"curp": undocumented.curp.lower()}
                      ).status_code == 201

    employer_rows = api_as(personas["employer_a"]).get(f"{REQUESTS}{draft.public_id}/named-workers/").json()
    assert employer_rows["results"] == [
        {"id": str(world["former_worker"]), "name": "Rosa Tlapa Pérez", "available": True, "message": None},
        {"id": str(undocumented.public_id), "name": "Luis Sin Papeles Pérez", "available": False,
         "message": NOT_AVAILABLE},
    ]
    assert undocumented.curp not in str(employer_rows)

    staff_rows = api_as(personas["staff_ontario"]).get(f"{REQUESTS}{draft.public_id}/named-workers/").json()
    assert [row["available"] for row in staff_rows["results"]] == [True, False]
    assert staff_rows["results"][0]["reasons"] == []
    codes = [reason["code"] for reason in staff_rows["results"][1]["reasons"]]
    assert "passport_missing_or_expiring" in codes
    assert all(reason["message"] for reason in staff_rows["results"][1]["reasons"])


def test_an_employer_gets_the_same_answer_for_a_stranger_and_for_no_one(api_as, world, employer_a_user):
    import uuid

    client = api_as(employer_a_user)
    url = f"{REQUESTS}{world['draft']}/named-workers/"
    before = state()
    stranger = client.post(url, {"worker": str(WorkerFactory().public_id)})
    no_one = client.post(url, {"worker": str(uuid.uuid4())})
    assert stranger.status_code == no_one.status_code == 400
    assert stranger.json() == no_one.json() == {
        "worker": ["Choose one of the workers you employed in earlier seasons."]}
    by_curp = client.post(url, {"curp": WorkerFactory().curp})
    assert by_curp.status_code == 400
    assert list(by_curp.json()) == ["curp"]
    assert state()[1:4] == before[1:4]


def test_staff_name_by_curp_in_the_body_and_an_unknown_curp_is_not_found(api_as, world, administrator):
    from tests.factories import make_curp

    url = f"{REQUESTS}{world['draft']}/named-workers/"
    unknown = make_curp(birth_date=datetime.date(1991, 2, 3), sex="H", state="TLA", serial=999)
    before = NamedWorker.objects.count()
    response = api_as(administrator).post(url, {"curp": unknown})
    assert response.status_code == 404
    assert unknown not in response.content.decode()
    assert api_as(administrator).post(url, {}).status_code == 400
    assert NamedWorker.objects.count() == before


def test_named_workers_never_outnumber_the_workers_requested(api_as, world, administrator):
    draft = WorkerRequest.objects.get(public_id=world["draft"])
    WorkerRequest.objects.filter(pk=draft.pk).update(workers_requested=1)
    url = f"{REQUESTS}{draft.public_id}/named-workers/"
    client = api_as(administrator)
    assert client.post(url, {"worker": str(world["former_worker"])}).status_code == 201
    response = client.post(url, {"worker": str(WorkerFactory().public_id)})
    assert response.status_code == 400
    assert "more workers than you request" in response.json()["worker"][0]
    assert draft.named_workers.count() == 1


def test_the_same_worker_cannot_be_named_twice(api_as, world, employer_a_user):
    url = f"{REQUESTS}{world['named_draft']}/named-workers/"
    before = state()
    response = api_as(employer_a_user).post(url, {"worker": str(world["former_worker"])})
    assert response.status_code == 400
    assert response.json() == {"worker": ["This worker is already named on the request."]}
    assert state() == before


def test_workers_are_named_only_on_drafts_and_submitted_requests(api_as, world, employer_a_user):
    before = state()
    response = api_as(employer_a_user).post(f"{REQUESTS}{world['approved']}/named-workers/",
                                            {"worker": str(world["former_worker"])})
    assert response.status_code == 409
    assert response.json()["current_status"] == "approved"
    assert state() == before


def test_former_workers_are_listed_by_name_and_last_contract_never_by_curp(api_as, world, employer_a_user,
                                                                           former_worker):
    rows = api_as(employer_a_user).get(f"{REQUESTS}former-workers/").json()
    year = timezone.localdate().year - 1
    assert rows == [{"id": str(former_worker.public_id), "name": "Rosa Tlapa Pérez", "last_season": year,
                     "last_end": f"{year}-08-03"}]
    assert former_worker.curp not in str(rows)


def test_employer_b_has_no_former_workers_of_employer_a(api_as, world, employer_b_user):
    assert api_as(employer_b_user).get(f"{REQUESTS}former-workers/").json() == []


# --- Transitions ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "action"), [
    ("draft", "approve"), ("draft", "reject"), ("draft", "amend"),
    ("submitted", "submit"), ("submitted", "amend"),
    ("approved", "submit"), ("approved", "approve"), ("approved", "reject"),
    ("rejected", "submit"), ("rejected", "approve"), ("rejected", "reject"), ("rejected", "cancel"),
    ("rejected", "amend"),
    ("cancelled", "submit"), ("cancelled", "approve"), ("cancelled", "reject"), ("cancelled", "cancel"),
    ("cancelled", "amend"),
    ("partially_filled", "submit"), ("partially_filled", "cancel"), ("partially_filled", "amend"),
    ("filled", "approve"), ("filled", "cancel"), ("filled", "amend"),
])
def test_every_illegal_transition_is_refused_with_the_allowed_actions(api_as, administrator, program, employer_a,
                                                                      worksite_a, status, action):
    request = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a, status=status)
    before = state()
    response = api_as(administrator).post(f"{REQUESTS}{request.public_id}/{action}/",
                                          {"reason": "Because", "version": 1, "workers_requested": 9})
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["current_status"] == status
    assert action not in body["allowed_actions"]
    assert "copy" in body["allowed_actions"]
    assert state() == before


def test_the_answer_lists_what_the_caller_may_do(api_as, world, personas):
    draft = f"{REQUESTS}{world['draft']}/"
    assert api_as(personas["employer_a"]).get(draft).json()["allowed_actions"] == ["cancel", "copy", "edit",
                                                                                   "submit"]
    assert api_as(personas["staff_ontario"]).get(draft).json()["allowed_actions"] == ["cancel"]
    submitted = f"{REQUESTS}{world['submitted']}/"
    assert api_as(personas["staff_ontario"]).get(submitted).json()["allowed_actions"] == ["approve", "cancel",
                                                                                         "reject"]
    assert api_as(personas["employer_a"]).get(submitted).json()["allowed_actions"] == ["cancel", "copy"]
    approved = f"{REQUESTS}{world['approved']}/"
    assert api_as(personas["staff_tlaxcala"]).get(approved).json()["allowed_actions"] == []
    listed = {row["id"]: row["allowed_actions"]
              for row in api_as(personas["staff_ontario"]).get(REQUESTS).json()["results"]}
    assert listed[str(world["submitted"])] == ["approve", "cancel", "reject"]
    employers = {row["id"]: row["allowed_actions"]
                 for row in api_as(personas["staff_ontario"]).get(EMPLOYERS).json()["results"]}
    assert employers == {str(world["employer_a"]): ["suspend"], str(world["pending"]): ["approve", "reject"]}


def test_the_whole_path_through_the_api(api_as, program, worksite_a, employer_a_user, staff_ontario):
    employer = api_as(employer_a_user)
    created = employer.post(REQUESTS, terms(program, worksite_a))
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["version"], body["season"]) == ("draft", 1, next_season_start().year)
    assert body["number"] == f"{body['season']}-{WorkerRequest.objects.get(public_id=body['id']).pk:05d}"
    url = f"{REQUESTS}{body['id']}/"
    assert employer.patch(url, {"workers_requested": 4, "version": 1}).json()["version"] == 2
    submitted = employer.post(url + "submit/", {"version": 2}).json()
    assert submitted["status"] == "submitted"
    approved = api_as(staff_ontario).post(url + "approve/", {}).json()
    assert (approved["status"], approved["allowed_actions"]) == ("approved", ["cancel"])
    amended = employer.post(url + "amend/", {"workers_requested": 6, "version": approved["version"],
                                             "reason": "Bigger harvest"})
    assert amended.json()["status"] == "submitted"
    timeline = employer.get(url + "timeline/").json()
    assert [(event["kind"], event["from"], event["to"]) for event in timeline] == [
        ("created", "", "draft"), ("edited", "", ""), ("submitted", "draft", "submitted"),
        ("approved", "submitted", "approved"), ("amended", "approved", "submitted"),
    ]
    assert timeline[-1]["details"] == {"changes": {"workers_requested": ["4", "6"]}}
    assert timeline[-1]["reason"] == "Bigger harvest"
    assert {event["by"] for event in timeline} == {None}  # employers never see who acted
    staff_timeline = api_as(staff_ontario).get(url + "timeline/").json()
    assert [event["by"] for event in staff_timeline][2:4] == ["employer.a", "staff.ontario"]
    assert staff_timeline[3]["label"] == "Approved"


def test_copy_produces_a_clean_draft(api_as, world, employer_a_user, former_worker):
    approved = WorkerRequest.objects.get(public_id=world["approved"])
    NamedWorker.objects.create(request=approved, worker=former_worker, added_by=employer_a_user)
    response = api_as(employer_a_user).post(f"{REQUESTS}{approved.public_id}/copy/", {})
    assert response.status_code == 201
    copy = response.json()
    assert copy["id"] != str(approved.public_id)
    assert (copy["status"], copy["status_reason"], copy["submitted_at"], copy["version"]) == ("draft", "", None, 1)
    assert copy["season"] == approved.season + 1
    assert copy["start_date"] == approved.start_date.replace(year=approved.start_date.year + 1).isoformat()
    assert (copy["workers_requested"], copy["wage_amount"]) == (approved.workers_requested, "17.60")
    assert copy["allowed_actions"] == ["cancel", "copy", "edit", "submit"]
    stored = WorkerRequest.objects.get(public_id=copy["id"])
    assert list(stored.named_workers.values_list("worker", flat=True)) == [former_worker.pk]
    assert list(stored.timeline.values_list("kind", flat=True)) == ["copied"]


def test_copy_into_a_chosen_season(api_as, world, employer_a_user):
    approved = WorkerRequest.objects.get(public_id=world["approved"])
    response = api_as(employer_a_user).post(f"{REQUESTS}{approved.public_id}/copy/", {"season": approved.season + 2})
    assert response.status_code == 201
    assert response.json()["season"] == approved.season + 2


def test_a_retried_submit_or_approve_is_a_conflict_and_writes_nothing_twice(api_as, world, employer_a_user,
                                                                            staff_ontario):
    draft = f"{REQUESTS}{world['draft']}/"
    employer = api_as(employer_a_user)
    assert employer.post(draft + "submit/", {}).status_code == 200
    after_first = state()
    retried = employer.post(draft + "submit/", {})
    assert retried.status_code == 409
    assert retried.json()["allowed_actions"] == ["cancel", "copy"]
    assert state() == after_first

    staff = api_as(staff_ontario)
    assert staff.post(draft + "approve/", {}).status_code == 200
    after_approval = state()
    assert staff.post(draft + "approve/", {}).status_code == 409
    assert state() == after_approval
    request = WorkerRequest.objects.get(public_id=world["draft"])
    assert list(request.timeline.values_list("kind", flat=True)) == ["submitted", "approved"]
    assert Notification.objects.filter(kind="request-approved").count() == 1


def test_a_pending_employer_drafts_but_cannot_submit(api_as, program, employer_a, employer_a_user, worksite_a):
    Employer.objects.filter(pk=employer_a.pk).update(status=Employer.Status.PENDING)
    client = api_as(employer_a_user)
    created = client.post(REQUESTS, terms(program, worksite_a)).json()
    response = client.post(f"{REQUESTS}{created['id']}/submit/", {})
    assert response.status_code == 400
    assert "approved" in response.json()["__all__"][0]
    assert WorkerRequest.objects.get(public_id=created["id"]).status == RequestStatus.DRAFT


# --- Lists: filters and query counts -------------------------------------------------------------

def test_requests_are_filtered(api_as, world, administrator, program):
    client = api_as(administrator)

    def ids(**params):
        return {row["id"] for row in client.get(REQUESTS, params).json()["results"]}

    assert ids(status="submitted") == {str(world["submitted"])}
    assert ids(region="CA-QC") == {str(world["draft_b"])}
    assert ids(employer=str(world["employer_b"])) == {str(world["draft_b"])}
    occupation = Occupation.objects.order_by("code").first().code
    assert len(ids(program=program.pk, season=next_season_start().year, occupation=occupation)) == 5
    assert ids(season=2001) == set()


@pytest.mark.parametrize("params", [
    {"status": "lost"}, {"region": "XX-YY"}, {"season": "1.5"}, {"program": "abc"}, {"program": 2**40},
    {"employer": "not-a-uuid"}, {"occupation": "nope"}, {"cursor": "garbage"},
])
def test_bad_filters_are_refused_with_a_message(api_as, administrator, params):
    response = api_as(administrator).get(REQUESTS, params)
    assert response.status_code == 400
    assert list(response.json()) == list(params)


def test_an_employer_filtering_by_another_employer_learns_nothing(api_as, world, employer_a_user):
    mine = api_as(employer_a_user).get(REQUESTS, {"employer": str(world["employer_b"])})
    assert mine.status_code == 400
    unknown = api_as(employer_a_user).get(REQUESTS, {"employer": "7d7f2b9e-0000-4000-8000-000000000000"})
    assert mine.json() == unknown.json()


def _no_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert not [query for query in queries if "COUNT(" in query["sql"].upper()]


def test_request_list_queries_do_not_grow_with_page_size(api_as, program, employer_a, employer_a_user, worksite_a,
                                                         staff_ontario, administrator):
    WorkerRequestFactory.create_batch(12, program=program, employer=employer_a, worksite=worksite_a)
    for user in (staff_ontario, employer_a_user, administrator):
        client = api_as(user)
        client.get(REQUESTS)  # the employer user's membership is then cached on the user
        # The page of requests (with whether the caller governs each), then their required schemes.
        assert assert_constant_queries(client, REQUESTS) == 2
        _no_count(client, REQUESTS + "?status=draft")


def test_employer_and_worksite_list_queries_do_not_grow_with_page_size(api_as, administrator, staff_ontario):
    employer = EmployerFactory()
    WorksiteFactory.create_batch(11, employer=employer, region="CA-ON")
    for other in EmployerFactory.create_batch(11):
        WorksiteFactory(employer=other, region="CA-ON")
    for user in (administrator, staff_ontario):
        client = api_as(user)
        # The page of employers, each with whether the caller may approve, reject or suspend it.
        assert assert_constant_queries(client, EMPLOYERS) == 1
        # The employer (scope check), then the page of worksites.
        assert assert_constant_queries(client, f"{EMPLOYERS}{employer.public_id}/worksites/") == 2
        _no_count(client, EMPLOYERS)


def test_named_worker_list_queries_do_not_grow_with_page_size(api_as, program, employer_a, worksite_a,
                                                              administrator, staff_ontario):
    request = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a, workers_requested=12)
    for _index in range(12):
        NamedWorker.objects.create(request=request, worker=fully_documented(WorkerFactory(), administrator,
                                                                            start=request.start_date),
                                   added_by=administrator)
    client = api_as(staff_ontario)
    url = f"{REQUESTS}{request.public_id}/named-workers/"
    # The request (scope), the page of named rows; then the checks: the required schemes, the named
    # workers and the rows the eligibility rules read.
    assert assert_constant_queries(client, url) == 6
    _no_count(client, url)


# --- OpenAPI -------------------------------------------------------------------------------------

def test_the_schema_documents_every_endpoint_without_a_warning(tmp_path):
    from django.core.management import call_command
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))
    schema = target.read_text()
    for path in [
        "/api/v1/employers/{id}/approve/", "/api/v1/employers/{id}/reject/", "/api/v1/employers/{id}/suspend/",
        "/api/v1/employers/{employer_id}/worksites/{id}/", "/api/v1/requests/{id}/submit/",
        "/api/v1/requests/{id}/approve/", "/api/v1/requests/{id}/reject/", "/api/v1/requests/{id}/cancel/",
        "/api/v1/requests/{id}/copy/", "/api/v1/requests/{id}/amend/", "/api/v1/requests/former-workers/",
        "/api/v1/requests/{request_id}/named-workers/{worker_id}/", "/api/v1/requests/{request_id}/timeline/",
    ]:
        assert f"  {path}:" in schema, path


@pytest.mark.parametrize("path", ["employers/{id}/", "requests/{id}/", "requests/{id}/timeline/",
                                  "employers/{id}/worksites/"])
def test_a_malformed_id_is_not_found(api_as, administrator, path):
    response = api_as(administrator).get("/api/v1/" + path.format(id="af30ad-6b8c21b-a80be04b065445e057f32"))
    assert response.status_code == 404
    assert isinstance(response.json()["detail"], str)


def test_a_list_of_languages_gets_one_flat_list_of_messages(api_as, employer_a_user, program, worksite_a):
    errors = refused(api_as(employer_a_user), terms(program, worksite_a, required_languages=["en", "", "Deutsch"]))
    assert errors == {"required_languages": ["This field may not be blank.",
                                             "Ensure this field has no more than 3 characters.",
                                             "This value does not match the required pattern."]}
