"""Confirming a return (``contracts.returns.contract_confirm_return``): the record, the contract
and the worker follow in one step; a second confirmation changes nothing; a refusal writes
nothing; each expected return is expected, overdue or confirmed in its program's time zone."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import translation

from contracts.life import allowed_actions
from contracts.models import Contract, ContractStatus, ContractStatusChange, ExpectedReturn
from contracts.returns import contract_confirm_return, expected_return_open
from employers.models import RequestEvent, RequestStatus
from tests.factories import ProgramFactory, WorkerFactory, WorkerRequestFactory
from twp.exceptions import DomainError, InvalidTransition
from workers.models import Worker, WorkerStatus, WorkerStatusChange

pytestmark = pytest.mark.django_db
S = ContractStatus
DAY = datetime.timedelta(days=1)
SEEN = {"place": ExpectedReturn.Place.CONSULATE, "identity_document": ExpectedReturn.IdentityDocument.PASSPORT}


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def ended_request(program, employer, worksite, *, ended_days_ago=10, weeks=10):
    """A filled request whose contracts ended ``ended_days_ago`` days ago (program's today)."""
    end = program.today() - datetime.timedelta(days=ended_days_ago)
    return WorkerRequestFactory(program=program, employer=employer, worksite=worksite, status=RequestStatus.FILLED,
                                start_date=end - datetime.timedelta(weeks=weeks), end_date=end, workers_requested=20)


def finished(request, worker=None, *, status=S.ENDED, open_return=True, **fields):
    """A contract on ``request`` that is over (``status``), its worker still abroad, and its
    expected return opened as ``end`` and ``terminate`` do (due: the end plus 7 grace days)."""
    worker = worker or WorkerFactory(status=WorkerStatus.ABROAD)
    contract = Contract.objects.create(
        request=request, worker=worker, program=request.program, season=request.season,
        start_date=request.start_date, end_date=request.end_date, wage_amount=request.wage_amount,
        wage_currency=request.wage_currency, hours_per_week=request.hours_per_week,
        worker_status_before=WorkerStatus.ELIGIBLE, status=status, **fields)
    if open_return:
        expected_return_open(contract)
    return contract


@pytest.fixture
def ended(program, employer_a, worksite_a):
    """Employer A's contract (Ontario) with a Tlaxcala worker, ended 10 days ago, due home in 7 days
    from its end: 3 days ago."""
    return finished(ended_request(program, employer_a, worksite_a),
                    WorkerFactory(status=WorkerStatus.ABROAD, state_of_origin="TLA"))


def snapshot(contract):
    row = Contract.objects.get(pk=contract.pk)
    return (row.status, row.version, row.returned_on_time,
            list(ExpectedReturn.objects.filter(contract=contract).values()),
            ContractStatusChange.objects.filter(contract=contract).count(),
            RequestEvent.objects.filter(request=contract.request_id).count(),
            list(Worker.objects.filter(pk=contract.worker_id).values("status", "version")),
            WorkerStatusChange.objects.filter(worker=contract.worker_id).count())


def test_a_confirmation_records_the_return_and_the_contract_and_the_worker_follow(ended, staff_tlaxcala):
    due = ended.end_date + 7 * DAY
    confirmation = contract_confirm_return(contract=ended, by=staff_tlaxcala, seen_home_on=due - 2 * DAY, **SEEN)

    expected = ExpectedReturn.objects.get(contract=ended)
    assert confirmation == (expected, True)
    assert (expected.due_on, expected.seen_home_on, expected.place, expected.identity_document,
            expected.confirmed_by) == (due, due - 2 * DAY, "consulate", "passport", staff_tlaxcala)
    assert expected.confirmed_at is not None
    assert expected.days_late == -2
    contract = Contract.objects.get(pk=ended.pk)
    assert (contract.status, contract.returned_on_time, contract.version) == (S.RETURNED, True, ended.version + 1)
    change = ContractStatusChange.objects.get(contract=ended)
    assert (change.from_status, change.to_status, change.by) == (S.ENDED, S.RETURNED, staff_tlaxcala)
    line = RequestEvent.objects.get(request=ended.request_id, kind=RequestEvent.Kind.CONTRACT_CHANGED)
    assert (line.from_status, line.to_status, line.details["action"], line.details["contract"]) == (
        S.ENDED, S.RETURNED, "confirm-return", str(ended.public_id))
    worker = Worker.objects.get(pk=ended.worker_id)
    assert worker.status == WorkerStatus.RETURNED
    assert list(WorkerStatusChange.objects.filter(worker=worker).values_list("from_status", "to_status")) == [
        (WorkerStatus.ABROAD, WorkerStatus.RETURNED)]


def test_confirming_again_answers_the_record_and_changes_nothing(ended, staff_tlaxcala, staff_ontario):
    first = contract_confirm_return(contract=ended, by=staff_tlaxcala, seen_home_on=ended.end_date + DAY, **SEEN)
    before = snapshot(ended)
    again = contract_confirm_return(contract=ended, by=staff_ontario, seen_home_on=ended.end_date + 5 * DAY,
                                    place="port_of_entry", identity_document="voter_card", version=1)
    assert again == (first.expected_return, False)
    assert again.expected_return.confirmed_by == staff_tlaxcala
    assert snapshot(ended) == before


@pytest.mark.parametrize(("seen_after_due", "days_late", "on_time"), [(-3, -3, True), (0, 0, True), (4, 4, False)])
def test_days_late_count_from_the_due_date(ended, staff_tlaxcala, seen_after_due, days_late, on_time):
    due = ended.end_date + 7 * DAY
    with time_machine.travel(datetime.datetime.combine(due + 5 * DAY, datetime.time(12), tzinfo=ended.program.zone)):
        expected = contract_confirm_return(contract=ended, by=staff_tlaxcala,
                                           seen_home_on=due + seen_after_due * DAY, **SEEN).expected_return
    assert expected.days_late == days_late
    assert Contract.objects.get(pk=ended.pk).returned_on_time is on_time


def test_an_absconded_contract_is_confirmed_later(program, employer_a, worksite_a, staff_ontario):
    request = ended_request(program, employer_a, worksite_a, ended_days_ago=2, weeks=20)
    last_seen = request.start_date + 30 * DAY
    contract = finished(request, status=S.ABSCONDED, effective_end=last_seen, open_return=False)
    assert "confirm-return" in allowed_actions(contract, staff_ontario)

    confirmation = contract_confirm_return(contract=contract, by=staff_ontario, seen_home_on=program.today(), **SEEN)
    # Due from the last day seen at work, like a terminated contract: long overdue by now.
    assert confirmation.expected_return.due_on == last_seen + 7 * DAY
    assert confirmation.expected_return.days_late == (program.today() - last_seen).days - 7
    assert Contract.objects.get(pk=contract.pk).returned_on_time is False
    assert Contract.objects.get(pk=contract.pk).status == S.RETURNED


@pytest.mark.parametrize(("field", "change", "message"), [
    ("seen_home_on", {"seen_home_on": "tomorrow"}, "future"),
    ("seen_home_on", {"seen_home_on": "before the start"}, "before the contract started"),
    ("seen_home_on", {"seen_home_on": None}, "Enter the day"),
    ("place", {"place": "airport"}, "where"),
    ("identity_document", {"identity_document": ""}, "identity document"),
])
def test_a_refused_confirmation_writes_nothing(ended, staff_tlaxcala, field, change, message):
    days = {"tomorrow": ended.program.today() + DAY, "before the start": ended.start_date - DAY}
    arguments = {"seen_home_on": ended.end_date, **SEEN, **change}
    arguments["seen_home_on"] = days.get(arguments["seen_home_on"], arguments["seen_home_on"])
    before = snapshot(ended)
    with pytest.raises(DomainError, match=message) as refused:
        contract_confirm_return(contract=ended, by=staff_tlaxcala, **arguments)
    assert refused.value.field == field
    assert snapshot(ended) == before


def test_the_day_seen_home_may_be_today_in_the_programs_time_zone(program, employer_a, worksite_a, staff_ontario):
    """Late evening in Toronto is already tomorrow in UTC: the program's day counts."""
    contract = finished(ended_request(program, employer_a, worksite_a))
    evening = datetime.datetime.combine(program.today(), datetime.time(23, 30), tzinfo=program.zone)
    with time_machine.travel(evening):
        tomorrow_in_utc = evening.astimezone(datetime.UTC).date()
        assert tomorrow_in_utc == program.today() + DAY
        with pytest.raises(DomainError, match="future"):
            contract_confirm_return(contract=contract, by=staff_ontario, seen_home_on=tomorrow_in_utc, **SEEN)
        contract_confirm_return(contract=contract, by=staff_ontario, seen_home_on=program.today(), **SEEN)


@pytest.mark.parametrize("status", [S.PROPOSED, S.SIGNED, S.DEPARTED, S.ACTIVE, S.TRANSFERRED, S.CANCELLED])
def test_only_an_ended_terminated_or_absconded_contract_is_confirmed(ended, staff_tlaxcala, status):
    Contract.objects.filter(pk=ended.pk).update(status=status)
    before = snapshot(ended)
    with pytest.raises(InvalidTransition) as refused:
        contract_confirm_return(contract=ended, by=staff_tlaxcala, seen_home_on=ended.end_date, **SEEN)
    assert "confirm-return" not in refused.value.allowed
    assert snapshot(ended) == before


def test_a_return_recorded_before_confirmations_existed_is_a_conflict(ended, staff_tlaxcala):
    Contract.objects.filter(pk=ended.pk).update(status=S.RETURNED)
    with pytest.raises(InvalidTransition):
        contract_confirm_return(contract=ended, by=staff_tlaxcala, seen_home_on=ended.end_date, **SEEN)


@pytest.mark.parametrize("persona", ["employer_a", "employer_b"])
def test_employers_never_confirm(ended, personas, persona):
    before = snapshot(ended)
    with pytest.raises(PermissionDenied):
        contract_confirm_return(contract=ended, by=personas[persona], seen_home_on=ended.end_date, **SEEN)
    assert snapshot(ended) == before


def test_a_worker_with_another_contract_under_way_keeps_its_status(ended, staff_tlaxcala, program, employer_b,
                                                                      worksite_b):
    later = WorkerRequestFactory(program=program, employer=employer_b, worksite=worksite_b,
                                 status=RequestStatus.PARTIALLY_FILLED)
    finished(later, ended.worker, status=S.SIGNED, open_return=False)
    Worker.objects.filter(pk=ended.worker_id).update(status=WorkerStatus.SELECTED)
    contract_confirm_return(contract=ended, by=staff_tlaxcala, seen_home_on=ended.end_date, **SEEN)
    assert Contract.objects.get(pk=ended.pk).status == S.RETURNED
    assert Worker.objects.get(pk=ended.worker_id).status == WorkerStatus.SELECTED


def test_who_sees_an_expected_return(ended, personas):
    """The contract's scope: its worksite's consulate, its worker's state office, its employer."""
    seen = {name for name, user in personas.items() if ExpectedReturn.objects.visible_to(user).exists()}
    assert seen == {"administrator", "staff_ontario", "staff_tlaxcala", "employer_a"}


def test_expected_overdue_and_confirmed(program, employer_a, worksite_a, staff_ontario):
    request = ended_request(program, employer_a, worksite_a, ended_days_ago=7)  # due today
    due_today = finished(request)
    overdue = finished(ended_request(program, employer_a, worksite_a, ended_days_ago=8))
    confirmed = finished(ended_request(program, employer_a, worksite_a, ended_days_ago=30))
    contract_confirm_return(contract=confirmed, by=staff_ontario, seen_home_on=program.today(), **SEEN)

    def contracts(queryset):
        return {row.contract_id for row in queryset}

    returns = ExpectedReturn.objects.visible_to(staff_ontario)
    assert contracts(returns.expected()) == {due_today.pk}
    assert contracts(returns.overdue()) == {overdue.pk}
    assert contracts(returns.confirmed()) == {confirmed.pk}
    assert contracts(returns.due_within(1)) == {due_today.pk}
    with time_machine.travel(datetime.datetime.combine(program.today() + DAY, datetime.time(12),
                                                       tzinfo=program.zone)):
        assert contracts(returns.overdue()) == {overdue.pk, due_today.pk}


def test_overdue_turns_at_midnight_where_the_program_runs(employer_a, worksite_a):
    """The same due date, the same instant: overdue already on Kiritimati (UTC+14), not yet in
    Pago Pago (UTC−11)."""
    instant = datetime.datetime(2030, 6, 11, 6, 0, tzinfo=datetime.UTC)  # 20:00 on the 11th / 19:00 on the 10th
    east = ProgramFactory(name="East", code="east", time_zone="Pacific/Kiritimati")
    west = ProgramFactory(name="West", code="west", time_zone="Pacific/Pago_Pago")
    due = datetime.date(2030, 6, 10)
    early, late = (finished(WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                                 status=RequestStatus.FILLED, start_date=datetime.date(2030, 3, 4),
                                                 end_date=due - 7 * DAY))
                   for program in (east, west))
    with time_machine.travel(instant):
        assert {row.contract_id for row in ExpectedReturn.objects.overdue()} == {early.pk}
        assert {row.contract_id for row in ExpectedReturn.objects.expected()} == {late.pk}
