"""The workers endpoint: validation per field, scope per office, optimistic locking, query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import WorkerFactory, make_curp, make_nss
from tests.helpers import assert_constant_queries, check_cell, matrix
from workers.models import Worker, WorkerStatus, WorkerStatusChange

pytestmark = pytest.mark.django_db


def new_worker_payload(**overrides):
    payload = {
        "curp": make_curp(birth_date=datetime.date(1985, 3, 9), sex="H", state="TLA", serial=4242),
        "first_names": "Pedro", "paternal_surname": "Sánchez", "maternal_surname": "Cruz",
        "birth_date": "1985-03-09", "sex": "H", "state_of_origin": "TLA", "nss": make_nss(4242),
        "occupations": ["45-2092"], "preferred_language": "es",
        "languages": [{"language": "en", "level": "basic"}],
    }
    payload.update(overrides)
    return payload


def test_staff_registers_a_worker_with_an_applicant_status_row(api_as, staff_tlaxcala):
    response = api_as(staff_tlaxcala).post("/api/v1/workers/", new_worker_payload(), format="json")
    assert response.status_code == 201, response.json()
    worker = Worker.objects.get(public_id=response.json()["id"])
    assert (worker.status, worker.search_name) == (WorkerStatus.APPLICANT, "PEDRO SANCHEZ CRUZ")
    assert list(worker.occupations.values_list("code", flat=True)) == ["45-2092"]
    assert list(worker.languages.values_list("language", "level")) == [("en", "basic")]
    assert list(WorkerStatusChange.objects.filter(worker=worker).values_list("from_status", "to_status")) == [
        ("", "applicant")
    ]


@pytest.mark.parametrize(
    ("curp", "fragment"),
    [
        ("BOXW310820HNERXN08", "check digit"),
        ("GOPJ851309HTLRRN05", "birth date, state of birth"),
        ("GOPJ850309HZZRRN05", "birth date, state of birth"),
    ],
)
def test_an_invalid_curp_is_refused_on_the_curp_field_and_nothing_is_written(api_as, staff_tlaxcala, curp, fragment):
    response = api_as(staff_tlaxcala).post(
        "/api/v1/workers/", new_worker_payload(curp=curp), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["curp"]
    assert fragment in response.json()["curp"][0]
    assert Worker.objects.count() == 0


def test_the_curp_error_is_in_spanish_for_a_spanish_speaker(api_as, staff_tlaxcala):
    response = api_as(staff_tlaxcala).post(
        "/api/v1/workers/", new_worker_payload(curp="BOXW310820HNERXN08"), format="json", HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.json()["curp"] == ["El dígito verificador de la CURP no coincide: revise cada carácter."]


def test_a_duplicate_curp_is_refused_even_typed_in_lower_case(api_as, staff_tlaxcala, worker_tlaxcala):
    response = api_as(staff_tlaxcala).post(
        "/api/v1/workers/",
        new_worker_payload(curp=worker_tlaxcala.curp.lower(), birth_date="1990-05-17", sex="M"),
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["curp"]
    assert Worker.objects.count() == 1


def test_birth_date_and_sex_must_agree_with_the_curp(api_as, staff_tlaxcala):
    response = api_as(staff_tlaxcala).post(
        "/api/v1/workers/", new_worker_payload(birth_date="1985-03-10", sex="M"), format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"birth_date", "sex"}


def test_a_wrong_nss_check_digit_is_refused(api_as, staff_tlaxcala):
    nss = make_nss(77)
    wrong = nss[:-1] + str((int(nss[-1]) + 1) % 10)
    response = api_as(staff_tlaxcala).post("/api/v1/workers/", new_worker_payload(nss=wrong), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["nss"]


def test_an_update_based_on_a_stale_version_is_409_and_changes_nothing(api_as, staff_tlaxcala, worker_tlaxcala):
    client = api_as(staff_tlaxcala)
    url = f"/api/v1/workers/{worker_tlaxcala.public_id}/"
    assert client.patch(url, {"phone": "+52 246 111 2233", "version": 1}, format="json").status_code == 200
    stale = client.patch(url, {"phone": "+52 246 999 9999", "version": 1}, format="json")
    assert stale.status_code == 409
    worker_tlaxcala.refresh_from_db()
    assert (worker_tlaxcala.phone, worker_tlaxcala.version) == ("+52 246 111 2233", 2)


def test_an_update_without_a_version_is_refused(api_as, staff_tlaxcala, worker_tlaxcala):
    response = api_as(staff_tlaxcala).patch(f"/api/v1/workers/{worker_tlaxcala.public_id}/", {"phone": "1"},
                                            format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["version"]


def test_curp_lookup_is_a_post_and_404_outside_the_scope(api_as, staff_tlaxcala, staff_edomex, worker_tlaxcala):
    found = api_as(staff_tlaxcala).post("/api/v1/workers/lookup/", {"curp": worker_tlaxcala.curp}, format="json")
    assert found.status_code == 200
    assert found.json()["id"] == str(worker_tlaxcala.public_id)
    hidden = api_as(staff_edomex).post("/api/v1/workers/lookup/", {"curp": worker_tlaxcala.curp}, format="json")
    assert hidden.status_code == 404


def test_name_search_ignores_accents_and_case(api_as, staff_tlaxcala, worker_tlaxcala):
    WorkerFactory(first_names="Otro", paternal_surname="Distinto", state_of_origin="TLA")
    response = api_as(staff_tlaxcala).get("/api/v1/workers/", {"search": "hernandez flo"})
    assert [row["id"] for row in response.json()["results"]] == [str(worker_tlaxcala.public_id)]


@pytest.fixture
def garcia_lopez():
    """A name with the words GARCIA LOPEZ, and one that has them only inside longer words."""
    whole = WorkerFactory(first_names="Luis", paternal_surname="García", maternal_surname="López")
    inside = WorkerFactory(first_names="Ana", paternal_surname="Montegarcía", maternal_surname="Lópezortiz")
    return whole, inside


def found(client, **params):
    return [row["id"] for row in client.get("/api/v1/workers/", params).json()["results"]]


@pytest.mark.parametrize("persona", ["staff_tlaxcala", "administrator"])
def test_name_search_finds_whole_words_and_falls_back_to_parts_of_words(request, api_as, persona, garcia_lopez):
    whole, inside = garcia_lopez
    client = api_as(request.getfixturevalue(persona))
    # Typed in full: the names that have the words, in that order (not "MONTEGARCIA LOPEZORTIZ").
    assert found(client, search="garcía  LÓPEZ") == [str(whole.public_id)]
    assert found(client, search="lópez garcía") == []
    # A word typed in part ("LOP"): any part of any name, as before.
    assert found(client, search="garcia lop") == [str(inside.public_id), str(whole.public_id)]


def test_whole_or_partial_words_are_decided_among_the_filtered_workers(api_as, staff_tlaxcala, garcia_lopez):
    _whole, inside = garcia_lopez
    Worker.objects.filter(pk=inside.pk).update(status=WorkerStatus.ELIGIBLE)
    # No eligible worker has the whole words: the search falls back to parts of words among them.
    assert found(api_as(staff_tlaxcala), search="garcia lopez", status="eligible") == [str(inside.public_id)]


def test_a_name_search_costs_the_queries_of_the_list_and_one_more_for_parts_of_words(api_as, staff_tlaxcala,
                                                                                    garcia_lopez):
    client = api_as(staff_tlaxcala)
    client.get("/api/v1/workers/")

    def queries(**params):
        with CaptureQueriesContext(connection) as captured:
            client.get("/api/v1/workers/", params)
        return len(captured)

    listing = queries()
    # Whole words: the page itself. Parts of words: the empty whole-word page, then theirs.
    assert (queries(search="garcia lopez"), queries(search="garcia lop")) == (listing, listing + 1)


def test_pages_of_a_search_by_parts_of_words_go_on_by_parts_of_words(api_as, staff_tlaxcala):
    workers = [WorkerFactory(first_names="Ana", paternal_surname=f"Montegarcía{n}", maternal_surname="López")
               for n in range(3)]
    client = api_as(staff_tlaxcala)
    first = client.get("/api/v1/workers/", {"search": "garcia", "page_size": 2}).json()
    second = client.get(first["next"]).json()
    assert [row["id"] for row in first["results"] + second["results"]] == [
        str(worker.public_id) for worker in reversed(workers)
    ]
    assert second["next"] is None


def test_curp_correction_keeps_the_worker_and_records_the_change(api_as, staff_tlaxcala, worker_tlaxcala):
    new_curp = make_curp(birth_date=datetime.date(1990, 5, 18), sex="M", state="TLA", serial=999)
    response = api_as(staff_tlaxcala).post(
        f"/api/v1/workers/{worker_tlaxcala.public_id}/correct-curp/",
        {"curp": new_curp, "reason": "RENAPO corrected the birth date"}, format="json",
    )
    assert response.status_code == 200, response.json()
    worker_tlaxcala.refresh_from_db()
    assert (worker_tlaxcala.curp, worker_tlaxcala.birth_date) == (new_curp, datetime.date(1990, 5, 18))
    correction = worker_tlaxcala.curp_corrections.get()
    assert (correction.new_curp, correction.corrected_by) == (new_curp, staff_tlaxcala)
    assert Worker.objects.count() == 1


def test_status_change_writes_a_row_and_an_illegal_one_is_409(api_as, staff_tlaxcala, worker_tlaxcala):
    client = api_as(staff_tlaxcala)
    url = f"/api/v1/workers/{worker_tlaxcala.public_id}/change-status/"
    suspended = client.post(url, {"status": "suspended", "reason": "Documents under review"}, format="json")
    assert suspended.status_code == 200
    illegal = client.post(url, {"status": "eligible"}, format="json")
    assert illegal.status_code == 409
    assert illegal.json()["allowed_actions"] == ["applicant"]
    assert list(worker_tlaxcala.status_changes.values_list("from_status", "to_status", "changed_by")) == [
        ("applicant", "suspended", staff_tlaxcala.pk)
    ]


def test_deactivation_replaces_deletion(api_as, staff_tlaxcala, worker_tlaxcala):
    client = api_as(staff_tlaxcala)
    assert client.delete(f"/api/v1/workers/{worker_tlaxcala.public_id}/").status_code == 405
    response = client.post(f"/api/v1/workers/{worker_tlaxcala.public_id}/deactivate/", {"reason": "Duplicate"},
                           format="json")
    assert response.status_code == 200
    assert response.json()["is_active"] is False


READ = "/api/v1/workers/{worker}/"


@pytest.mark.parametrize(
    "cell",
    matrix(
        ("GET", "/api/v1/workers/", {"anonymous": 401, "employer_a": 403, "staff_tlaxcala": 200,
                                     "administrator": 200}),
        ("GET", READ, {"anonymous": 401, "employer_a": 403, "staff_ontario": 404, "staff_edomex": 404,
                       "staff_tlaxcala": 200, "administrator": 200}),
        ("PATCH", READ, {"anonymous": 401, "employer_a": 403, "staff_edomex": 404, "staff_tlaxcala": 200},
         {"phone": "555", "version": 1}),
        ("POST", READ + "deactivate/", {"employer_a": 403, "staff_edomex": 404}, {"reason": "x"}),
        ("GET", READ + "documents/", {"anonymous": 401, "employer_a": 403, "staff_edomex": 404,
                                      "staff_tlaxcala": 200}),
    ),
)
def test_workers_matrix(cell, personas, staff_edomex, worker_tlaxcala):
    check_cell(cell, personas={**personas, "staff_edomex": staff_edomex}, objects={"worker": worker_tlaxcala.public_id},
               state=lambda: list(Worker.objects.values()))


def test_list_queries_do_not_grow_with_page_size_and_never_count_the_table(api_as, staff_tlaxcala):
    WorkerFactory.create_batch(12, state_of_origin="TLA")
    client = api_as(staff_tlaxcala)
    # The page of workers (the scope's states come with the signed-in user and its office).
    assert assert_constant_queries(client, "/api/v1/workers/") == 1
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/workers/", {"status": "applicant", "search": "gonz"})
    assert not [query for query in queries if "COUNT(" in query["sql"].upper()]


def test_worker_changes_are_in_the_audit_trail_with_the_acting_user(sign_in, staff_tlaxcala, worker_tlaxcala):
    from pghistory.models import Events

    client = sign_in(staff_tlaxcala)
    response = client.patch(f"/api/v1/workers/{worker_tlaxcala.public_id}/", {"phone": "+52 1", "version": 1},
                            content_type="application/json")
    assert response.status_code == 200
    event = Events.objects.references(worker_tlaxcala).filter(pgh_label="update").get()
    assert event.pgh_context["user"] == staff_tlaxcala.pk
    assert event.pgh_diff["phone"] == ["", "+52 1"]


def test_documents_list_costs_the_same_queries_at_any_page_size(api_as, staff_tlaxcala, worker_tlaxcala):
    from tests.factories import DocumentFactory

    DocumentFactory.create_batch(12, worker=worker_tlaxcala)
    # The worker (scope check), then the page of documents with their verifiers.
    assert assert_constant_queries(api_as(staff_tlaxcala),
                                   f"/api/v1/workers/{worker_tlaxcala.public_id}/documents/") == 2


@pytest.mark.parametrize(
    "cell",
    matrix(
        ("POST", READ + "documents/", {"anonymous": 401, "employer_a": 403, "staff_edomex": 404},
         {"kind": "background_check", "issued_on": "2026-01-01"}),
        ("POST", READ + "documents/", {"staff_tlaxcala": 201}, {"kind": "background_check", "issued_on": "2026-01-01"}),
    ),
)
def test_document_creation_matrix(cell, personas, staff_edomex, worker_tlaxcala):
    from workers.models import Document

    check_cell(cell, personas={**personas, "staff_edomex": staff_edomex}, objects={"worker": worker_tlaxcala.public_id},
               state=lambda: list(Document.objects.values()))


def test_a_service_account_of_an_office_sees_that_offices_workers_and_no_others(
    administrator, office_tlaxcala, worker_tlaxcala, worker_edomex
):
    from rest_framework.test import APIClient

    from employers.services import service_account_create
    from twp.models import ServiceScope

    feed = service_account_create(username="feed.tlaxcala", scope=ServiceScope.OFFICE, office=office_tlaxcala,
                                  by=administrator)
    statistics = service_account_create(username="stats", scope=ServiceScope.PUBLIC_STATISTICS, by=administrator)
    client = APIClient()
    client.force_authenticate(feed)
    listed = client.get("/api/v1/workers/").json()["results"]
    assert [row["id"] for row in listed] == [str(worker_tlaxcala.public_id)]
    assert client.get(f"/api/v1/workers/{worker_edomex.public_id}/").status_code == 404
    client.force_authenticate(statistics)
    assert client.get("/api/v1/workers/").status_code == 403


@pytest.mark.django_db
def test_the_list_rows_written_out_are_what_the_declared_fields_give():
    from rest_framework import serializers as drf

    from workers.api.serializers import WorkerSummarySerializer

    for worker in (WorkerFactory(), WorkerFactory(maternal_surname="", is_active=False)):
        loaded = Worker.objects.only(*WorkerSummarySerializer.COLUMNS).get(pk=worker.pk)
        declared = drf.ModelSerializer.to_representation(WorkerSummarySerializer(), loaded)
        assert WorkerSummarySerializer(loaded).data == declared
