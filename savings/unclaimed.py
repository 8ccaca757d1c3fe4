"""Unclaimed savings: available money of workers home for longer than the program's
``unclaimed_after_days`` who have not asked for it (no payout reserved or paid since that return),
and the reminders that tell them and their state office (the Bracero lesson: money nobody claims
is money the worker never sees).

A worker's return is their latest confirmed one; its contract's program gives the rules. The
reminders go out at each of the program's ``unclaimed_reminder_days`` (days after the return),
each once: the notification's unique key names the account, the return and the step, and the job
inserts with ``ON CONFLICT (key) DO NOTHING``. A run that finds a worker past several steps at
once (the job did not run, or the feature is new) sends only the latest step reached: one message
says it all, as the return reminders do (contracts.jobs)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from contracts.jobs import (
    Message,
    Outbox,
    _full_name,
    _state_office_staff,
    _sweep,
    _to_user,
    _to_worker,
    _worker_fields,
)
from contracts.models import ExpectedReturn
from savings.models import Account, Payout
from savings.money import Money
from twp.models import Notification, Program

KIND = "unclaimed-savings"
CLAIMED = (Payout.Status.RESERVED, Payout.Status.PAID)

TO_WORKER = Message(
    _("Your savings are waiting for you: %(amount)s"),
    _("%(name)s: %(amount)s of your savings from the program have been waiting for you since you came home on "
      "%(returned)s. Visit your state employment office with your identification to collect them in cash or "
      "by bank transfer to your CLABE."))
TO_OFFICE = Message(
    _("Unclaimed savings: %(name)s, %(amount)s"),
    _("%(name)s (CURP %(curp)s) came home on %(returned)s, %(days)s days ago, and has not claimed %(amount)s of "
      "savings. Please contact the worker."))


def _latest_return(field: str) -> Subquery:
    return Subquery(ExpectedReturn.objects.filter(contract__worker=OuterRef("worker"), confirmed_at__isnull=False)
                    .order_by("-seen_home_on", "-id").values(field)[:1])


def unclaimed_accounts(as_of: datetime.date | None, accounts: QuerySet | None = None, *, programs=None,
                       min_days: int | None = None) -> QuerySet:
    """The worker accounts with money available whose worker came home more than their program's
    ``unclaimed_after_days`` (or ``min_days``, when more) before ``as_of`` (None: today in each
    program's time zone, as its days are counted) and has no payout reserved or paid since. Annotated
    with ``returned_on``, ``return_id`` and ``return_program_id``; one query however many rows."""
    programs = list(programs if programs is not None else Program.objects.order_by("pk"))
    if not programs:
        return Account.objects.none()
    accounts = (accounts if accounts is not None else Account.objects.all()).filter(
        kind=Account.Kind.WORKER, available__gt=0)
    due = reduce(or_, (Q(return_program_id=program.pk,
                         returned_on__lte=(as_of or program.today()) - datetime.timedelta(
                             days=max(program.unclaimed_after_days, min_days or 0)))
                       for program in programs))
    claimed = Payout.objects.filter(account=OuterRef("pk"), status__in=CLAIMED,
                                    created_at__date__gte=OuterRef("returned_on"))
    return (accounts.annotate(returned_on=_latest_return("seen_home_on"), return_id=_latest_return("id"),
                              return_program_id=_latest_return("contract__program_id"))
            .filter(due).exclude(Exists(claimed)))


def days_since_return(account, todays: dict[int, datetime.date]) -> int:
    """Days from the return of ``account`` (from ``unclaimed_accounts``) to today in its
    program's time zone (``todays``: ``program_todays()``, or one date for every program)."""
    return (todays[account.return_program_id] - account.returned_on).days


def program_todays(as_of: datetime.date | None = None) -> dict[int, datetime.date]:
    """Each program's today (or ``as_of`` for all of them), by program id."""
    return {program.pk: as_of or program.today() for program in Program.objects.all()}


@dataclass
class UnclaimedRun:
    accounts: int = 0  # unclaimed accounts looked at
    notifications: int = 0
    batches: int = 0
    tasks_queued: int = 0


def reminder_key(account_id: int, return_id: int, step: int, user_id: int | None = None) -> str:
    key = f"savings:{account_id}:return:{return_id}:unclaimed:{step}"
    return key if user_id is None else f"{key}:user:{user_id}"


def remind_unclaimed_savings(as_of: datetime.date | None = None) -> UnclaimedRun:
    """Tell each worker with unclaimed savings, and the staff of their state office, once per
    reminder step reached (the latest one). Batched: queries grow with batches, not rows."""
    run, outbox = UnclaimedRun(), Outbox()
    for program in Program.objects.order_by("pk"):
        steps = sorted(step for step in program.unclaimed_reminder_days if step >= program.unclaimed_after_days)
        if not steps:
            continue
        day = as_of or program.today()
        candidates = unclaimed_accounts(day, programs=[program]).filter(
            returned_on__lte=day - datetime.timedelta(days=steps[0]))

        def handle(rows, day=day, steps=steps):
            run.accounts += len(rows)
            staff = _state_office_staff(row["worker__state_of_origin"] for row in rows)
            pending = []
            for row in rows:
                days = (day - row["returned_on"]).days
                step = max(step for step in steps if step <= days)
                values = {"name": _full_name(row, "worker__"), "curp": row["worker__curp"], "days": days,
                          "amount": str(Money(row["available"], row["currency"])),
                          "returned": row["returned_on"].isoformat()}
                key = reminder_key(row["id"], row["return_id"], step)
                pending.append((key, None, row, values))
                for user in staff.get(row["worker__state_of_origin"], []):
                    pending.append((reminder_key(row["id"], row["return_id"], step, user.pk), user, row, values))
            recorded = set(Notification.objects.filter(key__in=[key for key, *_rest in pending])
                           .values_list("key", flat=True))
            notifications = []
            for key, user, row, values in pending:
                if key in recorded:
                    continue
                if user is None:
                    notification = _to_worker(row, "worker__", key=key, kind=KIND, message=TO_WORKER, values=values)
                else:
                    notification = _to_user(user, key=key, kind=KIND, message=TO_OFFICE, values=values)
                if notification is not None:
                    notifications.append(notification)
            run.notifications += outbox.insert(notifications)

        run.batches += _sweep(candidates, ("worker_id", "id"),
                              ("available", "currency", "returned_on", "return_id", "worker__state_of_origin",
                               "worker__curp", *_worker_fields("worker__")), handle)
    outbox.flush()
    run.tasks_queued = outbox.tasks
    return run


def days_since(account, as_of: datetime.date) -> int:
    return (as_of - account.returned_on).days


__all__ = ["remind_unclaimed_savings", "unclaimed_accounts"]
