"""Worker requests through their services: the rules on their terms, the status machine, named
workers, copy and amendment, and who is told."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from employers import worker_requests as requests_service
from employers.models import Employer, NamedWorker, RequestEvent, RequestStatus, WorkerRequest
from tests.factories import (
    EmployerFactory,
    WorkerFactory,
    WorkerRequestFactory,
    WorksiteFactory,
    fully_documented,
    next_season_start,
)
from twp.exceptions import DomainError, InvalidTransition, StaleVersion
from twp.models import MinimumWage, Notification
from workers.models import Occupation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    # The messages are asserted in English; the Spanish catalogue is checked on its own.
    with translation.override("en"):
        yield


def terms(program, worksite, **overrides):
    start = next_season_start()
    values = {
        "program": program, "worksite": worksite, "occupation": Occupation.objects.order_by("code").first(),
        "workers_requested": 3, "start_date": start, "end_date": start + datetime.timedelta(weeks=10),
        "wage_amount": Decimal("17.60"), "hours_per_week": 40, "labour_market_reference": "7654321",
    }
    values.update(overrides)
    return values


def field_errors(call):
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_an_employer_drafts_a_request_in_the_program_currency(program, employer_a_user, worksite_a):
    request = requests_service.request_create(employer=worksite_a.employer, by=employer_a_user,
                                              **terms(program, worksite_a))
    assert request.status == RequestStatus.DRAFT
    assert request.season == next_season_start().year
    assert request.wage_currency == "CAD"
    assert list(request.timeline.values_list("kind", flat=True)) == ["created"]


@pytest.mark.parametrize(("overrides", "field", "fragment"), [
    ({"end_date": None}, "end_date", "after the start"),
    ({"weeks": 3}, "end_date", "at least 6 weeks"),
    ({"weeks": 40}, "end_date", "at most 8 months"),
    ({"hours_per_week": 20}, "hours_per_week", "at least 240"),
    ({"start_date": "today"}, "start_date", "at least 30 days"),
    ({"season_end": True}, "end_date", "season ends"),
    ({"wage_amount": Decimal("0")}, "wage_amount", "more than zero"),
    ({"wage_currency": "USD"}, "wage_currency", "CAD"),
    ({"labour_market_reference": "12AB"}, "labour_market_reference", "LMIA"),
])
def test_terms_that_break_a_rule_are_refused_on_their_field(program, employer_a_user, worksite_a, overrides,
                                                            field, fragment):
    values = terms(program, worksite_a)
    start = values["start_date"]
    if "weeks" in overrides:
        values["end_date"] = start + datetime.timedelta(weeks=overrides.pop("weeks"))
    if overrides.get("end_date", "") is None:
        values["end_date"] = start
        overrides.pop("end_date")
    if overrides.pop("start_date", None) == "today":
        values["start_date"] = timezone.localdate() + datetime.timedelta(days=10)
        values["end_date"] = values["start_date"] + datetime.timedelta(weeks=8)
    if overrides.pop("season_end", False):
        values["start_date"] = datetime.date(start.year, 11, 1)
        values["end_date"] = datetime.date(start.year, 12, 20)
    values.update(overrides)
    errors = field_errors(lambda: requests_service.request_create(employer=worksite_a.employer, by=employer_a_user,
                                                                  **values))
    assert field in errors
    assert fragment in " ".join(errors[field])
    assert not WorkerRequest.objects.exists()


def test_a_wage_under_the_minimum_of_the_province_is_refused(program, employer_a_user, worksite_a):
    MinimumWage.objects.create(program=program, region="CA-ON", effective_from=datetime.date(2024, 1, 1),
                               hourly_amount=Decimal("17.20"))
    MinimumWage.objects.create(program=program, region="CA-ON", effective_from=next_season_start(),
                               hourly_amount=Decimal("17.95"))
    errors = field_errors(lambda: requests_service.request_create(
        employer=worksite_a.employer, by=employer_a_user, **terms(program, worksite_a)))
    assert "17.95" in errors["wage_amount"][0]
    assert requests_service.request_create(employer=worksite_a.employer, by=employer_a_user,
                                           **terms(program, worksite_a, wage_amount=Decimal("17.95")))


def test_an_employer_cannot_use_another_employers_worksite(program, employer_a_user, worksite_a, worksite_b):
    errors = field_errors(lambda: requests_service.request_create(
        employer=worksite_a.employer, by=employer_a_user, **terms(program, worksite_b)))
    assert "worksite" in errors


def test_an_employer_cannot_draft_for_another_employer(program, employer_a_user, worksite_b):
    with pytest.raises(PermissionDenied):
        requests_service.request_create(employer=worksite_b.employer, by=employer_a_user, **terms(program, worksite_b))


def test_a_pending_employer_drafts_but_cannot_submit(program, employer_a_user, worksite_a):
    Employer.objects.filter(pk=worksite_a.employer_id).update(status=Employer.Status.PENDING)
    request = requests_service.request_create(employer=worksite_a.employer, by=employer_a_user,
                                              **terms(program, worksite_a))
    errors = field_errors(lambda: requests_service.request_submit(request=request, by=employer_a_user))
    assert "approved" in errors["__all__"][0]
    request.refresh_from_db()
    assert request.status == RequestStatus.DRAFT


def test_submit_needs_housing_valid_on_the_start_date(program, employer_a_user, employer_a):
    site = WorksiteFactory(employer=employer_a, housing_valid_until=next_season_start() - datetime.timedelta(days=1))
    request = requests_service.request_create(employer=employer_a, by=employer_a_user, **terms(program, site))
    errors = field_errors(lambda: requests_service.request_submit(request=request, by=employer_a_user))
    assert "inspection" in errors["worksite"][0]


def test_the_whole_review_path_writes_the_timeline_and_tells_people(
        program, employer_a_user, worksite_a, staff_ontario, staff_quebec):
    request = requests_service.request_create(employer=worksite_a.employer, by=employer_a_user,
                                              **terms(program, worksite_a))
    request = requests_service.request_submit(request=request, by=employer_a_user, version=request.version)
    assert request.status == RequestStatus.SUBMITTED
    told = Notification.objects.filter(kind="request-submitted")
    assert [n.recipient for n in told] == [staff_ontario]  # the Quebec consulate does not govern Ontario
    with pytest.raises(PermissionDenied):
        requests_service.request_approve(request=request, by=staff_quebec)
    with pytest.raises(PermissionDenied):
        requests_service.request_approve(request=request, by=employer_a_user)
    request = requests_service.request_approve(request=request, by=staff_ontario)
    assert request.status == RequestStatus.APPROVED
    approved = Notification.objects.get(kind="request-approved")
    assert approved.recipient == employer_a_user
    assert request.number in approved.subject
    assert list(request.timeline.values_list("kind", "from_status", "to_status")) == [
        ("created", "", "draft"), ("submitted", "draft", "submitted"), ("approved", "submitted", "approved"),
    ]
    assert request.timeline.last().by == staff_ontario


def test_reject_needs_a_reason_and_tells_the_employer(program, employer_a_user, staff_ontario):
    request = WorkerRequestFactory(program=program, employer=employer_a_user.employer_membership.employer,
                                   status=RequestStatus.SUBMITTED)
    with pytest.raises(DomainError) as caught:
        requests_service.request_reject(request=request, by=staff_ontario, reason="  ")
    assert caught.value.field == "reason"
    request = requests_service.request_reject(request=request, by=staff_ontario, reason="No LMIA on file")
    assert request.status == RequestStatus.REJECTED and request.status_reason == "No LMIA on file"
    assert Notification.objects.get(kind="request-rejected").body.endswith("No LMIA on file")


@pytest.mark.parametrize(("status", "action"), [
    ("draft", "approve"), ("draft", "reject"), ("approved", "submit"), ("approved", "approve"),
    ("rejected", "cancel"), ("cancelled", "submit"), ("cancelled", "cancel"), ("submitted", "amend"),
    ("rejected", "approve"),
])
def test_every_illegal_transition_is_refused_and_changes_nothing(program, administrator, employer_a, status, action):
    request = WorkerRequestFactory(program=program, employer=employer_a, status=status)
    before = (request.status, request.version, request.timeline.count())
    calls = {
        "submit": lambda: requests_service.request_submit(request=request, by=administrator),
        "approve": lambda: requests_service.request_approve(request=request, by=administrator),
        "reject": lambda: requests_service.request_reject(request=request, by=administrator, reason="x"),
        "cancel": lambda: requests_service.request_cancel(request=request, by=administrator),
        "amend": lambda: requests_service.request_amend(request=request, by=administrator, version=1,
                                                        workers_requested=9),
    }
    with pytest.raises(InvalidTransition) as caught:
        calls[action]()
    assert caught.value.current == status
    assert action not in caught.value.allowed
    request.refresh_from_db()
    assert (request.status, request.version, request.timeline.count()) == before


def test_a_stale_version_is_refused(program, employer_a_user, worksite_a):
    request = requests_service.request_create(employer=worksite_a.employer, by=employer_a_user,
                                              **terms(program, worksite_a))
    requests_service.request_update(request=request, by=employer_a_user, version=1, workers_requested=5)
    with pytest.raises(StaleVersion):
        requests_service.request_update(request=request, by=employer_a_user, version=1, workers_requested=6)
    request.refresh_from_db()
    assert request.workers_requested == 5


def test_amending_an_approved_request_records_the_change_and_goes_back_to_review(program, employer_a_user,
                                                                                 staff_ontario):
    request = WorkerRequestFactory(program=program, employer=employer_a_user.employer_membership.employer,
                                   status=RequestStatus.APPROVED)
    request = requests_service.request_amend(request=request, by=employer_a_user, version=request.version,
                                             workers_requested=6, reason="Bigger harvest")
    assert request.status == RequestStatus.SUBMITTED and request.workers_requested == 6
    amended = request.timeline.get(kind=RequestEvent.Kind.AMENDED)
    assert amended.details == {"changes": {"workers_requested": ["4", "6"]}}
    assert Notification.objects.filter(kind="request-amended", recipient=staff_ontario).exists()


def test_copy_makes_a_clean_draft_of_the_next_season(program, employer_a_user, staff_ontario):
    scheme_request = WorkerRequestFactory(program=program, employer=employer_a_user.employer_membership.employer,
                                          status=RequestStatus.REJECTED, required_languages=["en"])
    worker = WorkerFactory()
    NamedWorker.objects.create(request=scheme_request, worker=worker, added_by=employer_a_user)
    copy = requests_service.request_copy(request=scheme_request, by=employer_a_user)
    assert copy.pk != scheme_request.pk
    assert copy.status == RequestStatus.DRAFT and copy.status_reason == "" and copy.submitted_at is None
    assert copy.season == scheme_request.season + 1
    assert copy.start_date == scheme_request.start_date.replace(year=scheme_request.start_date.year + 1)
    assert (copy.workers_requested, copy.wage_amount, copy.required_languages) == (4, Decimal("17.60"), ["en"])
    assert list(copy.named_workers.values_list("worker", flat=True)) == [worker.pk]
    assert list(copy.timeline.values_list("kind", flat=True)) == ["copied"]
    assert copy.copied_from == scheme_request
    with pytest.raises(PermissionDenied):
        requests_service.request_copy(request=scheme_request, by=staff_ontario)


# --- named workers -------------------------------------------------------------------------------

@pytest.fixture
def former_worker(program, employer_a, staff_tlaxcala):
    """A worker employer A had last season (named on its approved request), fully documented."""
    last_season = WorkerRequestFactory(
        program=program, employer=employer_a, status=RequestStatus.FILLED,
        start_date=datetime.date(timezone.localdate().year - 1, 5, 4),
        end_date=datetime.date(timezone.localdate().year - 1, 8, 3),
    )
    worker = fully_documented(WorkerFactory(first_names="Rosa", paternal_surname="Tlapa"), staff_tlaxcala,
                              start=next_season_start())
    NamedWorker.objects.create(request=last_season, worker=worker, added_by=staff_tlaxcala)
    return worker


def test_an_employer_names_only_its_former_workers(program, employer_a_user, former_worker):
    request = WorkerRequestFactory(program=program, employer=employer_a_user.employer_membership.employer)
    stranger = WorkerFactory()
    with pytest.raises(DomainError) as caught:
        requests_service.named_worker_add(request=request, worker=stranger, by=employer_a_user)
    assert caught.value.field == "worker"
    requests_service.named_worker_add(request=request, worker=former_worker, by=employer_a_user)
    assert [row["worker"] for row in requests_service.former_workers(request.employer)] == [former_worker]
    assert request.timeline.get(kind="worker_named").details["name"] == former_worker.full_name


def test_each_named_worker_is_checked_separately(program, employer_a_user, former_worker, administrator):
    request = WorkerRequestFactory(program=program, employer=employer_a_user.employer_membership.employer)
    undocumented = WorkerFactory(first_names="Luis")
    requests_service.named_worker_add(request=request, worker=former_worker, by=employer_a_user)
    requests_service.named_worker_add(request=request, worker=undocumented, by=administrator)
    checks = {check.named.worker: check for check in requests_service.named_worker_checks(request)}
    assert checks[former_worker].available and checks[former_worker].reasons == ()
    assert not checks[undocumented].available
    assert "passport_missing_or_expiring" in [reason.code for reason in checks[undocumented].reasons]


def test_named_workers_never_outnumber_the_workers_requested(program, employer_a, administrator):
    request = WorkerRequestFactory(program=program, employer=employer_a, workers_requested=1)
    requests_service.named_worker_add(request=request, worker=WorkerFactory(), by=administrator)
    with pytest.raises(DomainError, match="more workers than you request"):
        requests_service.named_worker_add(request=request, worker=WorkerFactory(), by=administrator)
    assert request.named_workers.count() == 1


def test_the_same_worker_cannot_be_named_twice(program, employer_a, administrator):
    request = WorkerRequestFactory(program=program, employer=employer_a)
    worker = WorkerFactory()
    requests_service.named_worker_add(request=request, worker=worker, by=administrator)
    with pytest.raises(DomainError, match="already named"):
        requests_service.named_worker_add(request=request, worker=worker, by=administrator)


def test_staff_name_only_workers_they_can_see(program, employer_a, staff_quebec):
    request = WorkerRequestFactory(program=program, employer=employer_a)
    with pytest.raises(PermissionDenied):
        requests_service.named_worker_add(request=request, worker=WorkerFactory(), by=staff_quebec)


# --- visibility ----------------------------------------------------------------------------------

def test_who_sees_which_request(program, personas, employer_a, employer_b):
    ontario_draft = WorkerRequestFactory(program=program, employer=employer_a)
    ontario_approved = WorkerRequestFactory(program=program, employer=employer_a, status="approved")
    quebec_submitted = WorkerRequestFactory(program=program, employer=employer_b, status="submitted")

    def seen(name):
        return set(WorkerRequest.objects.visible_to(personas[name]))

    assert seen("administrator") == {ontario_draft, ontario_approved, quebec_submitted}
    assert seen("staff_ontario") == {ontario_draft, ontario_approved}
    assert seen("staff_quebec") == {quebec_submitted}
    assert seen("staff_tlaxcala") == {ontario_approved}  # state offices read what they allocate to
    assert seen("employer_a") == {ontario_draft, ontario_approved}
    assert seen("employer_b") == {quebec_submitted}


def test_employer_visibility_follows_worksites(personas, employer_a, employer_b, worksite_a, worksite_b):
    pending = EmployerFactory(status=Employer.Status.PENDING, region="CA-QC")
    WorksiteFactory(employer=pending, region="CA-QC")
    assert set(Employer.objects.visible_to(personas["staff_quebec"])) == {employer_b, pending}
    assert set(Employer.objects.visible_to(personas["staff_ontario"])) == {employer_a}
    assert set(Employer.objects.visible_to(personas["staff_tlaxcala"])) == set()
    assert set(Employer.objects.visible_to(personas["employer_a"])) == {employer_a}


def test_the_database_refuses_more_named_workers_than_requested(program, employer_a, administrator):
    from django.db import IntegrityError, connection, transaction

    def now_and_at_commit():
        # A deferred trigger answers at commit; SET CONSTRAINTS makes it answer inside the test.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    request = WorkerRequestFactory(program=program, employer=employer_a, workers_requested=2)
    NamedWorker.objects.create(request=request, worker=WorkerFactory(), added_by=administrator)
    NamedWorker.objects.create(request=request, worker=WorkerFactory(), added_by=administrator)
    with pytest.raises(IntegrityError, match="names 3 workers but asks for 2"), transaction.atomic():
        NamedWorker.objects.create(request=request, worker=WorkerFactory(), added_by=administrator)
        now_and_at_commit()
    with pytest.raises(IntegrityError, match="names 2 workers but asks for 1"), transaction.atomic():
        WorkerRequest.objects.filter(pk=request.pk).update(workers_requested=1)
        now_and_at_commit()
    assert request.named_workers.count() == 2


def test_the_reviewing_consulate_names_any_worker_by_curp(program, employer_a, staff_ontario, staff_quebec):
    request = WorkerRequestFactory(program=program, employer=employer_a, status=RequestStatus.SUBMITTED)
    worker = WorkerFactory()  # from Tlaxcala: outside the Ontario consulate's own worker scope
    assert worker in requests_service.nameable_workers(request, staff_ontario)
    requests_service.named_worker_add(request=request, worker=worker, by=staff_ontario)
    assert request.named_workers.filter(worker=worker).exists()
    assert not requests_service.nameable_workers(request, staff_quebec).exists()
