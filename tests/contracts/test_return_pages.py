"""The return pages for staff: the check-in desk (a CURP by POST, never in a URL, finds the
contract awaiting return; one more click confirms it; outside the person's scope reads as not
found), the lists (due this week, overdue with days overdue and sortable, confirmed), the nav link,
and the staff home's overdue count and on-time return rate."""

import datetime
import re

import pytest
from django.utils import translation

from contracts.models import Contract, ContractStatus, ExpectedReturn
from contracts.returns import contract_confirm_return
from tests.contracts.test_returns import SEEN, ended_request, finished
from tests.factories import WorkerFactory
from tests.helpers import assert_constant_queries
from workers.models import Worker, WorkerStatus

pytestmark = pytest.mark.django_db
CHECK_IN = "/returns/check-in/"
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def sign_in(sign_in):
    """Signed-in clients that read the pages in English (the texts below are quoted in English:
    the source strings, whatever the translations say)."""

    def make(user):
        client = sign_in(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def ended(program, employer_a, worksite_a):
    """Employer A's contract (Ontario) with a Tlaxcala worker, ended 10 days ago: 3 days overdue."""
    return finished(ended_request(program, employer_a, worksite_a),
                    WorkerFactory(status=WorkerStatus.ABROAD, state_of_origin="TLA", first_names="Rosa",
                                  paternal_surname="Tlapa"))


def confirm_body(contract, **fields):
    prefix = f"return-{contract.public_id}-"
    return {"step": "confirm", "curp": contract.worker.curp, "contract": str(contract.public_id),
            prefix + "seen_home_on": fields.get("seen_home_on", contract.program.today().isoformat()),
            prefix + "place": fields.get("place", "home_office"),
            prefix + "identity_document": fields.get("identity_document", "voter_card")}


@pytest.mark.parametrize(("persona", "status"), [
    ("administrator", 200), ("staff_ontario", 200), ("staff_quebec", 200), ("staff_tlaxcala", 200),
    ("employer_a", 404), ("employer_b", 404),
])
@pytest.mark.parametrize("page", [CHECK_IN, "/returns/"])
def test_who_opens_the_return_pages(sign_in, personas, persona, status, page):
    assert sign_in(personas[persona]).get(page).status_code == status


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(CHECK_IN)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_have_the_nav_link_and_employers_do_not(sign_in, personas):
    assert f'href="{CHECK_IN}"' in sign_in(personas["staff_tlaxcala"]).get("/staff/").content.decode()


def test_employers_have_no_nav_link(sign_in, employer_a_user):
    assert CHECK_IN not in sign_in(employer_a_user).get("/contracts/").content.decode()


def test_check_in_finds_the_worker_and_one_more_click_confirms(sign_in, staff_tlaxcala, ended):
    client = sign_in(staff_tlaxcala)
    found = client.post(CHECK_IN, {"step": "find", "curp": ended.worker.curp.lower()})  # as typed
    assert found.status_code == 200
    page = found.content.decode()
    assert "Rosa Tlapa" in page
    assert ended.expected_return.due_on.strftime("%Y") in page
    assert [contract for contract, _due, _form in found.context["found"]] == [ended]
    assert found.context["found"][0][1] == ended.end_date + 7 * DAY
    assert Contract.objects.get(pk=ended.pk).status == ContractStatus.ENDED  # nothing yet

    done = client.post(CHECK_IN, confirm_body(ended))
    assert done.status_code == 302
    assert ended.worker.curp not in done["Location"]
    expected = ExpectedReturn.objects.get(contract=ended)
    assert (expected.seen_home_on, expected.place, expected.identity_document, expected.confirmed_by) == (
        ended.program.today(), "home_office", "voter_card", staff_tlaxcala)
    assert Contract.objects.get(pk=ended.pk).status == ContractStatus.RETURNED
    assert Worker.objects.get(pk=ended.worker_id).status == WorkerStatus.RETURNED
    message = client.get(done["Location"]).content.decode()
    assert "Return confirmed: Rosa Tlapa" in message and "3 days late" in message


def test_the_seen_home_day_defaults_to_today(sign_in, staff_tlaxcala, ended):
    found = sign_in(staff_tlaxcala).post(CHECK_IN, {"step": "find", "curp": ended.worker.curp})
    form = found.context["found"][0][2]
    assert form.initial["seen_home_on"] == ended.program.today()


def test_the_form_never_puts_the_curp_in_a_url(sign_in, staff_tlaxcala, ended):
    page = sign_in(staff_tlaxcala).get(CHECK_IN).content.decode()
    forms = re.findall(r"<form[^>]*>", page)
    assert all('method="post"' in form for form in forms if CHECK_IN in form)


@pytest.mark.parametrize("curp", ["ABC", "GOPJ900517HTLNRN0Z", ""])
def test_a_malformed_curp_is_refused_with_a_message(sign_in, staff_tlaxcala, ended, curp):
    response = sign_in(staff_tlaxcala).post(CHECK_IN, {"step": "find", "curp": curp})
    assert response.status_code == 400
    assert response.context["curp_form"].errors["curp"]
    assert "found" not in response.context


def test_outside_the_scope_reads_exactly_as_an_unknown_curp(sign_in, staff_quebec, ended):
    client = sign_in(staff_quebec)
    unknown = WorkerFactory.build(state_of_origin="TLA", birth_date=datetime.date(1971, 1, 2)).curp
    theirs = client.post(CHECK_IN, {"step": "find", "curp": ended.worker.curp})
    nobody = client.post(CHECK_IN, {"step": "find", "curp": unknown})
    assert theirs.status_code == nobody.status_code == 404
    assert theirs.context["found"] == nobody.context["found"] == []
    assert "Rosa" not in theirs.content.decode()
    strip = re.compile(r'value="[A-Z0-9]{18}"|name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", theirs.content.decode()) == strip.sub("", nobody.content.decode())
    # Confirming by guessing the contract's id changes nothing either.
    assert client.post(CHECK_IN, confirm_body(ended)).status_code == 404
    assert Contract.objects.get(pk=ended.pk).status == ContractStatus.ENDED


def test_a_day_in_the_future_is_shown_on_the_field_and_nothing_changes(sign_in, staff_tlaxcala, ended):
    tomorrow = (ended.program.today() + DAY).isoformat()
    response = sign_in(staff_tlaxcala).post(CHECK_IN, confirm_body(ended, seen_home_on=tomorrow))
    assert response.status_code == 400
    assert response.context["found"][0][2].errors["seen_home_on"] == [
        "The day the worker was seen home cannot be in the future."]
    assert Contract.objects.get(pk=ended.pk).status == ContractStatus.ENDED
    assert ExpectedReturn.objects.get(contract=ended).confirmed_at is None


def test_a_confirmed_return_is_not_awaiting_any_more(sign_in, staff_tlaxcala, ended):
    contract_confirm_return(contract=ended, by=staff_tlaxcala, seen_home_on=ended.end_date, **SEEN)
    client = sign_in(staff_tlaxcala)
    assert client.post(CHECK_IN, {"step": "find", "curp": ended.worker.curp}).status_code == 404
    assert client.post(CHECK_IN, confirm_body(ended)).status_code == 404  # a second desk, a second click


def test_the_contract_page_offers_the_confirmation(sign_in, staff_ontario, ended):
    client = sign_in(staff_ontario)
    assert "Confirm the return home" in client.get(f"/contracts/{ended.public_id}/").content.decode()
    response = client.post(f"/contracts/{ended.public_id}/confirm-return/", {
        "confirm-return-seen_home_on": ended.end_date.isoformat(), "confirm-return-place": "consulate",
        "confirm-return-identity_document": "passport"})
    assert response.status_code == 302
    assert Contract.objects.get(pk=ended.pk).status == ContractStatus.RETURNED


def test_the_lists(sign_in, staff_ontario, program, employer_a, worksite_a, ended):
    due_soon = finished(ended_request(program, employer_a, worksite_a, ended_days_ago=5))  # due in 2 days
    later = finished(ended_request(program, employer_a, worksite_a, ended_days_ago=-3))  # due in 10 days
    very_late = finished(ended_request(program, employer_a, worksite_a, ended_days_ago=40))  # 33 days overdue
    client = sign_in(staff_ontario)

    def rows(response):
        return [(expected.contract, days) for expected, days in response.context["rows"]]

    assert rows(client.get("/returns/", {"list": "week"})) == [(due_soon, None)]
    assert later.pk not in [contract.pk for contract, _days in rows(client.get("/returns/", {"list": "week"}))]
    assert rows(client.get("/returns/", {"list": "overdue"})) == [(very_late, 33), (ended, 3)]
    assert rows(client.get("/returns/", {"list": "overdue", "sort": "least"})) == [(ended, 3), (very_late, 33)]
    assert rows(client.get("/returns/")) == rows(client.get("/returns/", {"list": "overdue"}))  # the default
    contract_confirm_return(contract=ended, by=staff_ontario, seen_home_on=ended.end_date + 9 * DAY, **SEEN)
    assert rows(client.get("/returns/", {"list": "confirmed"})) == [(ended, 2)]


@pytest.mark.parametrize(("shown", "empty"), [
    ("week", "No worker is due home in the next seven days."),
    ("overdue", "No worker is overdue to return."),
    ("confirmed", "No return has been confirmed yet."),
])
def test_empty_states(sign_in, staff_quebec, ended, shown, empty):
    page = sign_in(staff_quebec).get("/returns/", {"list": shown}).content.decode()
    assert empty in page


def test_the_lists_cost_the_same_queries_whatever_their_length(sign_in, administrator, program, employer_a,
                                                               worksite_a):
    request = ended_request(program, employer_a, worksite_a, ended_days_ago=20)
    for _number in range(12):
        finished(request)
    client = sign_in(administrator)
    client.get("/returns/")  # the session's first page loads what later pages reuse
    assert_constant_queries(client, "/returns/", sizes=(3, 10), params={"list": "overdue"},
                            rows=lambda page: page.context["rows"])


def test_the_staff_home_counts_overdue_returns_and_shows_the_on_time_rate(sign_in, staff_ontario, staff_quebec,
                                                                          ended):
    page = sign_in(staff_ontario).get("/staff/").content.decode()
    assert "1 worker is overdue to return." in page
    assert 'id="circularity-by-program"' in page
