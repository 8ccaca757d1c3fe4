"""Unclaimed savings (savings.unclaimed): the report of money left available after the program's
days since the return, and the reminders to the worker and their state office, once per step."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from contracts.models import Contract, ContractStatus
from contracts.returns import contract_confirm_return
from savings import payouts
from savings.models import Account, Payout
from savings.money import Money
from savings.tasks import remind_unclaimed_savings_task
from savings.unclaimed import KIND, remind_unclaimed_savings, unclaimed_accounts
from tests.savings.payout_fixtures import saved
from twp.models import Notification

pytestmark = pytest.mark.django_db
SEEN = {"place": "consulate", "identity_document": "passport"}


def home(program, employer, worksite, staff, *, available="250.00", **worker_fields):
    """A worker home since yesterday (return confirmed), their money released and available;
    reachable by SMS unless ``worker_fields`` say otherwise."""
    account = saved(program, employer, worksite, available=available, status=ContractStatus.ENDED, held=True)
    for name, value in {"phone": "+52 246 123 4567", **worker_fields}.items():
        setattr(account.worker, name, value)
    account.worker.save()
    contract = Contract.objects.get(worker=account.worker)
    seen = program.today() - datetime.timedelta(days=1)
    contract_confirm_return(contract=contract, by=staff, seen_home_on=seen, **SEEN)
    account.refresh_from_db()
    assert account.available == Decimal(available)
    return account, seen


@pytest.fixture
def returned(program, employer_a, worksite_a, staff_tlaxcala):
    return home(program, employer_a, worksite_a, staff_tlaxcala)


def reported(as_of):
    return list(unclaimed_accounts(as_of).values_list("pk", flat=True))


def test_reported_only_after_the_programs_days(returned, program):
    account, seen = returned
    assert program.unclaimed_after_days == 90
    assert reported(seen + datetime.timedelta(days=89)) == []
    assert reported(seen + datetime.timedelta(days=90)) == [account.pk]
    row = unclaimed_accounts(seen + datetime.timedelta(days=91)).get()
    assert (row.returned_on, row.return_program_id) == (seen, program.pk)


def test_a_reserved_or_paid_payout_claims_it_and_a_voided_one_does_not(returned, staff_tlaxcala):
    account, seen = returned
    later = seen + datetime.timedelta(days=100)
    payout = payouts.request_payout(worker=account.worker, amount=Money(Decimal("10.00"), "CAD"),
                                    method=Payout.Method.CASH, by=staff_tlaxcala)
    assert reported(later) == []
    payouts.void_payout(payout, by=staff_tlaxcala, reason="came back later")
    assert reported(later) == [account.pk]


def test_nothing_available_nothing_reported(returned, staff_tlaxcala):
    account, seen = returned
    Account.objects.filter(pk=account.pk).update(available=0)  # stored balance only: the report reads it
    assert reported(seen + datetime.timedelta(days=120)) == []


def test_the_report_follows_who_sees_the_worker(returned, staff_tlaxcala, staff_edomex, employer_a_user,
                                                administrator):
    account, seen = returned
    later = seen + datetime.timedelta(days=120)
    for user, expected in ((staff_tlaxcala, [account.pk]), (administrator, [account.pk]), (staff_edomex, []),
                           (employer_a_user, [])):
        assert list(unclaimed_accounts(later, Account.objects.visible_to(user)).values_list("pk", flat=True)) \
            == expected, user


def notes(kind=KIND):
    return sorted(Notification.objects.filter(kind=kind).values_list("key", flat=True))


def test_each_step_reminds_the_worker_and_the_office_once(returned, staff_tlaxcala, program):
    _account, seen = returned
    assert remind_unclaimed_savings(seen + datetime.timedelta(days=89)).notifications == 0
    first = remind_unclaimed_savings(seen + datetime.timedelta(days=90))
    assert first.notifications == 2
    keys = notes()
    assert any(key.endswith(":unclaimed:90") for key in keys)
    assert any(key.endswith(f":unclaimed:90:user:{staff_tlaxcala.pk}") for key in keys)
    for day in (90, 91, 179):
        assert remind_unclaimed_savings(seen + datetime.timedelta(days=day)).notifications == 0
    assert remind_unclaimed_savings(seen + datetime.timedelta(days=180)).notifications == 2
    assert len(notes()) == 4


def test_a_worker_past_several_steps_hears_of_the_latest_only(returned):
    _account, seen = returned
    remind_unclaimed_savings(seen + datetime.timedelta(days=400))
    assert {key.split(":unclaimed:")[1].split(":")[0] for key in notes()} == {"365"}


def test_no_reminder_once_the_worker_claimed(returned, staff_tlaxcala):
    account, seen = returned
    payouts.request_payout(worker=account.worker, amount=Money(Decimal("250.00"), "CAD"),
                           method=Payout.Method.CASH, by=staff_tlaxcala)
    assert remind_unclaimed_savings(seen + datetime.timedelta(days=200)).notifications == 0


def test_the_worker_hears_in_their_language(program, employer_a, worksite_a, staff_tlaxcala):
    _account, seen = home(program, employer_a, worksite_a, staff_tlaxcala, preferred_language="en",
                         email="juan@example.org", phone="")
    remind_unclaimed_savings(seen + datetime.timedelta(days=90))
    to_worker = Notification.objects.get(kind=KIND, recipient__isnull=True)
    assert to_worker.language == "en" and to_worker.subject.startswith("Your savings are waiting for you")
    assert "250.00 CAD" in to_worker.body
    to_office = Notification.objects.get(kind=KIND, recipient__isnull=False)
    with translation.override(to_office.language):
        assert to_office.subject.startswith(str(translation.gettext("Unclaimed savings: %(name)s, %(amount)s"))
                                            .split(":")[0])


def test_the_task_takes_as_of_and_a_rerun_sends_nothing(returned):
    _account, seen = returned
    as_of = (seen + datetime.timedelta(days=90)).isoformat()
    assert remind_unclaimed_savings_task.apply(args=[as_of]).get()["notifications"] == 2
    assert remind_unclaimed_savings_task.apply(args=[as_of]).get()["notifications"] == 0


def test_queries_grow_with_batches_never_with_rows(program, employer_a, worksite_a, staff_tlaxcala, settings,
                                                   django_assert_max_num_queries):
    settings.JOB_BATCH_SIZE = 100
    accounts = [home(program, employer_a, worksite_a, staff_tlaxcala) for _ in range(3)]
    seen = accounts[0][1]
    with django_assert_max_num_queries(12) as few:
        remind_unclaimed_savings(seen + datetime.timedelta(days=90))
    Notification.objects.all().delete()
    accounts += [home(program, employer_a, worksite_a, staff_tlaxcala) for _ in range(9)]
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert remind_unclaimed_savings(seen + datetime.timedelta(days=90)).notifications == 24


def test_both_jobs_are_scheduled(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"savings.tasks.expire_payouts_task", "savings.tasks.remind_unclaimed_savings_task"} <= tasks
