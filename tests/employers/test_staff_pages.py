"""The staff review pages: the employer approval queue, the request review queue, the decisions on
both with their confirmation step, named workers added by CURP, and the staff home panels.

Pages render in Spanish; the assertions look at data (numbers, names, URLs of the buttons) and at
the database, which are the same in every language."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from employers.models import Employer, EmployerStatusChange, NamedWorker, RequestEvent, RequestStatus, WorkerRequest
from tests.factories import (
    EmployerFactory,
    EmployerUserFactory,
    ProgramFactory,
    WorkerFactory,
    WorkerRequestFactory,
    WorksiteFactory,
    fully_documented,
    next_season_start,
)
from twp.models import Notification
from workers.models import Occupation

pytestmark = pytest.mark.django_db

QUEUE = "/review/requests/"
EMPLOYERS = "/review/employers/"


def detail_url(worker_request):
    return reverse("review-request-detail", args=[worker_request.public_id])


def decide_url(worker_request, action):
    return reverse("review-request-decide", args=[worker_request.public_id, action])


def employer_url(employer):
    return reverse("review-employer-detail", args=[employer.public_id])


def employer_decide_url(employer, action):
    return reverse("review-employer-decide", args=[employer.public_id, action])


def submitted(worksite, *, minutes_ago=60, **extra):
    """A submitted request of the worksite's employer, submitted ``minutes_ago``."""
    return WorkerRequestFactory(employer=worksite.employer, worksite=worksite, status=RequestStatus.SUBMITTED,
                                submitted_at=timezone.now() - datetime.timedelta(minutes=minutes_ago), **extra)


def numbers_in(response) -> list[str]:
    """The request numbers a queue page lists, in order."""
    return re.findall(r">(\d{4}-\d{5})</a>", response.text)


def request_state(worker_request):
    return WorkerRequest.objects.filter(pk=worker_request.pk).values("status", "status_reason", "version").get()


# --- The request queue ---------------------------------------------------------------------------

def test_the_queue_shows_only_requests_of_the_consulates_jurisdiction(sign_in, staff_ontario, program,
                                                                      worksite_a, worksite_b):
    ontario, quebec = submitted(worksite_a, program=program), submitted(worksite_b, program=program)
    response = sign_in(staff_ontario).get(QUEUE)
    assert response.status_code == 200
    assert numbers_in(response) == [ontario.number]
    assert quebec.employer.legal_name not in response.text


def test_the_queue_shows_submitted_requests_oldest_first_by_default(sign_in, staff_ontario, program, worksite_a):
    newest = submitted(worksite_a, program=program, minutes_ago=5)
    oldest = submitted(worksite_a, program=program, minutes_ago=300)
    middle = submitted(worksite_a, program=program, minutes_ago=60)
    WorkerRequestFactory(employer=worksite_a.employer, worksite=worksite_a, program=program)  # a draft
    WorkerRequestFactory(employer=worksite_a.employer, worksite=worksite_a, program=program,
                         status=RequestStatus.APPROVED)
    response = sign_in(staff_ontario).get(QUEUE)
    assert numbers_in(response) == [oldest.number, middle.number, newest.number]


def test_the_queue_filters_by_program_province_occupation_status_and_season(sign_in, administrator, program,
                                                                           worksite_a, worksite_b):
    other_program = ProgramFactory(code="sawp-canada-2", name="SAWP Canada (dairy pilot)")
    pickers, dairy = Occupation.objects.order_by("code")[:2]
    ontario = submitted(worksite_a, program=program, occupation=pickers, minutes_ago=50)
    quebec = submitted(worksite_b, program=program, occupation=dairy, minutes_ago=40)
    pilot = submitted(worksite_a, program=other_program, occupation=pickers, minutes_ago=30)
    approved = WorkerRequestFactory(employer=worksite_b.employer, worksite=worksite_b, program=program,
                                    status=RequestStatus.APPROVED)
    start = next_season_start() + datetime.timedelta(days=364)
    later_season = submitted(worksite_a, program=program, occupation=pickers, minutes_ago=20, start_date=start,
                             end_date=start + datetime.timedelta(weeks=10))
    client = sign_in(administrator)

    assert numbers_in(client.get(QUEUE)) == [ontario.number, quebec.number, pilot.number, later_season.number]
    assert numbers_in(client.get(QUEUE, {"region": "CA-QC"})) == [quebec.number]
    assert numbers_in(client.get(QUEUE, {"program": other_program.pk})) == [pilot.number]
    assert numbers_in(client.get(QUEUE, {"occupation": dairy.code})) == [quebec.number]
    assert numbers_in(client.get(QUEUE, {"status": "approved"})) == [approved.number]
    assert numbers_in(client.get(QUEUE, {"season": start.year})) == [later_season.number]
    assert len(numbers_in(client.get(QUEUE, {"status": ""}))) == 5  # every status


def test_a_filter_that_makes_no_sense_is_reported_and_lists_nothing(sign_in, staff_ontario, program, worksite_a):
    submitted(worksite_a, program=program)
    response = sign_in(staff_ontario).get(QUEUE, {"season": "next year"})
    assert response.status_code == 200
    assert numbers_in(response) == []
    assert 'aria-invalid="true"' in response.text


def test_an_empty_queue_says_nothing_waits(sign_in, staff_quebec, program, worksite_a):
    submitted(worksite_a, program=program)
    response = sign_in(staff_quebec).get(QUEUE)
    assert numbers_in(response) == []
    assert 'class="empty"' in response.text


def test_the_queue_pages_follow_a_cursor_through_every_request_once(sign_in, staff_ontario, program, worksite_a):
    made = [submitted(worksite_a, program=program, minutes_ago=100 - minute) for minute in range(5)]
    same_time = timezone.now() - datetime.timedelta(minutes=1)
    made += [submitted(worksite_a, program=program) for _ in range(2)]
    WorkerRequest.objects.filter(pk__in=[made[-1].pk, made[-2].pk]).update(submitted_at=same_time)
    client = sign_in(staff_ontario)
    seen, url, params = [], QUEUE, {"page_size": 2}
    while url:
        response = client.get(url, params)
        seen += numbers_in(response)
        found = re.search(r'href="(\?[^"]+)" rel="next"', response.text)
        url, params = (QUEUE + found.group(1).replace("&amp;", "&"), None) if found else (None, None)
    assert seen == [worker_request.number for worker_request in made]


def test_the_queue_costs_the_same_queries_for_any_page_size(sign_in, staff_ontario, program, worksite_a,
                                                            worker_tlaxcala, administrator):
    for minute in range(12):
        worker_request = submitted(worksite_a, program=program, minutes_ago=100 - minute)
        NamedWorker.objects.create(request=worker_request, worker=worker_tlaxcala, added_by=administrator)
    client = sign_in(staff_ontario)
    client.get(QUEUE)  # the first page of a session also records the session's activity
    counts = {}
    for size in (2, 10):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(QUEUE, {"page_size": size})
        assert len(numbers_in(response)) == size
        counts[size] = len(queries)
    # session, user, OTP device, the staff member's office, the capped count, the page (with its
    # employer, worksite, occupation, program and named-worker count), programs and occupations
    # for the filters.
    assert counts == {2: 8, 10: 8}


# --- Request detail and decisions ----------------------------------------------------------------

def test_another_consulates_request_is_not_found(sign_in, staff_quebec, program, worksite_a, worker_tlaxcala):
    worker_request = submitted(worksite_a, program=program)
    before = request_state(worker_request)
    client = sign_in(staff_quebec)
    assert client.get(detail_url(worker_request)).status_code == 404
    assert client.get(decide_url(worker_request, "approve")).status_code == 404
    assert client.post(decide_url(worker_request, "approve"), {"version": 1}).status_code == 404
    assert client.post(decide_url(worker_request, "reject"), {"reason": "No", "version": 1}).status_code == 404
    assert client.post(reverse("review-request-name-worker", args=[worker_request.public_id]),
                       {"curp": worker_tlaxcala.curp}).status_code == 404
    assert request_state(worker_request) == before
    assert not NamedWorker.objects.exists()


def test_an_employer_user_cannot_open_the_review_pages(sign_in, employer_a_user, program, worksite_a):
    worker_request = submitted(worksite_a, program=program)
    client = sign_in(employer_a_user)
    for url in (QUEUE, EMPLOYERS, detail_url(worker_request), employer_url(worksite_a.employer)):
        assert client.get(url).status_code == 403
    assert client.post(decide_url(worker_request, "approve")).status_code == 403
    assert request_state(worker_request)["status"] == RequestStatus.SUBMITTED


def test_a_state_office_reads_an_approved_request_but_cannot_decide_on_it(sign_in, staff_tlaxcala, program,
                                                                           worksite_a):
    approved = WorkerRequestFactory(employer=worksite_a.employer, worksite=worksite_a, program=program,
                                    status=RequestStatus.APPROVED)
    waiting = submitted(worksite_a, program=program)
    client = sign_in(staff_tlaxcala)
    response = client.get(detail_url(approved))
    assert response.status_code == 200
    assert approved.number in response.text
    assert decide_url(approved, "reject") not in response.text
    before = request_state(approved)
    assert client.get(decide_url(approved, "reject")).status_code == 403
    assert client.post(decide_url(approved, "reject"), {"reason": "We have no workers", "version": 1}
                       ).status_code == 403
    assert request_state(approved) == before
    # A request still waiting for its consulate is outside the state office's scope.
    assert client.get(detail_url(waiting)).status_code == 404
    assert client.post(decide_url(waiting, "approve"), {"version": 1}).status_code == 404
    assert request_state(waiting)["status"] == RequestStatus.SUBMITTED


def test_the_consulate_approves_a_submitted_request_after_confirming(sign_in, staff_ontario, program, worksite_a,
                                                                     employer_a_user):
    worker_request = submitted(worksite_a, program=program)
    client = sign_in(staff_ontario)
    page = client.get(detail_url(worker_request))
    assert decide_url(worker_request, "approve") in page.text
    assert decide_url(worker_request, "reject") in page.text
    confirmation = client.get(decide_url(worker_request, "approve"))
    assert confirmation.status_code == 200
    assert request_state(worker_request)["status"] == RequestStatus.SUBMITTED  # nothing happens on GET

    response = client.post(decide_url(worker_request, "approve"), {"version": worker_request.version, "reason": ""})
    assert response.status_code == 302
    assert response.url == detail_url(worker_request)
    worker_request.refresh_from_db()
    assert worker_request.status == RequestStatus.APPROVED
    event = worker_request.timeline.get(kind=RequestEvent.Kind.APPROVED)
    assert event.by == staff_ontario
    assert Notification.objects.filter(kind="request-approved", recipient=employer_a_user).count() == 1
    # Decided: the buttons are gone, and the timeline names who approved.
    page = client.get(detail_url(worker_request))
    assert decide_url(worker_request, "approve") not in page.text
    assert staff_ontario.username in page.text


def test_rejecting_a_request_needs_a_reason_the_employer_reads(sign_in, staff_ontario, program, worksite_a):
    worker_request = submitted(worksite_a, program=program)
    client = sign_in(staff_ontario)
    before = request_state(worker_request)
    response = client.post(decide_url(worker_request, "reject"), {"version": worker_request.version, "reason": "  "})
    assert response.status_code == 400
    assert "Give the reason" in response.text or "Indique el motivo" in response.text
    assert request_state(worker_request) == before

    response = client.post(decide_url(worker_request, "reject"),
                           {"version": worker_request.version, "reason": "The LMIA covers 2 workers, not 4."})
    assert response.status_code == 302
    worker_request.refresh_from_db()
    assert worker_request.status == RequestStatus.REJECTED
    assert worker_request.status_reason == "The LMIA covers 2 workers, not 4."
    assert "The LMIA covers 2 workers, not 4." in client.get(detail_url(worker_request)).text


def test_a_decision_on_a_stale_version_is_refused(sign_in, staff_ontario, program, worksite_a):
    worker_request = submitted(worksite_a, program=program)
    client = sign_in(staff_ontario)
    WorkerRequest.objects.filter(pk=worker_request.pk).update(version=worker_request.version + 1)
    before = request_state(worker_request)
    response = client.post(decide_url(worker_request, "approve"), {"version": worker_request.version})
    assert response.status_code == 409
    assert request_state(worker_request) == before


def test_an_approval_the_rules_refuse_says_why_and_changes_nothing(sign_in, staff_ontario, program, worksite_a):
    worker_request = submitted(worksite_a, program=program)
    worksite_a.housing_valid_until = worker_request.start_date - datetime.timedelta(days=1)
    worksite_a.save()
    before = request_state(worker_request)
    client = sign_in(staff_ontario)
    response = client.post(decide_url(worker_request, "approve"), {"version": worker_request.version})
    assert response.status_code == 400
    assert "inspection" in response.text.lower() or "inspección" in response.text.lower()
    assert request_state(worker_request) == before


def test_deciding_twice_says_the_action_is_no_longer_possible(sign_in, staff_ontario, program, worksite_a):
    worker_request = WorkerRequestFactory(employer=worksite_a.employer, worksite=worksite_a, program=program,
                                          status=RequestStatus.APPROVED)
    before = request_state(worker_request)
    client = sign_in(staff_ontario)
    assert client.get(decide_url(worker_request, "approve")).status_code == 302
    response = client.post(decide_url(worker_request, "approve"), {"version": worker_request.version})
    assert response.status_code == 302
    assert request_state(worker_request) == before
    assert client.get(decide_url(worker_request, "unknown")).status_code == 404


# --- Named workers ---------------------------------------------------------------------------------

def test_staff_see_each_named_workers_curp_and_why_they_cannot_be_placed(sign_in, staff_ontario, administrator,
                                                                         program, worksite_a):
    worker_request = submitted(worksite_a, program=program)
    ready = fully_documented(WorkerFactory(first_names="Rosa", paternal_surname="Ávila"), administrator,
                             start=worker_request.start_date)
    undocumented = WorkerFactory(first_names="Pedro", paternal_surname="Luna")
    for worker in (ready, undocumented):
        NamedWorker.objects.create(request=worker_request, worker=worker, added_by=administrator)
    response = sign_in(staff_ontario).get(detail_url(worker_request))
    assert response.status_code == 200
    assert ready.curp in response.text
    assert undocumented.curp in response.text
    checks = {check.named.worker.pk: check for check in response.context["checks"]}
    assert checks[ready.pk].available
    assert not checks[undocumented.pk].available
    for reason in checks[undocumented.pk].reasons:
        assert str(reason.message) in response.text


def test_an_administrator_names_a_worker_by_curp_and_removes_them(sign_in, administrator, program, worksite_a,
                                                                  worker_tlaxcala):
    worker_request = submitted(worksite_a, program=program)
    client = sign_in(administrator)
    response = client.post(reverse("review-request-name-worker", args=[worker_request.public_id]),
                           {"curp": worker_tlaxcala.curp.lower()})
    assert response.status_code == 302
    assert worker_tlaxcala.curp not in response.url
    assert list(worker_request.named_workers.values_list("worker_id", flat=True)) == [worker_tlaxcala.pk]
    assert worker_request.timeline.filter(kind=RequestEvent.Kind.WORKER_NAMED).count() == 1

    response = client.post(reverse("review-request-unname-worker", args=[worker_request.public_id]),
                           {"worker": str(worker_tlaxcala.public_id)})
    assert response.status_code == 302
    assert not worker_request.named_workers.exists()


def test_the_reviewing_consulate_names_a_worker_of_any_state_by_curp(sign_in, staff_ontario, program, worksite_a,
                                                                      worker_tlaxcala):
    """The employer asks for people by name; the consulate reviewing the request may name any
    registered worker, and an unknown CURP names nobody."""
    worker_request = submitted(worksite_a, program=program)
    client = sign_in(staff_ontario)
    url = reverse("review-request-name-worker", args=[worker_request.public_id])
    unknown = client.post(url, {"curp": "XXXX000000HXXXXX00"})
    assert unknown.status_code == 400
    assert unknown.context["name_form"].errors["curp"]
    assert not NamedWorker.objects.exists()
    known = client.post(url, {"curp": worker_tlaxcala.curp})
    assert known.status_code == 302
    assert list(NamedWorker.objects.values_list("worker", flat=True)) == [worker_tlaxcala.pk]


def test_naming_more_workers_than_requested_is_refused_on_the_curp_field(sign_in, administrator, program,
                                                                         worksite_a):
    worker_request = submitted(worksite_a, program=program, workers_requested=1)
    first, second = WorkerFactory(), WorkerFactory()
    NamedWorker.objects.create(request=worker_request, worker=first, added_by=administrator)
    response = sign_in(administrator).post(reverse("review-request-name-worker", args=[worker_request.public_id]),
                                           {"curp": second.curp})
    assert response.status_code == 400
    assert "curp" in response.context["name_form"].errors
    assert list(worker_request.named_workers.values_list("worker_id", flat=True)) == [first.pk]


# --- Employers -------------------------------------------------------------------------------------

def pending_employer(name, region="CA-ON", days_ago=1):
    employer = EmployerFactory(legal_name=name, region=region, status=Employer.Status.PENDING)
    WorksiteFactory(employer=employer, region=region)
    Employer.objects.filter(pk=employer.pk).update(created_at=timezone.now() - datetime.timedelta(days=days_ago))
    return employer


def employer_names_in(response) -> list[str]:
    return re.findall(r'<a href="/review/employers/[0-9a-f-]+/">([^<]+)</a>', response.text)


def test_the_employer_queue_lists_pending_employers_first_oldest_first(sign_in, staff_ontario, worksite_a,
                                                                       worksite_b):
    recent = pending_employer("Recent Acres Inc.", days_ago=1)
    old = pending_employer("Old Barn Farms Ltd.", days_ago=30)
    response = sign_in(staff_ontario).get(EMPLOYERS)
    assert response.status_code == 200
    # Employer A (approved, Ontario) after the pending ones; employer B (Quebec) not at all.
    assert employer_names_in(response) == [old.legal_name, recent.legal_name, worksite_a.employer.legal_name]


def test_the_employer_queue_filters_by_status_province_and_name(sign_in, administrator, worksite_a, worksite_b):
    pending = pending_employer("Ferme Laval Inc.", region="CA-QC")
    client = sign_in(administrator)
    assert employer_names_in(client.get(EMPLOYERS, {"status": "pending"})) == [pending.legal_name]
    assert employer_names_in(client.get(EMPLOYERS, {"region": "CA-QC"})) == [
        pending.legal_name, worksite_b.employer.legal_name]
    assert employer_names_in(client.get(EMPLOYERS, {"search": "ontario orch"})) == [worksite_a.employer.legal_name]
    assert employer_names_in(client.get(EMPLOYERS, {"search": "nobody"})) == []


def test_the_employer_queue_costs_the_same_queries_for_any_page_size(sign_in, administrator):
    for number in range(11):
        pending_employer(f"Farm {number:02d} Ltd.", days_ago=50 - number)
    client = sign_in(administrator)
    client.get(EMPLOYERS)  # the first page of a session also records the session's activity
    counts = {}
    for size in (2, 10):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(EMPLOYERS, {"page_size": size})
        assert len(employer_names_in(response)) == size
        counts[size] = len(queries)
    # session, user, OTP device, the paginator's count, the page with its worksite counts.
    assert counts == {2: 5, 10: 5}


def test_another_consulates_employer_is_not_found(sign_in, staff_quebec, worksite_a):
    employer = worksite_a.employer
    client = sign_in(staff_quebec)
    assert client.get(employer_url(employer)).status_code == 404
    assert client.get(employer_decide_url(employer, "suspend")).status_code == 404
    assert client.post(employer_decide_url(employer, "suspend"), {"reason": "Complaints"}).status_code == 404
    employer.refresh_from_db()
    assert employer.status == Employer.Status.APPROVED


def test_the_employer_page_shows_worksites_users_history_requests_and_only_the_possible_actions(
        sign_in, staff_ontario, program):
    employer = pending_employer("Maple Grove Orchards Ltd.")
    EmployerUserFactory(username="grower.maple", email="office@maplegrove.example.org", employer=employer)
    EmployerStatusChange.objects.create(employer=employer, from_status="", to_status="pending", reason="Signed up")
    worker_request = WorkerRequestFactory(employer=employer, worksite=employer.worksites.get(), program=program)
    response = sign_in(staff_ontario).get(employer_url(employer))
    assert response.status_code == 200
    assert employer.worksites.get().name in response.text
    assert "grower.maple" in response.text
    assert "office@maplegrove.example.org" in response.text
    assert "Signed up" in response.text
    assert worker_request.number in response.text
    assert employer_decide_url(employer, "approve") in response.text
    assert employer_decide_url(employer, "reject") in response.text
    assert employer_decide_url(employer, "suspend") not in response.text


def test_the_consulate_approves_a_pending_employer_after_confirming(sign_in, staff_ontario):
    employer = pending_employer("Maple Grove Orchards Ltd.")
    client = sign_in(staff_ontario)
    assert client.get(employer_decide_url(employer, "approve")).status_code == 200
    employer.refresh_from_db()
    assert employer.status == Employer.Status.PENDING
    response = client.post(employer_decide_url(employer, "approve"), {"reason": ""})
    assert response.status_code == 302
    employer.refresh_from_db()
    assert employer.status == Employer.Status.APPROVED
    change = employer.status_changes.get()
    assert (change.from_status, change.to_status, change.changed_by) == ("pending", "approved", staff_ontario)


@pytest.mark.parametrize(("start", "action", "result"), [
    (Employer.Status.PENDING, "reject", Employer.Status.REJECTED),
    (Employer.Status.APPROVED, "suspend", Employer.Status.SUSPENDED),
])
def test_rejecting_or_suspending_an_employer_needs_a_reason(sign_in, staff_ontario, start, action, result):
    employer = pending_employer("Maple Grove Orchards Ltd.")
    Employer.objects.filter(pk=employer.pk).update(status=start)
    client = sign_in(staff_ontario)
    response = client.post(employer_decide_url(employer, action), {"reason": ""})
    assert response.status_code == 400
    employer.refresh_from_db()
    assert employer.status == start
    assert not employer.status_changes.exists()

    response = client.post(employer_decide_url(employer, action), {"reason": "Housing complaints not answered."})
    assert response.status_code == 302
    employer.refresh_from_db()
    assert (employer.status, employer.status_reason) == (result, "Housing complaints not answered.")


def test_an_action_the_status_does_not_allow_is_refused_without_change(sign_in, staff_ontario, worksite_a):
    employer = worksite_a.employer  # approved
    client = sign_in(staff_ontario)
    assert client.get(employer_decide_url(employer, "reject")).status_code == 302
    assert client.post(employer_decide_url(employer, "reject"), {"reason": "Too late"}).status_code == 302
    employer.refresh_from_db()
    assert employer.status == Employer.Status.APPROVED
    assert not employer.status_changes.exists()


# --- Staff home ------------------------------------------------------------------------------------

def test_the_staff_home_counts_the_requests_and_employers_waiting_for_the_person(sign_in, staff_ontario,
                                                                                 administrator, program,
                                                                                 worksite_a, worksite_b):
    submitted(worksite_a, program=program)
    submitted(worksite_a, program=program)
    submitted(worksite_b, program=program)
    pending_employer("Maple Grove Orchards Ltd.")
    response = sign_in(staff_ontario).get(reverse("staff-home"))
    panels = {panel["key"]: panel for panel in response.context["panels"]}
    assert (panels["requests"]["count"], panels["employers"]["count"]) == (2, 1)
    assert "/review/requests/?status=submitted" in response.text
    assert "/review/employers/?status=pending" in response.text
    # The panels of later issues stay.
    assert 'id="panel-contracts"' in response.text
    assert 'id="panel-returns"' in response.text

    response = sign_in(administrator).get(reverse("staff-home"))
    panels = {panel["key"]: panel for panel in response.context["panels"]}
    assert (panels["requests"]["count"], panels["employers"]["count"]) == (3, 1)


def test_the_staff_home_of_a_state_office_has_nothing_to_decide(sign_in, staff_tlaxcala, program, worksite_a):
    submitted(worksite_a, program=program)
    response = sign_in(staff_tlaxcala).get(reverse("staff-home"))
    panels = {panel["key"]: panel for panel in response.context["panels"]}
    assert (panels["requests"]["count"], panels["employers"]["count"]) == (0, 0)
    assert 'id="panel-requests"' in response.text


@pytest.mark.parametrize("cursor", ["999999999999999999_1", "n_999999999999999999999", "garbage", "_"])
def test_a_cursor_someone_typed_shows_the_first_page_instead_of_an_error(sign_in, staff_ontario, program,
                                                                         worksite_a, cursor):
    worker_request = submitted(worksite_a, program=program)
    response = sign_in(staff_ontario).get(QUEUE, {"after": cursor})
    assert response.status_code == 200
    assert numbers_in(response) == [worker_request.number]
