"""The employer portal in the browser (Django's test client): sign-up, the home page, requests and
their actions, named workers, worksites, colleagues and invitations.

Employers see only their own things (another employer's request or worksite: 404), staff are
refused the portal (403), anonymous visitors are sent to sign in, except for sign-up and
invitations."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from employers import services
from employers import worker_requests as requests_service
from employers.models import Employer, EmployerInvitation, NamedWorker, RequestStatus, WorkerRequest, Worksite
from tests.factories import (
    PASSWORD,
    EmployerFactory,
    EmployerUserFactory,
    WorkerFactory,
    WorkerRequestFactory,
    WorksiteFactory,
    fully_documented,
    next_season_start,
)
from tests.helpers import assert_constant_queries
from twp.models import Notification, Role, User
from workers.models import Occupation

pytestmark = pytest.mark.django_db

CURP_LIKE = re.compile(r"[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d")


@pytest.fixture
def employer_client(client, employer_a_user):
    """Employer A's user, signed in, reading the pages in English."""
    client.force_login(employer_a_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def draft(program, employer_a, worksite_a):
    return WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a)


@pytest.fixture
def other_request(program, employer_b, worksite_b):
    return WorkerRequestFactory(program=program, employer=employer_b, worksite=worksite_b)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def request_terms(program, worksite, **overrides) -> dict:
    start = next_season_start()
    data = {
        "program": program.pk, "worksite": worksite.pk, "occupation": Occupation.objects.order_by("code").first().pk,
        "workers_requested": 3, "start_date": start.isoformat(),
        "end_date": (start + datetime.timedelta(weeks=10)).isoformat(), "wage_amount": "17.60",
        "hours_per_week": 40, "labour_market_reference": "7654321", "required_languages": ["en"],
        "notes": "Bunk beds provided",
    }
    data.update(overrides)
    return data


# --- Who reaches the portal -----------------------------------------------------------------------

PORTAL_PAGES = ["employer-home", "employer-request-create", "employer-worksites", "employer-worksite-create",
                "employer-colleagues"]


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_each_portal_page_renders_for_an_employer_user(employer_client, worksite_a, program, name):
    response = employer_client.get(reverse(name))
    assert response.status_code == 200
    assert b"<h1>" in response.content


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_staff_are_refused_the_portal(sign_in, staff_ontario, name):
    assert sign_in(staff_ontario).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_cannot_open_a_request_page_of_the_portal(sign_in, administrator, draft):
    client = sign_in(administrator)
    assert client.get(reverse("employer-request-detail", args=[draft.public_id])).status_code == 403
    response = client.post(reverse("employer-request-submit", args=[draft.public_id]), {"version": draft.version})
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == RequestStatus.DRAFT


@pytest.mark.parametrize(("name", "method"), [
    ("employer-request-detail", "get"), ("employer-request-edit", "get"), ("employer-request-edit", "post"),
    ("employer-request-cancel", "get"), ("employer-request-cancel", "post"), ("employer-request-submit", "post"),
    ("employer-request-copy", "post"), ("employer-request-amend", "get"), ("employer-request-amend", "post"),
    ("employer-named-worker-add", "post"),
])
def test_another_employers_request_is_not_found(employer_client, other_request, name, method):
    before = WorkerRequest.objects.count()
    response = getattr(employer_client, method)(reverse(name, args=[other_request.public_id]),
                                                {"version": other_request.version})
    assert response.status_code == 404
    assert WorkerRequest.objects.count() == before
    other_request.refresh_from_db()
    assert other_request.status == RequestStatus.DRAFT
    assert other_request.version == 1


def test_another_employers_worksite_is_not_found(employer_client, worksite_b):
    url = reverse("employer-worksite-edit", args=[worksite_b.public_id])
    assert employer_client.get(url).status_code == 404
    assert employer_client.post(url, {"name": "Taken over"}).status_code == 404
    worksite_b.refresh_from_db()
    assert worksite_b.name == "Verger Saint-Joseph"


def test_the_login_page_links_to_sign_up(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    assert reverse("employer-sign-up") in response.text


# --- Sign-up --------------------------------------------------------------------------------------

def sign_up_data(**overrides) -> dict:
    data = {
        "legal_name": "Niagara Peach Growers Ltd.", "country": "CA", "region": "CA-ON",
        "business_number": "123456782", "sector": "agriculture", "contact_name": "Anne Grower",
        "contact_email": "office@niagara-peach.example.org", "contact_phone": "+1 905 555 0100",
        "site-name": "Home farm", "site-address": "12 Lakeshore Road", "site-city": "Niagara-on-the-Lake",
        "site-region": "CA-ON", "site-postal_code": "L0S 1J0", "site-housing_inspection_result": "pending",
        "username": "anne.grower", "email": "anne@niagara-peach.example.org", "password1": PASSWORD,
        "password2": PASSWORD, "preferred_language": "en",
    }
    data.update(overrides)
    return data


def test_sign_up_signs_the_employer_in_sends_the_verification_and_shows_the_pending_home(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(reverse("employer-sign-up"), sign_up_data(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("employer-home")
    user = User.objects.get(username="anne.grower")
    assert response.context["user"] == user
    assert user.role == Role.EMPLOYER
    employer = Employer.objects.get(legal_name="Niagara Peach Growers Ltd.")
    assert employer.status == Employer.Status.PENDING
    assert list(employer.worksites.values_list("name", flat=True)) == ["Home farm"]
    assert Notification.objects.get(kind="email-verification").recipient == user
    assert "waits for the consulate's approval" in response.text
    assert "Meanwhile you can only prepare requests as drafts" in response.text
    assert reverse("employer-request-create") in response.text


def test_the_pending_banner_says_only_drafts_are_possible(employer_client, employer_a):
    Employer.objects.filter(pk=employer_a.pk).update(status=Employer.Status.PENDING)
    response = employer_client.get(reverse("employer-home"))
    assert "Your registration waits for the consulate's approval" in response.text
    assert "only prepare requests as drafts" in response.text


def test_a_rejected_employer_sees_the_reason_and_no_new_request_button(employer_client, employer_a):
    Employer.objects.filter(pk=employer_a.pk).update(status=Employer.Status.REJECTED,
                                                     status_reason="Business not found")
    response = employer_client.get(reverse("employer-home"))
    assert "Business not found" in response.text
    assert reverse("employer-request-create") not in response.text


@pytest.mark.parametrize(("overrides", "form", "field", "fragment"), [
    ({"business_number": "123456789"}, "employer_form", "business_number", "check digit"),
    ({"region": "US-WA"}, "employer_form", "region", "Select a valid choice"),
    ({"password2": "Another-password-42"}, "account_form", "password2", "passwords differ"),
    ({"password1": "short", "password2": "short"}, "account_form", "password1", "too short"),
    ({"site-housing_inspection_result": "passed"}, "site_form", "housing_inspected_on", "date of the inspection"),
    ({"legal_name": ""}, "employer_form", "legal_name", "required"),
])
def test_sign_up_errors_land_on_their_field_and_nothing_is_saved(client, overrides, form, field, fragment):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(reverse("employer-sign-up"), sign_up_data(**overrides))
    assert response.status_code == 400
    assert fragment in " ".join(response.context[form].errors[field])
    assert not Employer.objects.exists()
    assert not User.objects.filter(username="anne.grower").exists()


def test_sign_up_refuses_a_username_already_taken(client, employer_a_user):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(reverse("employer-sign-up"), sign_up_data(username=employer_a_user.username.upper()))
    assert response.status_code == 400
    assert response.context["account_form"].errors["username"] == ["This username is already taken."]
    assert not Employer.objects.filter(legal_name="Niagara Peach Growers Ltd.").exists()


def test_sign_up_offers_only_the_chosen_countrys_provinces_or_states(client):
    page = client.get(reverse("employer-sign-up"))
    regions = [code for code, _label in page.context["employer_form"].fields["region"].choices if code]
    assert "CA-ON" in regions
    assert all(code.startswith("CA-") for code in regions)
    fragment = client.get(reverse("employer-sign-up-regions"), {"country": "US"})
    assert fragment.status_code == 200
    assert 'value="US-WA"' in fragment.text
    assert 'value="CA-ON"' not in fragment.text
    assert fragment.text.count('hx-swap-oob="true"') == 2


def test_a_signed_in_user_opening_sign_up_goes_home(employer_client):
    response = employer_client.get(reverse("employer-sign-up"))
    assert response.status_code == 302


# --- Home -----------------------------------------------------------------------------------------

def test_home_lists_requests_newest_first_with_their_status(employer_client, program, employer_a, worksite_a,
                                                            other_request):
    older = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                 status=RequestStatus.SUBMITTED)
    newer = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a)
    response = employer_client.get(reverse("employer-home"))
    assert [row.pk for row in response.context["requests"]] == [newer.pk, older.pk]
    assert "Submitted" in response.text
    assert other_request.number not in response.text


def test_home_shows_an_empty_state_without_requests(employer_client):
    response = employer_client.get(reverse("employer-home"))
    assert "You have no requests yet" in response.text


def test_home_pages_through_requests(employer_client, program, employer_a, worksite_a):
    made = [WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a) for _ in range(3)]
    first = employer_client.get(reverse("employer-home"), {"page_size": 2})
    assert [row.pk for row in first.context["requests"]] == [made[2].pk, made[1].pk]
    second = employer_client.get(reverse("employer-home") + first.context["next_url"])
    assert [row.pk for row in second.context["requests"]] == [made[0].pk]
    assert second.context["next_url"] is None


def test_home_query_count_does_not_grow_with_page_size(employer_client, program, employer_a, worksite_a):
    for _ in range(10):
        WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a)
    employer_client.get(reverse("employer-home"))  # the session's first request also saves it
    # session, user, the user's authenticator devices (second-factor rule), membership, employer,
    # one page of requests (with program, worksite and occupation joined)
    queries = assert_constant_queries(employer_client, reverse("employer-home"),
                                      rows=lambda response: response.context["requests"])
    assert queries == 6


def test_past_season_requests_offer_a_copy(employer_client, program, employer_a, worksite_a):
    last_year = timezone.localdate().year - 1
    past = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                status=RequestStatus.FILLED, start_date=datetime.date(last_year, 5, 4),
                                end_date=datetime.date(last_year, 8, 3))
    current = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a)
    response = employer_client.get(reverse("employer-home"))
    assert reverse("employer-request-copy", args=[past.public_id]) in response.text
    assert reverse("employer-request-copy", args=[current.public_id]) not in response.text


# --- Requests: drafts -----------------------------------------------------------------------------

def test_an_employer_drafts_a_request(employer_client, program, employer_a, worksite_a):
    response = employer_client.post(reverse("employer-request-create"), request_terms(program, worksite_a))
    created = WorkerRequest.objects.get(employer=employer_a)
    assert response.status_code == 302
    assert response["Location"] == reverse("employer-request-detail", args=[created.public_id])
    assert created.status == RequestStatus.DRAFT
    assert created.wage_currency == "CAD"
    assert created.required_languages == ["en"]
    detail = employer_client.get(response["Location"])
    assert detail.context["language_names"] == ["English"]
    assert created.created_by.username == "employer.a"


def test_the_request_form_offers_only_own_worksites_and_shows_the_currency(employer_client, program, worksite_a,
                                                                            worksite_b):
    response = employer_client.get(reverse("employer-request-create"))
    form = response.context["form"]
    assert list(form.fields["worksite"].queryset) == [worksite_a]
    assert "Hourly wage (CAD)" in response.text
    assert "SAWP Canada (CAD)" in response.text


def test_another_employers_worksite_is_refused_on_the_worksite_field(employer_client, program, worksite_b,
                                                                     employer_a):
    response = employer_client.post(reverse("employer-request-create"), request_terms(program, worksite_b))
    assert response.status_code == 400
    assert "worksite" in response.context["form"].errors
    assert not WorkerRequest.objects.filter(employer=employer_a).exists()


@pytest.mark.parametrize(("overrides", "field", "fragment"), [
    ({"end_date": "start"}, "end_date", "after the start date"),
    ({"hours_per_week": 20}, "hours_per_week", "at least 240"),
    ({"labour_market_reference": "12AB"}, "labour_market_reference", "LMIA"),
    ({"wage_amount": "17.605"}, "wage_amount", "2 decimal places"),
    ({"start_date": "today"}, "start_date", "at least 30 days"),
])
def test_request_errors_land_on_their_field(employer_client, program, worksite_a, employer_a, overrides, field,
                                            fragment):
    terms = request_terms(program, worksite_a)
    if overrides.get("end_date") == "start":
        overrides["end_date"] = terms["start_date"]
    if overrides.get("start_date") == "today":
        today = timezone.localdate()
        overrides.update(start_date=today.isoformat(), end_date=(today + datetime.timedelta(weeks=8)).isoformat())
    response = employer_client.post(reverse("employer-request-create"), {**terms, **overrides})
    assert response.status_code == 400
    assert fragment in " ".join(response.context["form"].errors[field])
    assert not WorkerRequest.objects.filter(employer=employer_a).exists()


def test_a_draft_is_edited_with_its_version(employer_client, program, draft, worksite_a):
    url = reverse("employer-request-edit", args=[draft.public_id])
    assert employer_client.get(url).context["form"].initial["version"] == 1
    response = employer_client.post(url, request_terms(program, worksite_a, workers_requested=7, version=1))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.workers_requested == 7
    assert draft.version == 2


def test_a_stale_version_keeps_the_users_input_and_says_so(employer_client, program, draft, worksite_a,
                                                           employer_a_user):
    requests_service.request_update(request=draft, by=employer_a_user, version=1, notes="Changed by a colleague")
    response = employer_client.post(reverse("employer-request-edit", args=[draft.public_id]),
                                    request_terms(program, worksite_a, workers_requested=9, version=1))
    assert response.status_code == 409
    assert "Someone else changed this request" in response.text
    assert response.context["form"]["workers_requested"].value() == "9"
    assert response.context["form"]["version"].value() == 2
    draft.refresh_from_db()
    assert draft.workers_requested == 4
    assert draft.notes == "Changed by a colleague"


def test_a_submitted_request_cannot_be_edited(employer_client, program, employer_a, worksite_a):
    submitted = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                     status=RequestStatus.SUBMITTED)
    response = employer_client.get(reverse("employer-request-edit", args=[submitted.public_id]), follow=True)
    assert "Only drafts can be edited" in " ".join(messages_of(response))


# --- Requests: actions ----------------------------------------------------------------------------

def test_the_detail_page_shows_terms_actions_and_timeline(employer_client, draft):
    response = employer_client.get(reverse("employer-request-detail", args=[draft.public_id]))
    assert response.status_code == 200
    assert response.context["actions"] == ["cancel", "copy", "edit", "submit"]
    assert "Submit for review" in response.text
    assert "17.60 CAD" in response.text
    assert response.context["language_names"] == []
    assert [event.kind for event in response.context["events"]] == []
    assert 'aria-label="Timeline"' in response.text


def test_submitting_writes_the_timeline(employer_client, draft):
    requests_service.request_update(request=draft, by=draft.created_by, version=1)
    draft.refresh_from_db()
    response = employer_client.post(reverse("employer-request-submit", args=[draft.public_id]),
                                    {"version": draft.version}, follow=True)
    assert "Request submitted" in " ".join(messages_of(response))
    draft.refresh_from_db()
    assert draft.status == RequestStatus.SUBMITTED
    assert [event.kind for event in response.context["events"]] == ["edited", "submitted"]
    assert "Submitted" in response.text


def test_a_pending_employer_cannot_submit_and_is_told_why(employer_client, draft, employer_a):
    Employer.objects.filter(pk=employer_a.pk).update(status=Employer.Status.PENDING)
    response = employer_client.post(reverse("employer-request-submit", args=[draft.public_id]),
                                    {"version": draft.version}, follow=True)
    assert "must be approved before you submit" in " ".join(messages_of(response))
    draft.refresh_from_db()
    assert draft.status == RequestStatus.DRAFT


def test_an_illegal_transition_says_what_is_allowed(employer_client, program, employer_a, worksite_a):
    submitted = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                     status=RequestStatus.SUBMITTED)
    response = employer_client.post(reverse("employer-request-submit", args=[submitted.public_id]),
                                    {"version": submitted.version}, follow=True)
    text = " ".join(messages_of(response))
    assert "not possible while the request is “Submitted”" in text
    assert "What you can do now: cancel, copy." in text
    submitted.refresh_from_db()
    assert submitted.version == 1


def test_submitting_a_stale_version_changes_nothing(employer_client, draft, employer_a_user):
    requests_service.request_update(request=draft, by=employer_a_user, version=1)
    response = employer_client.post(reverse("employer-request-submit", args=[draft.public_id]), {"version": 1},
                                    follow=True)
    assert "Someone else changed this record" in " ".join(messages_of(response))
    draft.refresh_from_db()
    assert draft.status == RequestStatus.DRAFT


def test_cancelling_asks_for_confirmation_first(employer_client, draft):
    url = reverse("employer-request-cancel", args=[draft.public_id])
    confirmation = employer_client.get(url)
    assert confirmation.status_code == 200
    assert "cannot be reopened" in confirmation.text
    draft.refresh_from_db()
    assert draft.status == RequestStatus.DRAFT
    response = employer_client.post(url, {"version": draft.version, "reason": "Crop failed"}, follow=True)
    assert "Request cancelled." in messages_of(response)
    draft.refresh_from_db()
    assert draft.status == RequestStatus.CANCELLED
    assert draft.status_reason == "Crop failed"


def test_a_cancelled_request_cannot_be_cancelled_again(employer_client, program, employer_a, worksite_a):
    cancelled = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                     status=RequestStatus.CANCELLED)
    response = employer_client.get(reverse("employer-request-cancel", args=[cancelled.public_id]), follow=True)
    assert "What you can do now: copy." in " ".join(messages_of(response))


def test_copying_a_past_request_makes_a_new_draft(employer_client, program, employer_a, worksite_a):
    last_year = timezone.localdate().year - 1
    past = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                status=RequestStatus.FILLED, start_date=datetime.date(last_year, 5, 4),
                                end_date=datetime.date(last_year, 8, 3))
    response = employer_client.post(reverse("employer-request-copy", args=[past.public_id]), follow=True)
    copy = WorkerRequest.objects.exclude(pk=past.pk).get(employer=employer_a)
    assert response.redirect_chain[-1][0] == reverse("employer-request-detail", args=[copy.public_id])
    assert copy.status == RequestStatus.DRAFT
    assert copy.copied_from == past
    assert copy.start_date >= program.earliest_request_start()
    assert copy.season > past.season
    assert f"{copy.season} season" in " ".join(messages_of(response))


def test_an_approved_request_is_amended_and_goes_back_to_review(employer_client, program, employer_a, worksite_a):
    approved = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                    status=RequestStatus.APPROVED)
    url = reverse("employer-request-amend", args=[approved.public_id])
    assert employer_client.get(url).status_code == 200
    response = employer_client.post(url, {
        "workers_requested": 6, "start_date": approved.start_date.isoformat(),
        "end_date": approved.end_date.isoformat(), "reason": "Bigger harvest", "version": approved.version,
    }, follow=True)
    assert "Amendment sent" in " ".join(messages_of(response))
    approved.refresh_from_db()
    assert approved.status == RequestStatus.SUBMITTED
    assert approved.workers_requested == 6
    assert approved.timeline.get(kind="amended").details == {"changes": {"workers_requested": ["4", "6"]}}


def test_an_amendment_that_breaks_a_rule_shows_it_on_the_field(employer_client, program, employer_a, worksite_a):
    approved = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                    status=RequestStatus.APPROVED)
    response = employer_client.post(reverse("employer-request-amend", args=[approved.public_id]), {
        "workers_requested": 4, "start_date": approved.start_date.isoformat(),
        "end_date": (approved.start_date + datetime.timedelta(weeks=2)).isoformat(), "reason": "Shorter",
        "version": approved.version,
    })
    assert response.status_code == 400
    assert "at least 6 weeks" in " ".join(response.context["form"].errors["end_date"])
    approved.refresh_from_db()
    assert approved.status == RequestStatus.APPROVED


# --- Named workers --------------------------------------------------------------------------------

@pytest.fixture
def former_worker(program, employer_a, staff_tlaxcala):
    """A worker employer A had last season, fully documented for next season."""
    last_year = timezone.localdate().year - 1
    last_season = WorkerRequestFactory(program=program, employer=employer_a, status=RequestStatus.FILLED,
                                       start_date=datetime.date(last_year, 5, 4),
                                       end_date=datetime.date(last_year, 8, 3))
    worker = fully_documented(WorkerFactory(first_names="Rosa", paternal_surname="Tlapa"), staff_tlaxcala,
                              start=next_season_start())
    NamedWorker.objects.create(request=last_season, worker=worker, added_by=staff_tlaxcala)
    return worker


@pytest.fixture
def undocumented_former_worker(program, employer_a, staff_tlaxcala):
    """A worker employer A had last season who has no documents for next season."""
    last_year = timezone.localdate().year - 1
    last_season = WorkerRequestFactory(program=program, employer=employer_a, status=RequestStatus.APPROVED,
                                       start_date=datetime.date(last_year, 6, 1),
                                       end_date=datetime.date(last_year, 9, 1))
    worker = WorkerFactory(first_names="Luis", paternal_surname="Sin Papeles")
    NamedWorker.objects.create(request=last_season, worker=worker, added_by=staff_tlaxcala)
    return worker


def test_the_picker_lists_former_workers_by_name_and_last_contract(employer_client, draft, former_worker):
    response = employer_client.get(reverse("employer-request-detail", args=[draft.public_id]))
    assert [row["worker"] for row in response.context["candidates"]] == [former_worker]
    last_year = timezone.localdate().year - 1
    assert f"{former_worker.full_name} — last season {last_year}" in response.text
    assert former_worker.curp not in response.text
    assert CURP_LIKE.search(response.text) is None


def test_named_workers_show_only_available_or_cannot_be_placed(employer_client, draft, former_worker,
                                                               undocumented_former_worker):
    url = reverse("employer-named-worker-add", args=[draft.public_id])
    for worker in (former_worker, undocumented_former_worker):
        response = employer_client.post(url, {"worker": str(worker.public_id)}, follow=True)
        assert f"{worker.full_name} is named on the request." in messages_of(response)
    assert set(NamedWorker.objects.filter(request=draft).values_list("worker", flat=True)) == {
        former_worker.pk, undocumented_former_worker.pk}
    text = response.text
    assert "available" in text
    assert "cannot be placed this season; the office will contact you" in text
    for secret in (former_worker.curp, undocumented_former_worker.curp, "passport", "Passport", "medical"):
        assert secret not in text
    assert CURP_LIKE.search(text) is None


def test_a_worker_who_is_not_a_former_worker_cannot_be_named(employer_client, draft, former_worker):
    stranger = WorkerFactory(first_names="Pedro")
    response = employer_client.post(reverse("employer-named-worker-add", args=[draft.public_id]),
                                    {"worker": str(stranger.public_id)}, follow=True)
    assert "Choose one of the workers you employed in earlier seasons." in messages_of(response)
    assert not draft.named_workers.exists()


def test_a_named_worker_is_removed(employer_client, draft, former_worker, employer_a_user):
    requests_service.named_worker_add(request=draft, worker=former_worker, by=employer_a_user)
    response = employer_client.post(
        reverse("employer-named-worker-remove", args=[draft.public_id, former_worker.public_id]), follow=True)
    assert f"{former_worker.full_name} is no longer named on the request." in messages_of(response)
    assert not draft.named_workers.exists()
    assert [event.kind for event in response.context["events"]] == ["worker_named", "worker_unnamed"]


# --- Worksites ------------------------------------------------------------------------------------

def worksite_data(**overrides) -> dict:
    data = {"name": "North field", "address": "40 Concession Road", "city": "Leamington", "region": "CA-ON",
            "postal_code": "N8H 3V4", "housing_capacity": 12, "housing_inspection_result": "passed",
            "housing_inspected_on": "2026-01-10", "housing_valid_until": "2027-01-09"}
    data.update(overrides)
    return data


def test_an_employer_adds_and_edits_a_worksite(employer_client, employer_a):
    response = employer_client.post(reverse("employer-worksite-create"), worksite_data())
    assert response.status_code == 302
    site = Worksite.objects.get(employer=employer_a, name="North field")
    assert site.housing_valid_until == datetime.date(2027, 1, 9)
    listing = employer_client.get(reverse("employer-worksites"))
    assert "North field" in listing.text
    response = employer_client.post(reverse("employer-worksite-edit", args=[site.public_id]),
                                    worksite_data(name="North field (east)", housing_capacity=14))
    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.name, site.housing_capacity) == ("North field (east)", 14)


@pytest.mark.parametrize(("overrides", "field", "fragment"), [
    ({"housing_inspected_on": ""}, "housing_inspected_on", "date of the inspection"),
    ({"housing_valid_until": "2025-01-01"}, "housing_valid_until", "after the inspection date"),
    ({"region": "US-WA"}, "region", "Select a valid choice"),
])
def test_worksite_errors_land_on_their_field(employer_client, employer_a, overrides, field, fragment):
    response = employer_client.post(reverse("employer-worksite-create"), worksite_data(**overrides))
    assert response.status_code == 400
    assert fragment in " ".join(response.context["form"].errors[field])
    assert not Worksite.objects.filter(employer=employer_a).exists()


def test_the_worksite_list_shows_an_empty_state(employer_client):
    assert "No worksites yet" in employer_client.get(reverse("employer-worksites")).text


def test_the_worksite_list_pages(employer_client, employer_a):
    for number in range(3):
        WorksiteFactory(employer=employer_a, name=f"Field {number}")
    response = employer_client.get(reverse("employer-worksites"), {"page_size": 2})
    assert [site.name for site in response.context["worksites"]] == ["Field 0", "Field 1"]
    assert "Page 1 of 2" in response.text


# --- Colleagues and invitations -------------------------------------------------------------------

def test_colleagues_are_listed_and_invited(employer_client, employer_a, employer_b_user):
    EmployerUserFactory(username="second.user", employer=employer_a)
    response = employer_client.get(reverse("employer-colleagues"))
    assert [user.username for user in response.context["colleagues"]] == ["employer.a", "second.user"]
    assert "employer.b" not in response.text
    response = employer_client.post(reverse("employer-colleagues"), {"email": "Foreman@Farm.example.org"},
                                    follow=True)
    assert "Invitation sent to foreman@farm.example.org." in " ".join(messages_of(response))
    invitation = EmployerInvitation.objects.get(employer=employer_a)
    assert invitation.email == "foreman@farm.example.org"
    assert Notification.objects.get(kind="employer-invitation").address == "foreman@farm.example.org"


def test_inviting_an_address_that_has_an_account_is_refused_on_the_field(employer_client, employer_b_user):
    response = employer_client.post(reverse("employer-colleagues"), {"email": employer_b_user.email})
    assert response.status_code == 400
    assert response.context["form"].errors["email"] == ["Someone already has an account with this e-mail address."]
    assert not EmployerInvitation.objects.exists()


def test_an_invitation_is_accepted_and_the_colleague_signed_in(client, employer_a, employer_a_user):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    services.invitation_send(employer=employer_a, email="foreman@farm.example.org", by=employer_a_user,
                             base_url="http://testserver/")
    link = Notification.objects.get(kind="employer-invitation").body
    path = re.search(r"http://testserver(/portal/invitations/[^\s]+/)", link).group(1)
    page = client.get(path)
    assert page.status_code == 200
    assert employer_a.legal_name in page.text
    mismatch = client.post(path, {"username": "foreman", "password1": PASSWORD, "password2": "other-Password-1",
                                  "preferred_language": "es"})
    assert mismatch.status_code == 400
    assert "password2" in mismatch.context["form"].errors
    response = client.post(path, {"username": "foreman", "password1": PASSWORD, "password2": PASSWORD,
                                  "preferred_language": "es"}, follow=True)
    user = User.objects.get(username="foreman")
    assert response.context["user"] == user
    assert user.employer_membership.employer == employer_a
    assert response.redirect_chain[-1][0] == reverse("employer-home")


def test_an_unknown_invitation_token_says_it_cannot_be_used(client):
    response = client.get(reverse("employer-invitation-accept", args=["not-a-token"]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "not valid or has expired" in response.text
    assert client.post(reverse("employer-invitation-accept", args=["not-a-token"]),
                       {"username": "x", "password1": PASSWORD, "password2": PASSWORD}).status_code == 404
    assert not User.objects.filter(username="x").exists()


def test_a_user_without_employer_sees_that_it_is_not_linked(client):
    from tests.factories import UserFactory

    orphan = UserFactory(role=Role.EMPLOYER, office=None)
    client.force_login(orphan)
    response = client.get(reverse("employer-home"), HTTP_ACCEPT_LANGUAGE="en")
    assert "not linked to an employer" in response.text
    assert client.get(reverse("employer-worksites")).status_code == 403


def test_wage_amounts_keep_their_decimals(employer_client, program, worksite_a, employer_a):
    employer_client.post(reverse("employer-request-create"), request_terms(program, worksite_a, wage_amount="18.05"))
    assert WorkerRequest.objects.get(employer=employer_a).wage_amount == Decimal("18.05")


def test_employers_of_another_country_see_only_their_programs(client, program):
    from tests.factories import ProgramFactory

    ProgramFactory(name="H-2A United States", code="h2a-us", destination_country="US", currency="USD")
    employer = EmployerFactory(country="US", region="US-WA")
    WorksiteFactory(employer=employer, region="US-WA")
    user = EmployerUserFactory(employer=employer)
    client.force_login(user)
    response = client.get(reverse("employer-request-create"), HTTP_ACCEPT_LANGUAGE="en")
    assert [p.code for p in response.context["form"].fields["program"].queryset] == ["h2a-us"]


def test_a_stale_amendment_keeps_the_users_input(employer_client, program, employer_a, worksite_a, employer_a_user):
    approved = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                    status=RequestStatus.APPROVED)
    WorkerRequest.objects.filter(pk=approved.pk).update(version=2)
    response = employer_client.post(reverse("employer-request-amend", args=[approved.public_id]), {
        "workers_requested": 6, "start_date": approved.start_date.isoformat(),
        "end_date": approved.end_date.isoformat(), "reason": "Bigger harvest", "version": 1,
    })
    assert response.status_code == 400
    assert "Someone else changed this request" in response.text
    assert response.context["form"]["workers_requested"].value() == "6"
    assert response.context["form"]["version"].value() == 2
    approved.refresh_from_db()
    assert (approved.status, approved.workers_requested) == (RequestStatus.APPROVED, 4)
