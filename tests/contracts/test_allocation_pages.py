"""The staff pages of selection and allocation: the ranked candidates with the parts of their
score and the named workers who cannot go, a confirmation step, and conflicts shown as messages
with the choice kept and nothing written."""

import datetime

import pytest
from django.utils import translation

from contracts.models import Contract, ContractStatus
from employers.models import NamedWorker, RequestEvent, RequestStatus
from tests.factories import WorkerFactory, WorkerRequestFactory, fully_documented, next_season_start
from workers.models import WorkerStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def eligible(verifier, **fields):
    fields.setdefault("state_of_origin", "TLA")
    return fully_documented(WorkerFactory(status=WorkerStatus.ELIGIBLE, **fields), verifier, start=next_season_start())


@pytest.fixture
def approved(program, employer_a, worksite_a):
    return WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                status=RequestStatus.APPROVED, workers_requested=2)


@pytest.fixture
def rosa(staff_tlaxcala):
    return eligible(staff_tlaxcala, first_names="Rosa", paternal_surname="Tlapa")


@pytest.fixture
def pedro(staff_tlaxcala):
    return eligible(staff_tlaxcala, first_names="Pedro", paternal_surname="Xicohténcatl")


def url(worker_request, suffix=""):
    return f"/review/requests/{worker_request.public_id}/candidates/{suffix}"


def state():
    return (list(Contract.objects.order_by("id").values("id", "worker_id", "status")),
            RequestEvent.objects.count())


def test_the_request_page_links_to_its_candidates_once_approved(sign_in, staff_ontario, approved, program,
                                                                  employer_a, worksite_a):
    page = sign_in(staff_ontario).get(f"/review/requests/{approved.public_id}/")
    assert url(approved).encode() in page.content
    submitted = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                     status=RequestStatus.SUBMITTED)
    page = sign_in(staff_ontario).get(f"/review/requests/{submitted.public_id}/")
    assert url(submitted).encode() not in page.content


def test_candidates_show_the_parts_of_each_score_and_who_cannot_go(sign_in, staff_tlaxcala, approved, rosa,
                                                                    administrator):
    named = eligible(administrator, first_names="Nombrada")
    NamedWorker.objects.create(request=approved, worker=named, added_by=administrator)
    undocumented = WorkerFactory(first_names="Sin", paternal_surname="Papeles", status=WorkerStatus.ELIGIBLE)
    NamedWorker.objects.create(request=approved, worker=undocumented, added_by=administrator)
    page = sign_in(staff_tlaxcala).get(url(approved))
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [row["worker"].first_names for row in rows] == ["Nombrada", "Rosa"]
    assert ("Named by the employer", 1000) in rows[0]["parts"]
    html = page.content.decode()
    assert "Named by the employer: +1000" in html
    assert "Named workers who cannot go" in html and undocumented.full_name in html
    assert "No verified background check." in html
    assert page.context["places_left"] == 2
    assert 'type="checkbox" name="worker"' in html


@pytest.mark.parametrize("persona, status", [
    ("employer_a", 404), ("employer_b", 404), ("staff_quebec", 404), ("staff_ontario", 200), ("administrator", 200),
])
def test_only_staff_who_see_the_request_open_its_candidates(sign_in, personas, approved, persona, status):
    assert sign_in(personas[persona]).get(url(approved)).status_code == status


def test_anonymous_people_are_sent_to_sign_in(client, approved):
    response = client.get(url(approved))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_allocating_asks_for_confirmation_then_fills_the_request(sign_in, staff_tlaxcala, approved, rosa, pedro):
    client = sign_in(staff_tlaxcala)
    chosen = {"worker": [str(rosa.public_id)]}
    confirm = client.post(url(approved, "allocate/"), chosen)
    assert confirm.status_code == 200
    assert "Confirm the allocation" in confirm.content.decode() and rosa.full_name in confirm.content.decode()
    assert not Contract.objects.exists()
    done = client.post(url(approved, "allocate/"), {**chosen, "confirm": "1"}, follow=True)
    assert done.redirect_chain[-1][0] == f"/review/requests/{approved.public_id}/"
    assert f"1 worker was allocated to request {approved.number}." in done.content.decode()
    approved.refresh_from_db()
    assert approved.status == RequestStatus.PARTIALLY_FILLED
    contract = Contract.objects.get(worker=rosa)
    assert contract.status == ContractStatus.PROPOSED and contract.score["score"] > 0
    page = client.get(url(approved))
    assert page.context["places_left"] == 1
    assert [row["worker"] for row in page.context["rows"]] == [pedro]


def test_more_workers_than_places_is_a_message_and_the_choice_is_kept(sign_in, staff_tlaxcala, approved, rosa,
                                                                      pedro):
    third = eligible(staff_tlaxcala, first_names="Tercero")
    chosen = [str(rosa.public_id), str(pedro.public_id), str(third.public_id)]
    before = state()
    page = sign_in(staff_tlaxcala).post(url(approved, "allocate/"), {"worker": chosen, "confirm": "1"})
    assert page.status_code == 409
    assert f"Request {approved.number} has 2 places left; 3 workers were chosen." in page.content.decode()
    assert page.context["chosen"] == set(chosen)
    assert page.content.decode().count(" checked>") == 3
    assert state() == before


def test_a_worker_taken_meanwhile_is_a_message_and_nothing_is_written(sign_in, staff_tlaxcala, approved, rosa,
                                                                      program, employer_b, worksite_b,
                                                                      administrator):
    from contracts.services import contracts_allocate

    other = WorkerRequestFactory(program=program, employer=employer_b, worksite=worksite_b,
                                 status=RequestStatus.APPROVED,
                                 start_date=approved.start_date + datetime.timedelta(weeks=1),
                                 end_date=approved.end_date + datetime.timedelta(weeks=1))
    contracts_allocate(request=other, workers=[rosa], by=administrator)
    before = state()
    page = sign_in(staff_tlaxcala).post(url(approved, "allocate/"), {"worker": [str(rosa.public_id)],
                                                                      "confirm": "1"})
    assert page.status_code == 409
    assert f"{rosa.full_name} cannot take this contract" in page.content.decode()
    assert state() == before


def test_choosing_nobody_or_an_unseen_worker_is_refused(sign_in, staff_ontario, approved, rosa):
    client = sign_in(staff_ontario)
    assert client.post(url(approved, "allocate/"), {}).status_code == 400
    # Ontario's consulate does not see a Tlaxcala worker never placed in Ontario.
    page = client.post(url(approved, "allocate/"), {"worker": [str(rosa.public_id)], "confirm": "1"})
    assert page.status_code == 400
    assert "Choose at least one worker among the candidates." in page.content.decode()
    assert not Contract.objects.exists()


def test_candidates_page_queries_do_not_grow_with_the_limit(sign_in, staff_tlaxcala, approved):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for number in range(10):
        eligible(staff_tlaxcala, first_names=f"Trabajador {number}")
    client = sign_in(staff_tlaxcala)
    client.get(url(approved))  # the first ranking of a program creates its weights row
    counts = {}
    for limit in (2, 10):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url(approved), {"limit": limit})
        assert len(page.context["rows"]) == limit
        counts[limit] = len(queries)
    assert counts[2] == counts[10], counts
