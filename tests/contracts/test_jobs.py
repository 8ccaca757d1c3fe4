"""The nightly jobs, judged by a given day (``as_of``) or by frozen time: contract expiry, return
reminders at every offset, overdue notices, escalation, document alerts; each once.

Celery, kills and a lost broker: tests/contracts/test_jobs_celery.py."""

import datetime
import decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext

from contracts import jobs
from contracts.jobs import document_expiry_alerts, expire_contracts, reminder_key, send_return_reminders
from contracts.models import Contract, ContractStatus, ContractStatusChange, ExpectedReturn
from employers.models import RequestEvent, RequestStatus
from tests.factories import DocumentFactory, WorkerFactory, WorkerRequestFactory
from twp.models import Notification
from workers.models import DocumentKind, WorkerStatus

S = ContractStatus
DAY = datetime.date(2027, 6, 15)
PHONE = "+52 246 123 4567"


def days(count: int) -> datetime.timedelta:
    return datetime.timedelta(days=count)


@pytest.fixture
def worker_request(program, employer_a):
    """Employer A's request (worksite in Ontario) that every contract here is on."""
    return WorkerRequestFactory(program=program, employer=employer_a, status=RequestStatus.FILLED,
                                workers_requested=100)


@pytest.fixture
def make_contract(worker_request):
    def make(*, end: datetime.date, status: str = S.ACTIVE, start: datetime.date | None = None, phone: str = PHONE,
             email: str = "", language: str = "es", state: str = "TLA") -> Contract:
        worker = WorkerFactory(phone=phone, email=email, preferred_language=language, state_of_origin=state,
                               status=WorkerStatus.ABROAD)
        start = start or end - days(84)
        return Contract.objects.create(
            request=worker_request, worker=worker, program=worker_request.program, season=start.year, start_date=start,
            end_date=end, wage_amount=decimal.Decimal("17.60"), wage_currency="CAD", hours_per_week=40, status=status,
            worker_status_before=WorkerStatus.ELIGIBLE)

    return make


@pytest.fixture
def ended(make_contract):
    """A contract that ended with its return expected (due on ``due``); the worker has a phone."""
    def make(*, due: datetime.date, **kwargs) -> ExpectedReturn:
        contract = make_contract(end=due - days(7), status=S.ENDED, **kwargs)
        return ExpectedReturn.objects.create(contract=contract, due_on=due)

    return make


def keys() -> list[str]:
    return sorted(Notification.objects.values_list("key", flat=True))


# --- contract expiry ----------------------------------------------------------------------------
def test_expiry_ends_active_contracts_whose_end_date_came_as_a_manual_end_would(make_contract, program):
    today, missed = make_contract(end=DAY), make_contract(end=DAY - days(2))
    tomorrow = make_contract(end=DAY + days(1))
    departed = make_contract(end=DAY, status=S.DEPARTED)

    run = expire_contracts(DAY)

    assert (run.ended, run.not_started) == (2, 0)
    for contract in (today, missed):
        contract.refresh_from_db()
        assert (contract.status, contract.version) == (S.ENDED, 2)
        assert list(ContractStatusChange.objects.filter(contract=contract).values_list(
            "from_status", "to_status", "reason", "by")) == [(S.ACTIVE, S.ENDED, "end", None)]
        event = RequestEvent.objects.get(details__contract=str(contract.public_id))
        assert (event.kind, event.from_status, event.to_status, event.by) == ("contract_changed", S.ACTIVE, S.ENDED,
                                                                              None)
        assert event.details == {"worker": str(contract.worker.public_id), "name": contract.worker.full_name,
                                 "contract": str(contract.public_id), "action": "end"}
        assert contract.expected_return.due_on == contract.end_date + days(program.return_grace_days)
        assert contract.expected_return.confirmed_at is None
    assert Contract.objects.get(pk=tomorrow.pk).status == S.ACTIVE
    assert Contract.objects.get(pk=departed.pk).status == S.DEPARTED
    assert ExpectedReturn.objects.count() == 2


def test_expiry_lists_proposed_and_signed_contracts_whose_start_passed_and_never_ends_them(make_contract):
    proposed = make_contract(end=DAY + days(60), start=DAY - days(1), status=S.PROPOSED)
    signed = make_contract(end=DAY + days(90), start=DAY - days(3), status=S.SIGNED)
    make_contract(end=DAY + days(90), start=DAY, status=S.SIGNED)  # starts today: not passed

    run = expire_contracts(DAY)

    assert (run.ended, run.not_started) == (0, 2)
    assert run.not_started_contracts == [str(signed.public_id), str(proposed.public_id)]
    assert set(Contract.objects.values_list("status", flat=True)) == {S.PROPOSED, S.SIGNED}
    assert ContractStatusChange.objects.count() == 0


def test_expiry_run_twice_changes_nothing_more(make_contract):
    for _ in range(3):
        make_contract(end=DAY)
    assert expire_contracts(DAY).ended == 3
    before = (ContractStatusChange.objects.count(), RequestEvent.objects.count(), ExpectedReturn.objects.count(),
              list(Contract.objects.values_list("version", flat=True)))

    assert expire_contracts(DAY).ended == 0

    after = (ContractStatusChange.objects.count(), RequestEvent.objects.count(), ExpectedReturn.objects.count(),
             list(Contract.objects.values_list("version", flat=True)))
    assert after == before == (3, 3, 3, [2, 2, 2])


def test_expiry_queries_grow_with_batches_never_with_rows(make_contract, settings):
    settings.JOB_BATCH_SIZE = 4
    make_contract(end=DAY - days(1))
    for _ in range(4):
        make_contract(end=DAY)
    for _ in range(4):
        make_contract(end=DAY + days(1))

    def queries(as_of):
        with CaptureQueriesContext(connection) as captured:
            run = expire_contracts(as_of)
        return run.ended, run.batches, len(captured)

    one_row, four_rows, two_batches = queries(DAY - days(1)), queries(DAY), queries(DAY + days(1))
    # Per program: the programs; per batch: read and lock, UPDATE, three bulk INSERTs, savepoint
    # and release; the empty read that ends the sweep; the count and the list of the late starts.
    assert one_row[:2] == (1, 1) and four_rows[:2] == (4, 1) and two_batches[:2] == (4, 1)
    assert one_row[2] == four_rows[2]
    settings.JOB_BATCH_SIZE = 2
    Contract.objects.filter(status=S.ENDED, end_date=DAY + days(1)).update(status=S.ACTIVE)
    ExpectedReturn.objects.filter(contract__end_date=DAY + days(1)).delete()
    assert queries(DAY + days(1))[:2] == (4, 2)


# --- return reminders to the worker -------------------------------------------------------------
def test_the_worker_hears_at_each_offset_before_the_end_once(make_contract, program):
    assert program.reminder_days_before_end == [14, 3]
    contract = make_contract(end=DAY + days(14))
    fourteen = reminder_key(contract.pk, "before-end-14", contract.end_date)
    three = reminder_key(contract.pk, "before-end-3", contract.end_date)

    assert send_return_reminders(DAY - days(1)).notifications == 0
    assert send_return_reminders(DAY).before_end == 1
    assert keys() == [fourteen]
    for later in (DAY, DAY + days(1), DAY + days(10)):
        assert send_return_reminders(later).notifications == 0
    assert send_return_reminders(DAY + days(11)).before_end == 1
    assert send_return_reminders(DAY + days(11)).notifications == 0
    assert send_return_reminders(DAY + days(13)).notifications == 0
    assert keys() == sorted([fourteen, three])
    reminder = Notification.objects.get(key=fourteen)
    assert (reminder.kind, reminder.channel, reminder.address, reminder.language, reminder.recipient) == (
        "return-reminder-before-end", "sms", PHONE, "es", None)


def test_every_configured_offset_is_sent(make_contract, program):
    program.reminder_days_before_end = [30, 7, 1]
    program.save()
    contract = make_contract(end=DAY + days(30))
    for offset in (30, 7, 1):
        assert send_return_reminders(contract.end_date - days(offset)).before_end == 1
    assert keys() == sorted(reminder_key(contract.pk, f"before-end-{offset}", contract.end_date)
                            for offset in (30, 7, 1))


def test_a_missed_day_is_caught_up_and_a_superseded_reminder_dropped(make_contract):
    late = make_contract(end=DAY + days(12))  # its 14-day reminder was due two days ago
    superseded = make_contract(end=DAY + days(2))  # the 14-day one never went; the 3-day one is due
    too_old = make_contract(end=DAY + days(6))  # its 14-day reminder was due 8 days ago

    run = send_return_reminders(DAY)

    assert run.before_end == 2
    assert keys() == sorted([reminder_key(late.pk, "before-end-14", late.end_date),
                             reminder_key(superseded.pk, "before-end-3", superseded.end_date)])
    assert send_return_reminders(DAY + days(3)).before_end == 1  # too_old's 3-day reminder, on its day
    assert Notification.objects.filter(key__startswith=f"contract:{too_old.pk}:").count() == 1


def test_no_reminder_before_the_end_of_a_contract_that_no_longer_runs(make_contract):
    for status in (S.TERMINATED_EARLY, S.CANCELLED, S.TRANSFERRED, S.ENDED):
        make_contract(end=DAY + days(3), status=status)
    assert send_return_reminders(DAY).notifications == 0


@pytest.mark.parametrize(("phone", "email", "channel", "address"), [
    (PHONE, "maria@example.org", "sms", PHONE),
    ("", "maria@example.org", "email", "maria@example.org"),
])
def test_the_worker_hears_by_sms_when_they_have_a_phone_else_by_email(make_contract, phone, email, channel, address):
    make_contract(end=DAY + days(3), phone=phone, email=email)
    send_return_reminders(DAY)
    assert list(Notification.objects.values_list("channel", "address")) == [(channel, address)]


def test_a_worker_with_neither_phone_nor_email_is_skipped_and_counted(make_contract):
    make_contract(end=DAY + days(3), phone="", email="")
    run = send_return_reminders(DAY)
    assert (run.notifications, run.unreachable) == (0, 1)


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_worker_hears_in_their_language(make_contract, employer_a, program, language):
    contract = make_contract(end=DAY + days(3), language=language)
    send_return_reminders(DAY)
    reminder = Notification.objects.get()
    values = {"name": contract.worker.full_name, "employer": employer_a.legal_name, "end": "2027-06-18",
              "due": "2027-06-25"}
    with translation.override(language):
        assert reminder.subject == gettext("Your contract ends on %(end)s") % values
        assert reminder.body == gettext(
            "%(name)s: your contract with %(employer)s ends on %(end)s. Please plan your trip home: you are expected "
            "back by %(due)s. Your savings are released when your return is confirmed.") % values
    assert reminder.language == language


# --- on the due date, overdue, escalation --------------------------------------------------------
def test_due_date_then_office_staff_a_day_later_then_administrators_at_fourteen(
        ended, staff_ontario, staff_quebec, administrator, program):
    expected = ended(due=DAY)
    contract_id = expected.contract_id
    assert (program.overdue_staff_days, program.overdue_escalation_days) == (1, 14)

    assert send_return_reminders(DAY - days(1)).notifications == 0
    run = send_return_reminders(DAY)
    assert (run.due, run.overdue, run.escalated) == (1, 0, 0)
    assert keys() == [reminder_key(contract_id, "due", DAY)]

    run = send_return_reminders(DAY + days(1))
    assert (run.due, run.overdue, run.escalated, run.notifications) == (0, 1, 0, 1)
    overdue = Notification.objects.get(kind="return-overdue")
    # The consulate over the worksite (Ontario) only, by e-mail to the person.
    assert (overdue.key, overdue.recipient, overdue.address) == (
        reminder_key(contract_id, "overdue", DAY, staff_ontario.pk), staff_ontario, staff_ontario.email)
    assert ExpectedReturn.objects.get(pk=expected.pk).overdue_notified_on == DAY + days(1)

    for later in (DAY + days(2), DAY + days(13)):
        assert send_return_reminders(later).notifications == 0
    run = send_return_reminders(DAY + days(14))
    assert (run.overdue, run.escalated, run.notifications) == (0, 1, 1)
    escalation = Notification.objects.get(kind="return-overdue-escalation")
    assert (escalation.key, escalation.recipient) == (reminder_key(contract_id, "overdue-escalation", DAY,
                                                                   administrator.pk), administrator)
    assert send_return_reminders(DAY + days(14)).notifications == 0
    assert send_return_reminders(DAY + days(20)).notifications == 0
    assert Notification.objects.count() == 3


def test_a_confirmed_return_is_never_reminded(ended, staff_ontario, administrator):
    expected = ended(due=DAY)
    ExpectedReturn.objects.filter(pk=expected.pk).update(
        seen_home_on=DAY - days(1), place="consulate", identity_document="passport", confirmed_by=staff_ontario,
        confirmed_at=timezone.now())
    for day in (DAY, DAY + days(1), DAY + days(14)):
        assert send_return_reminders(day).notifications == 0


def test_overdue_notices_are_caught_up_within_a_week(ended, staff_ontario, administrator):
    caught_up = ended(due=DAY)
    too_old = ended(due=DAY - days(8))
    run = send_return_reminders(DAY + days(7))
    assert (run.overdue, run.due, run.escalated) == (1, 1, 1)
    assert Notification.objects.get(kind="return-overdue").key == reminder_key(
        caught_up.contract_id, "overdue", DAY, staff_ontario.pk)
    # Its office notice was due 7 days before the run (too late now), its escalation the day before.
    assert list(Notification.objects.filter(key__startswith=f"contract:{too_old.contract_id}:")
                .values_list("kind", flat=True)) == ["return-overdue-escalation"]


# --- the program's time zone, across daylight-saving changes ------------------------------------
UTC = datetime.UTC


@pytest.mark.parametrize(("end", "before", "after"), [
    # Toronto moves to EDT (UTC−4) on 14 March 2027: at 04:30 UTC on the 15th it is already 00:30.
    (datetime.date(2027, 3, 15), datetime.datetime(2027, 3, 15, 3, 30, tzinfo=UTC),
     datetime.datetime(2027, 3, 15, 4, 30, tzinfo=UTC)),
    # Back to EST (UTC−5) on 7 November 2027: at 04:30 UTC on the 8th it is still the 7th.
    (datetime.date(2027, 11, 8), datetime.datetime(2027, 11, 8, 4, 30, tzinfo=UTC),
     datetime.datetime(2027, 11, 8, 5, 30, tzinfo=UTC)),
])
def test_expiry_judges_by_today_in_the_programs_time_zone_across_dst(make_contract, end, before, after):
    contract = make_contract(end=end)
    with time_machine.travel(before, tick=False):
        assert expire_contracts().ended == 0
    with time_machine.travel(after, tick=False):
        assert expire_contracts().ended == 1
    assert Contract.objects.get(pk=contract.pk).status == S.ENDED


def test_reminders_follow_the_programs_days_across_dst(make_contract, ended, staff_ontario):
    # 14 days before 28 March is 14 March, the day Toronto springs forward.
    contract = make_contract(end=datetime.date(2027, 3, 28))
    with time_machine.travel(datetime.datetime(2027, 3, 14, 4, 30, tzinfo=UTC), tick=False):  # 13 March 23:30 EST
        assert send_return_reminders().notifications == 0
    with time_machine.travel(datetime.datetime(2027, 3, 14, 5, 30, tzinfo=UTC), tick=False):  # 14 March 01:30 EST
        assert send_return_reminders().before_end == 1
    with time_machine.travel(datetime.datetime(2027, 3, 25, 4, 30, tzinfo=UTC), tick=False):  # 25 March 00:30 EDT
        assert send_return_reminders().before_end == 1
    assert keys() == sorted(reminder_key(contract.pk, f"before-end-{offset}", contract.end_date)
                            for offset in (14, 3))
    # Due on 6 November; the office hears a day later, the morning Toronto falls back.
    expected = ended(due=datetime.date(2027, 11, 6))
    with time_machine.travel(datetime.datetime(2027, 11, 7, 3, 30, tzinfo=UTC), tick=False):  # 6 Nov 23:30 EDT
        assert send_return_reminders().overdue == 0
    with time_machine.travel(datetime.datetime(2027, 11, 7, 4, 30, tzinfo=UTC), tick=False):  # 7 Nov 00:30 EDT
        assert send_return_reminders().overdue == 1
    assert ExpectedReturn.objects.get(pk=expected.pk).overdue_notified_on == datetime.date(2027, 11, 7)


# --- queueing and the cost of a run -------------------------------------------------------------
def test_one_dispatch_task_per_chunk_of_new_notifications_after_commit(make_contract, monkeypatch,
                                                                        django_capture_on_commit_callbacks):
    from twp.tasks import dispatch_notifications_task

    monkeypatch.setattr(jobs, "DISPATCH_CHUNK", 2)
    for _ in range(5):
        make_contract(end=DAY + days(3))
    queued = []
    monkeypatch.setattr(dispatch_notifications_task, "delay", lambda: queued.append(1))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = send_return_reminders(DAY)
    assert (run.notifications, run.tasks_queued, len(callbacks), len(queued)) == (5, 3, 3, 3)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert send_return_reminders(DAY).tasks_queued == 0
    assert callbacks == []


def test_reminder_queries_grow_with_batches_never_with_rows(make_contract, ended, staff_ontario, administrator,
                                                            settings):
    settings.JOB_BATCH_SIZE = 10
    make_contract(end=DAY + days(3))
    ended(due=DAY - days(1))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            run = send_return_reminders(DAY)
        return run.notifications, run.batches, len(captured)

    few = queries()
    Notification.objects.all().delete()
    ExpectedReturn.objects.update(overdue_notified_on=None)
    for _ in range(6):
        make_contract(end=DAY + days(3))
        ended(due=DAY - days(1))
    many = queries()
    # Three batches either way (before the end, on the due date caught up, the office's notice),
    # each: one read, one bulk INSERT (and the office's: its staff, the stamp), in a savepoint.
    assert few[:2] == (3, 3) and many[:2] == (21, 3)
    assert few[2] == many[2]


# --- documents lapsing during a contract ---------------------------------------------------------
@pytest.fixture
def passport(administrator):
    def make(worker, expires_on, *, kind=DocumentKind.PASSPORT, verified=True):
        return DocumentFactory(worker=worker, kind=kind, issued_on=expires_on - days(3650), expires_on=expires_on,
                               verified_by=administrator if verified else None,
                               verified_at=timezone.now() if verified else None)

    return make


def test_a_document_lapsing_before_the_contract_ends_is_told_to_the_state_office_once(
        make_contract, passport, staff_tlaxcala, staff_edomex, program):
    contract = make_contract(end=DAY + days(40))
    lapsing = passport(contract.worker, DAY + days(20))
    medical = passport(contract.worker, DAY + days(25), kind=DocumentKind.MEDICAL)

    run = document_expiry_alerts(DAY)

    assert (run.alerts, run.notifications) == (2, 2)
    alert = Notification.objects.get(key__startswith=f"document:{lapsing.pk}:")
    assert (alert.recipient, alert.kind, alert.channel) == (staff_tlaxcala, "document-expiring", "email")
    assert alert.key == jobs.document_alert_key(lapsing.pk, contract.pk, lapsing.expires_on, staff_tlaxcala.pk)
    assert Notification.objects.filter(key__startswith=f"document:{medical.pk}:").count() == 1
    assert document_expiry_alerts(DAY).notifications == 0
    assert document_expiry_alerts(DAY + days(5)).notifications == 0


def test_no_document_alert_when_it_outlives_the_contract_is_replaced_far_off_or_unverified(
        make_contract, passport, staff_tlaxcala, program):
    outlives = make_contract(end=DAY + days(20))
    passport(outlives.worker, DAY + days(25))
    replaced = make_contract(end=DAY + days(40))
    passport(replaced.worker, DAY + days(10))
    passport(replaced.worker, DAY + days(2000))
    far = make_contract(end=DAY + days(90))
    passport(far.worker, DAY + days(program.document_alert_days + 1))
    unverified = make_contract(end=DAY + days(40))
    passport(unverified.worker, DAY + days(10), verified=False)
    ended = make_contract(end=DAY - days(1), status=S.ENDED)
    passport(ended.worker, DAY + days(10))

    assert document_expiry_alerts(DAY).notifications == 0
    # The far one comes into the window a day later.
    assert document_expiry_alerts(DAY + days(1)).notifications == 1
