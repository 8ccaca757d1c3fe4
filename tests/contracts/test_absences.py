"""Absences, handled humanely (``contracts.absences``): reported by the employer or staff, late →
missing → reported only after the consulate's welfare check, or found; deadlines counted as the
program says; every refusal changes nothing."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from contracts import absences
from contracts.absences import (
    ABSENCE_ACTIONS,
    absence_act,
    absence_deadlines,
    absence_found,
    absence_mark_missing,
    absence_record_welfare_check,
    absence_report,
    absence_report_to_authorities,
    allowed_absence_actions,
    days_after,
    employers_with_many_absences,
)
from contracts.models import Absence, Contract, ContractStatus, ContractStatusChange
from employers.models import Employer, RequestEvent, RequestStatus
from tests.factories import WorkerFactory, WorkerRequestFactory
from twp.exceptions import Conflict, DomainError, InvalidTransition, StaleVersion
from twp.models import Notification
from workers.models import WorkerStatus

pytestmark = pytest.mark.django_db
Stage = Absence.Stage
TORONTO = zoneinfo.ZoneInfo("America/Toronto")
START, END = datetime.date(2027, 5, 3), datetime.date(2027, 7, 26)  # a Monday, twelve weeks
FRIDAY, MONDAY = datetime.date(2027, 6, 11), datetime.date(2027, 6, 14)
WEDNESDAY = datetime.date(2027, 6, 16)  # "today" in these tests


def noon(day: datetime.date):
    """Midday in the program's time zone: the day is the same day everywhere it is read."""
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=TORONTO)


@pytest.fixture(autouse=True)
def in_english_on_a_wednesday():
    with translation.override("en"), time_machine.travel(noon(WEDNESDAY), tick=False):
        yield


def active_contract(request, **worker_fields):
    """A contract under way: the worker is abroad and at work."""
    worker = WorkerFactory(status=WorkerStatus.ABROAD, **worker_fields)
    return Contract.objects.create(
        request=request, worker=worker, program=request.program, season=request.season, start_date=request.start_date,
        end_date=request.end_date, wage_amount=request.wage_amount, wage_currency=request.wage_currency,
        hours_per_week=request.hours_per_week, status=ContractStatus.ACTIVE, worker_status_before=WorkerStatus.ELIGIBLE)


def season_request(program, employer, worksite, **fields):
    return WorkerRequestFactory(program=program, employer=employer, worksite=worksite, status=RequestStatus.APPROVED,
                                start_date=START, end_date=END, season=START.year, workers_requested=10, **fields)


@pytest.fixture
def contract(program, employer_a, worksite_a, employer_a_user, personas):
    """A Tlaxcala worker at work at employer A's worksite in Ontario."""
    return active_contract(season_request(program, employer_a, worksite_a), state_of_origin="TLA")


def reported(contract, by, *, last_seen_on=MONDAY, **fields):
    absence = absence_report(contract=contract, last_seen_on=last_seen_on, note="Not at work since Tuesday", by=by)
    if fields:
        Absence.objects.filter(pk=absence.pk).update(**fields)
        absence.refresh_from_db()
    return absence


def snapshot(contract):
    """Everything an absence step could change."""
    return (list(Absence.objects.filter(contract=contract).order_by("id").values()),
            list(Contract.objects.filter(pk=contract.pk).values()),
            ContractStatusChange.objects.filter(contract=contract).count(),
            RequestEvent.objects.filter(request=contract.request_id).count(),
            Notification.objects.count())


# --- days as the program counts them ------------------------------------------------------------

def test_workdays_skip_the_weekend_and_calendar_days_do_not():
    assert days_after(FRIDAY, 1, workdays=True) == MONDAY
    assert days_after(FRIDAY + datetime.timedelta(days=1), 1, workdays=True) == MONDAY  # from a Saturday
    assert days_after(FRIDAY, 3, workdays=True) == WEDNESDAY
    assert days_after(FRIDAY, 3, workdays=False) == MONDAY
    assert days_after(MONDAY, 5, workdays=True) == MONDAY + datetime.timedelta(days=7)
    assert days_after(MONDAY, 0, workdays=True) == MONDAY


# --- reporting ----------------------------------------------------------------------------------

def test_a_report_opens_a_late_absence_and_the_contract_stays_active(contract, employer_a_user, staff_ontario,
                                                                   staff_quebec):
    absence = absence_report(contract=contract, last_seen_on=MONDAY, note=" Did not come back from town ",
                             by=employer_a_user)
    assert (absence.stage, absence.last_seen_on, absence.note, absence.reported_by, absence.reported_late) == (
        Stage.LATE, MONDAY, "Did not come back from town", employer_a_user, False)
    contract.refresh_from_db()
    assert (contract.status, contract.effective_end, contract.version) == (ContractStatus.ACTIVE, None, 1)
    event = RequestEvent.objects.get(request=contract.request_id)
    assert (event.kind, event.from_status, event.to_status, event.reason) == (
        RequestEvent.Kind.CONTRACT_CHANGED, "active", "active", "Did not come back from town")
    assert (event.details["action"], event.details["absence"], event.details["stage"]) == (
        "report-absence", str(absence.public_id), "late")
    # The consulate over the worksite hears at once: its welfare-check deadline runs from today.
    told = Notification.objects.get(kind=absences.REPORTED_KIND)
    assert told.recipient == staff_ontario
    assert "2027-06-21" in told.body  # Wednesday + 3 workdays
    assert not Notification.objects.filter(recipient=staff_quebec).exists()


REPORTERS = {"administrator": True, "staff_ontario": True, "staff_tlaxcala": True, "employer_a": True,
             "staff_quebec": False, "employer_b": False}


@pytest.mark.parametrize("persona", REPORTERS)
def test_who_may_report_an_absence(contract, personas, persona):
    before = snapshot(contract)
    if REPORTERS[persona]:
        assert absence_report(contract=contract, last_seen_on=MONDAY, by=personas[persona]).stage == Stage.LATE
    else:
        with pytest.raises(PermissionDenied):
            absence_report(contract=contract, last_seen_on=MONDAY, by=personas[persona])
        assert snapshot(contract) == before


@pytest.mark.parametrize("status", [status for status in ContractStatus if status != ContractStatus.ACTIVE])
def test_only_an_active_contract_takes_a_report(contract, staff_ontario, status):
    Contract.objects.filter(pk=contract.pk).update(status=status)
    before = snapshot(contract)
    with pytest.raises(InvalidTransition) as refused:
        absence_report(contract=contract, last_seen_on=MONDAY, by=staff_ontario)
    assert (refused.value.current, refused.value.action) == (status, "report-absence")
    assert snapshot(contract) == before


def test_one_open_absence_per_contract(contract, employer_a_user, staff_ontario):
    first = reported(contract, employer_a_user)
    before = snapshot(contract)
    with pytest.raises(Conflict, match="already reported"):
        absence_report(contract=contract, last_seen_on=MONDAY, by=staff_ontario)
    assert snapshot(contract) == before
    absence_mark_missing(absence=first, by=staff_ontario)
    with pytest.raises(Conflict):
        absence_report(contract=contract, last_seen_on=MONDAY, by=staff_ontario)
    # Found: the next absence of the same worker is a new one.
    absence_found(absence=first, by=staff_ontario, note="Back at work")
    assert reported(contract, employer_a_user).stage == Stage.LATE


def test_the_database_refuses_a_second_open_absence(contract, employer_a_user):
    reported(contract, employer_a_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Absence.objects.create(contract=contract, last_seen_on=MONDAY, reported_by=employer_a_user,
                               stage=Stage.MISSING)


@pytest.mark.parametrize(("last_seen_on", "why"), [
    (WEDNESDAY + datetime.timedelta(days=1), "future"),
    (START - datetime.timedelta(days=1), "between"),
])
def test_the_last_day_seen_is_inside_the_contract_and_not_ahead(contract, employer_a_user, last_seen_on, why):
    before = snapshot(contract)
    with pytest.raises(DomainError, match=why) as refused:
        absence_report(contract=contract, last_seen_on=last_seen_on, by=employer_a_user)
    assert refused.value.field == "last_seen_on"
    assert snapshot(contract) == before


def test_a_report_on_a_stale_contract_version_is_refused(contract, employer_a_user):
    before = snapshot(contract)
    with pytest.raises(StaleVersion):
        absence_report(contract=contract, last_seen_on=MONDAY, by=employer_a_user, version=contract.version + 1)
    assert snapshot(contract) == before
    assert absence_report(contract=contract, last_seen_on=MONDAY, by=employer_a_user, version=contract.version)


# --- late reports: threshold plus deadline, counted as the program says ---------------------------

@pytest.mark.parametrize(("workdays", "last_day_on_time"), [
    # Last seen Friday: 5 workdays away (to the next Friday) + 2 workdays to report → Tuesday.
    (True, FRIDAY + datetime.timedelta(days=11)),
    # Calendar days: Friday + 5 + 2 → the next Friday.
    (False, FRIDAY + datetime.timedelta(days=7)),
])
def test_a_report_after_the_programs_deadline_is_flagged_late(contract, employer_a_user, staff_ontario, program,
                                                              workdays, last_day_on_time):
    program.absence_counts_workdays = workdays
    program.save()
    with time_machine.travel(noon(last_day_on_time), tick=False):
        on_time = absence_report(contract=contract, last_seen_on=FRIDAY, by=employer_a_user)
    assert on_time.reported_late is False
    absence_found(absence=on_time, by=staff_ontario)
    with time_machine.travel(noon(last_day_on_time + datetime.timedelta(days=1)), tick=False):
        late = absence_report(contract=contract, last_seen_on=FRIDAY, by=employer_a_user)
    assert late.reported_late is True


# --- the stages, by every role, from every stage ------------------------------------------------

CHECKED = {"welfare_checked_at": datetime.datetime(2027, 6, 15, 15, tzinfo=datetime.UTC),
           "welfare_check_note": "Visited: the worker is safe"}
STAGES = {  # name: the absence's fields
    "late": {},
    "late-checked": CHECKED,
    "missing": {"stage": Stage.MISSING, "missing_since": CHECKED["welfare_checked_at"]},
    "missing-checked": {"stage": Stage.MISSING, "missing_since": CHECKED["welfare_checked_at"], **CHECKED},
    "reported": {"stage": Stage.REPORTED, "closed_at": CHECKED["welfare_checked_at"], **CHECKED},
    "found": {"stage": Stage.FOUND, "closed_at": CHECKED["welfare_checked_at"]},
}
ALLOWED = {  # stage: the actions DESIGN.md allows from it
    "late": {"missing", "welfare-check", "found"},
    "late-checked": {"missing", "found"},
    "missing": {"welfare-check", "found"},
    "missing-checked": {"reported", "found"},
    "reported": set(),
    "found": set(),
}
# The stage is right but its condition is not (a conflict, not a wrong stage).
NOT_READY = {("late-checked", "welfare-check"), ("missing", "reported"), ("missing-checked", "welfare-check")}
STAFF_WHO_SEE_IT = {"administrator", "staff_ontario", "staff_tlaxcala"}
TARGET = {"missing": Stage.MISSING, "reported": Stage.REPORTED, "found": Stage.FOUND}


@pytest.mark.parametrize("persona", ["administrator", "staff_ontario", "staff_tlaxcala", "staff_quebec",
                                     "employer_a", "employer_b"])
@pytest.mark.parametrize("stage", STAGES)
def test_every_step_from_every_stage_by_every_role(contract, personas, employer_a_user, persona, stage):
    user = personas[persona]
    absence = reported(contract, employer_a_user, **STAGES[stage])
    for action in ABSENCE_ACTIONS:
        before = snapshot(contract)
        allowed = persona in STAFF_WHO_SEE_IT and action in ALLOWED[stage]
        assert (action in allowed_absence_actions(Absence.objects.get(pk=absence.pk), user)) == allowed
        if allowed:
            done = absence_act(absence=absence, action=action, by=user, note="Seen at the bus station")
            assert done.stage == TARGET.get(action, Absence.objects.get(pk=absence.pk).stage)
            assert done.version == absence.version + 1
            assert RequestEvent.objects.filter(request=contract.request_id).count() == before[3] + 1
            # Back to the stage under test for the next action.
            Absence.objects.filter(pk=absence.pk).update(**{
                "missing_since": None, "welfare_checked_at": None, "welfare_checked_by": None, "closed_at": None,
                "welfare_check_note": "", "closing_note": "", "stage": Stage.LATE, **STAGES[stage]})
            Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.ACTIVE, effective_end=None)
            absence.refresh_from_db()
        else:
            expected = (PermissionDenied if persona not in STAFF_WHO_SEE_IT
                        else Conflict if (stage, action) in NOT_READY else InvalidTransition)
            with pytest.raises(expected) as refused:
                absence_act(absence=absence, action=action, by=user, note="Seen at the bus station")
            assert snapshot(contract) == before
            if expected is InvalidTransition:
                assert refused.value.allowed == sorted(ALLOWED[stage])


def test_missing_then_checked_then_reported_makes_the_contract_absconded(contract, employer_a_user, staff_ontario):
    absence = reported(contract, employer_a_user, last_seen_on=FRIDAY)
    absence = absence_mark_missing(absence=absence, by=staff_ontario)
    assert (absence.stage, absence.missing_since) == (Stage.MISSING, timezone.now())
    note = "Not at the bunkhouse; phone off"
    absence = absence_record_welfare_check(absence=absence, note=note, by=staff_ontario)
    assert (absence.welfare_checked_by, absence.welfare_check_note) == (staff_ontario, note)
    absence = absence_report_to_authorities(absence=absence, by=staff_ontario, version=absence.version)
    assert (absence.stage, absence.closed_at) == (Stage.REPORTED, timezone.now())
    contract.refresh_from_db()
    assert (contract.status, contract.effective_end, contract.version) == (ContractStatus.ABSCONDED, FRIDAY, 2)
    change = ContractStatusChange.objects.get(contract=contract)
    assert (change.from_status, change.to_status, change.by) == ("active", "absconded", staff_ontario)
    # The rest of the contract's dates are free again; the worker is still abroad (the return is
    # to be confirmed, the savings stay held).
    assert not Contract.objects.overlapping(FRIDAY + datetime.timedelta(days=1), END).filter(
        worker=contract.worker).exists()
    assert contract.worker.status == WorkerStatus.ABROAD
    steps = RequestEvent.objects.filter(request=contract.request_id).order_by("id")
    assert [(event.details["action"], event.details["stage"], event.to_status) for event in steps] == [
        ("report-absence", "late", "active"), ("missing", "missing", "active"),
        ("welfare-check", "missing", "active"), ("reported", "reported", "absconded")]
    # The employer reads the timeline: the welfare check's note is never on it.
    assert all("bunkhouse" not in event.reason for event in steps)


def test_reported_is_refused_before_the_welfare_check(contract, employer_a_user, staff_ontario):
    absence = absence_mark_missing(absence=reported(contract, employer_a_user), by=staff_ontario)
    before = snapshot(contract)
    with pytest.raises(Conflict, match="welfare check"):
        absence_report_to_authorities(absence=absence, by=staff_ontario)
    assert snapshot(contract) == before


def test_the_database_refuses_reported_without_a_welfare_check(contract, employer_a_user, staff_ontario):
    absence = absence_mark_missing(absence=reported(contract, employer_a_user), by=staff_ontario)
    with pytest.raises(IntegrityError, match="absence_reported_after_welfare_check"), connection.cursor() as cursor:
        cursor.execute("UPDATE contracts_absence SET stage = 'reported', closed_at = now() WHERE id = %s",
                       [absence.pk])


def test_found_closes_the_absence_and_leaves_the_contract(contract, employer_a_user, staff_tlaxcala):
    absence = reported(contract, employer_a_user)
    before = Contract.objects.filter(pk=contract.pk).values().get()
    absence = absence_found(absence=absence, by=staff_tlaxcala, note="In hospital in Windsor; employer not told")
    assert (absence.stage, absence.closed_at, absence.closing_note) == (
        Stage.FOUND, timezone.now(), "In hospital in Windsor; employer not told")
    assert Contract.objects.filter(pk=contract.pk).values().get() == before
    assert "hospital" not in RequestEvent.objects.filter(request=contract.request_id).last().reason


def test_the_welfare_check_needs_a_note_and_is_recorded_once(contract, employer_a_user, staff_ontario):
    absence = reported(contract, employer_a_user)
    before = snapshot(contract)
    with pytest.raises(DomainError) as blank:
        absence_record_welfare_check(absence=absence, note="  ", by=staff_ontario)
    assert blank.value.field == "note"
    assert snapshot(contract) == before
    absence_record_welfare_check(absence=absence, note="Spoke with the worker by phone", by=staff_ontario)
    before = snapshot(contract)
    with pytest.raises(Conflict, match="already recorded"):
        absence_record_welfare_check(absence=absence, note="Again", by=staff_ontario)
    assert snapshot(contract) == before


def test_a_step_on_a_stale_version_is_refused(contract, employer_a_user, staff_ontario):
    absence = reported(contract, employer_a_user)
    before = snapshot(contract)
    with pytest.raises(StaleVersion):
        absence_mark_missing(absence=absence, by=staff_ontario, version=absence.version + 1)
    assert snapshot(contract) == before


def test_an_absconded_contract_needs_an_active_one(contract, employer_a_user, staff_ontario):
    absence = reported(contract, employer_a_user, **STAGES["missing-checked"])
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.TERMINATED_EARLY, effective_end=WEDNESDAY)
    before = snapshot(contract)
    with pytest.raises(Conflict, match="no longer active"):
        absence_report_to_authorities(absence=absence, by=staff_ontario)
    assert snapshot(contract) == before


# --- the daily deadline job ---------------------------------------------------------------------

def reported_on(day, contract, by, **fields):
    with time_machine.travel(noon(day), tick=False):
        return reported(contract, by, last_seen_on=day, **fields)


@pytest.fixture
def two_more(program, employer_a, worksite_a, contract):
    return [active_contract(contract.request) for _ in range(2)]


def overdue_notices():
    return list(Notification.objects.filter(kind=absences.WELFARE_OVERDUE_KIND).order_by("id")
                .values_list("key", "recipient__username"))


def test_the_welfare_check_is_overdue_after_its_workdays(contract, two_more, employer_a_user, staff_ontario,
                                                         staff_quebec):
    on_friday = reported_on(FRIDAY, contract, employer_a_user)
    on_monday = reported_on(MONDAY, two_more[0], employer_a_user)
    checked = reported_on(FRIDAY, two_more[1], employer_a_user, **CHECKED)
    # Friday + 3 workdays = Wednesday, Monday + 3 = Thursday: due that day, overdue the day after.
    run = absence_deadlines(as_of=WEDNESDAY)
    assert (run.welfare_checks_overdue, overdue_notices()) == (0, [])
    thursday, friday = WEDNESDAY + datetime.timedelta(days=1), WEDNESDAY + datetime.timedelta(days=2)
    run = absence_deadlines(as_of=thursday)
    assert (run.welfare_checks_overdue, run.notifications) == (1, 1)
    assert overdue_notices() == [(f"absence:{on_friday.pk}:{absences.WELFARE_OVERDUE_KIND}:user:{staff_ontario.pk}",
                                  "staff.ontario")]
    assert Absence.objects.get(pk=on_friday.pk).welfare_check_overdue_on == thursday
    assert Absence.objects.get(pk=on_monday.pk).welfare_check_overdue_on is None
    # Twice on the same day: nothing new.
    assert absence_deadlines(as_of=thursday).notifications == 0
    absence_deadlines(as_of=friday)
    assert Absence.objects.get(pk=on_monday.pk).welfare_check_overdue_on == friday
    assert [username for _key, username in overdue_notices()] == ["staff.ontario", "staff.ontario"]
    assert absence_deadlines(as_of=friday + datetime.timedelta(days=7)).notifications == 0
    assert Absence.objects.get(pk=checked.pk).welfare_check_overdue_on is None


def test_in_calendar_days_a_friday_report_is_due_on_monday(contract, employer_a_user, program):
    program.absence_counts_workdays = False
    program.save()
    absence = reported_on(FRIDAY, contract, employer_a_user)
    assert absence_deadlines(as_of=MONDAY).welfare_checks_overdue == 0
    assert absence_deadlines(as_of=MONDAY + datetime.timedelta(days=1)).welfare_checks_overdue == 1
    assert Absence.objects.get(pk=absence.pk).welfare_check_overdue_on == MONDAY + datetime.timedelta(days=1)


def test_closed_absences_are_never_overdue(contract, two_more, employer_a_user, staff_ontario):
    absence_found(absence=reported_on(FRIDAY, contract, employer_a_user), by=staff_ontario)
    assert absence_deadlines(as_of=FRIDAY + datetime.timedelta(days=30)).welfare_checks_overdue == 0


def test_by_default_the_job_judges_by_today_in_the_programs_time_zone(contract, employer_a_user):
    absence = reported_on(FRIDAY, contract, employer_a_user)
    thursday = WEDNESDAY + datetime.timedelta(days=1)
    # 23:30 on Wednesday in Toronto is already Thursday in UTC: still Wednesday for the program.
    with time_machine.travel(datetime.datetime.combine(WEDNESDAY, datetime.time(23, 30), tzinfo=TORONTO)):
        assert absence_deadlines().welfare_checks_overdue == 0
    with time_machine.travel(noon(thursday)):
        assert absence_deadlines().welfare_checks_overdue == 1
    assert Absence.objects.get(pk=absence.pk).welfare_check_overdue_on == thursday


def test_a_late_report_is_told_to_the_consulate_once(contract, two_more, employer_a_user, staff_ontario):
    # Last seen on Friday 28 May: 5 workdays away and 2 to report, due by Tuesday 8 June.
    late = reported_on(WEDNESDAY, contract, employer_a_user)
    Absence.objects.filter(pk=late.pk).update(last_seen_on=FRIDAY - datetime.timedelta(days=14), reported_late=True)
    on_time = reported_on(WEDNESDAY, two_more[0], employer_a_user)
    run = absence_deadlines(as_of=WEDNESDAY)
    assert (run.late_reports, run.notifications) == (1, 1)
    told = Notification.objects.get(kind=absences.LATE_REPORT_KIND)
    assert (told.key, told.recipient) == (f"absence:{late.pk}:{absences.LATE_REPORT_KIND}:user:{staff_ontario.pk}",
                                          staff_ontario)
    assert "2027-05-28" in told.body and "2027-06-08" in told.body  # in the recipient's language
    assert Absence.objects.get(pk=late.pk).reported_late_notified_on == WEDNESDAY
    assert Absence.objects.get(pk=on_time.pk).reported_late_notified_on is None
    assert absence_deadlines(as_of=WEDNESDAY).late_reports == 0
    assert Notification.objects.filter(kind=absences.LATE_REPORT_KIND).count() == 1


def test_the_job_works_in_batches(contract, program, employer_a_user, staff_ontario, monkeypatch):
    contracts = [contract] + [active_contract(contract.request) for _ in range(5)]

    def queries(count):
        Absence.objects.all().delete()
        Notification.objects.all().delete()
        for each in contracts[:count]:
            reported_on(FRIDAY, each, employer_a_user, reported_late=True)
        with CaptureQueriesContext(connection) as captured:
            run = absence_deadlines(as_of=FRIDAY + datetime.timedelta(days=30))
        assert (run.welfare_checks_overdue, run.late_reports) == (count, count)
        return len(captured)

    monkeypatch.setattr(absences, "DEADLINE_BATCH_SIZE", 3)
    # Per sweep and batch: a savepoint pair, the batch, one UPDATE, the staff, one INSERT; then the
    # empty batch that ends the sweep. Two rows or three: one batch. Six: two.
    assert queries(2) == queries(3)
    assert queries(6) > queries(3)


# --- employers that stand out -------------------------------------------------------------------

def test_employers_with_many_absences_in_the_season(program, contract, employer_a_user, staff_ontario, employer_b,
                                                    worksite_b, employer_b_user, staff_quebec):
    for _ in range(3):  # one worker away three times
        absence_found(absence=reported(contract, employer_a_user), by=staff_ontario)
    contract_b = active_contract(season_request(program, employer_b, worksite_b))
    for _ in range(2):
        absence_found(absence=reported(contract_b, employer_b_user), by=staff_quebec)
    assert employers_with_many_absences(program=program, season=2027) == [(contract.request.employer, 3)]
    assert employers_with_many_absences(program=program, season=2026) == []
    program.absence_alert_count = 2
    program.save()
    assert employers_with_many_absences(program=program, season=2027) == [(contract.request.employer, 3),
                                                                        (employer_b, 2)]
    assert employers_with_many_absences(program=program, season=2027,
                                        employers=Employer.objects.visible_to(staff_quebec)) == [(employer_b, 2)]


# --- the schedule -------------------------------------------------------------------------------

def test_the_deadline_job_is_scheduled_daily(settings, contract, employer_a_user):
    from celery.schedules import crontab

    from contracts.tasks import absence_deadlines_task

    entry = settings.CELERY_BEAT_SCHEDULE["absence-deadlines"]
    assert (entry["task"], entry["schedule"]) == ("contracts.tasks.absence_deadlines_task", crontab(hour=11, minute=0))
    reported_on(FRIDAY, contract, employer_a_user)
    with time_machine.travel(noon(WEDNESDAY + datetime.timedelta(days=1)), tick=False):
        assert absence_deadlines_task() == {"welfare_checks_overdue": 1, "late_reports": 0, "notifications": 1}
        assert absence_deadlines_task()["notifications"] == 0
