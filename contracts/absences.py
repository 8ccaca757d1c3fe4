"""Absences, handled humanely: a worker not at work is ``late``, then ``missing``; the consulate
checks on the worker's welfare before anyone may call it absconding (``reported``), and a worker
who turns up closes it as ``found`` with the contract as it was (DESIGN.md, Absence).

``ABSENCE_ACTIONS`` is the stage machine; :func:`absence_act` is the only way an absence's stage
changes, :func:`absence_report` the only way one opens. Each step locks the contract row and
then the absence row (always in that order: a report and a step on the same contract never
deadlock), refuses a stale version, writes nothing on refusal, and leaves a line on the
request's timeline. Who may see an absence at all is ``Absence.objects.visible_to`` (404
otherwise); this decides what they may do with it.

Deadlines come from the program (``Program.absence_*``), counted in workdays (Monday to Friday)
or calendar days as the program says: :func:`absence_deadlines` is the daily sweep that tells the
consulate of late reports and of welfare checks not done in time."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from contracts.models import Absence, Contract, ContractStatus, ContractStatusChange
from employers.models import Employer, RequestEvent
from employers.worker_requests import _lazy_percent
from twp.exceptions import Conflict, DomainError, InvalidTransition, StaleVersion
from twp.models import Notification, Office, Program, Role, User

Stage = Absence.Stage
# Rows per transaction of the deadline job: its query count grows with batches, never with rows.
DEADLINE_BATCH_SIZE = 500
# Kinds of notification (and the middle of their unique keys).
REPORTED_KIND = "absence-reported"
LATE_REPORT_KIND = "absence-reported-late"
WELFARE_OVERDUE_KIND = "absence-welfare-check-overdue"


# --- counting days as the program does ---------------------------------------------------------
def days_after(start: datetime.date, days: int, *, workdays: bool) -> datetime.date:
    """The day ``days`` days after ``start``: calendar days, or workdays (Monday to Friday; a
    weekend in between does not count, so Friday + 1 workday is Monday)."""
    if not workdays:
        return start + datetime.timedelta(days=days)
    day = start
    while days > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def report_due_on(program: Program, last_seen_on: datetime.date) -> datetime.date:
    """The last day on which the employer may report an absence on time: the threshold of days
    away, then the report deadline, both counted per the program's rule."""
    workdays = program.absence_counts_workdays
    away = days_after(last_seen_on, program.absence_threshold_days, workdays=workdays)
    return days_after(away, program.absence_report_deadline_days, workdays=workdays)


def reported_on(absence: Absence, program: Program) -> datetime.date:
    """The day the absence was reported, in the program's time zone."""
    return absence.created_at.astimezone(program.zone).date()


def welfare_check_due_on(absence: Absence, program: Program) -> datetime.date:
    """The last day for the consulate's welfare check: the report day plus the program's days."""
    return days_after(reported_on(absence, program), program.absence_welfare_check_days,
                      workdays=program.absence_counts_workdays)


# --- who may do what ----------------------------------------------------------------------------
def _sees(user: User, contract: Contract) -> bool:
    return Contract.objects.visible_to(user).filter(pk=contract.pk).exists()


def _staff(user: User, contract: Contract) -> bool:
    # Staff of any office that sees the contract (the worksite's consulate, the worker's state
    # office); service accounts read, they never act.
    return user.is_program_staff and not user.is_service_account and _sees(user, contract)


def _employer_or_staff(user: User, contract: Contract) -> bool:
    if user.viewing_role == Role.EMPLOYER:
        return contract.request.employer.memberships.filter(user=user).exists()
    return _staff(user, contract)


@dataclass(frozen=True)
class Step:
    sources: frozenset
    target: str | None  # None: the stage stays (the welfare check is recorded beside it)
    may: Callable[[User, Contract], bool]
    # A condition beyond the stage: when it is not met the action is not offered, and taking it
    # anyway is a conflict naming what is missing.
    ready: Callable[[Absence], bool] = lambda absence: True


ABSENCE_ACTIONS = {
    "missing": Step(frozenset({Stage.LATE}), Stage.MISSING, _staff),
    "welfare-check": Step(frozenset({Stage.LATE, Stage.MISSING}), None, _staff,
                          ready=lambda absence: absence.welfare_checked_at is None),
    "reported": Step(frozenset({Stage.MISSING}), Stage.REPORTED, _staff,
                     ready=lambda absence: absence.welfare_checked_at is not None),
    "found": Step(frozenset({Stage.LATE, Stage.MISSING}), Stage.FOUND, _staff),
}


def allowed_absence_actions(absence: Absence, user: User) -> list[str]:
    """The actions ``user`` may take on ``absence`` now."""
    answers = {}  # every step asks the same question today: ask it once

    def may(step: Step) -> bool:
        if step.may not in answers:
            answers[step.may] = step.may(user, absence.contract)
        return answers[step.may]

    return sorted(name for name, step in ABSENCE_ACTIONS.items()
                  if absence.stage in step.sources and step.ready(absence) and may(step))


# --- opening an absence -------------------------------------------------------------------------
def absence_report(*, contract: Contract, last_seen_on: datetime.date, note: str = "", by: User,
                   version: int | None = None) -> Absence:
    """Report that the worker of an active contract is not at work: opens an absence at stage
    ``late``; the contract stays active. By the contract's employer or staff who see it.

    ``reported_late`` records whether the report came after the program's deadline (threshold
    plus report deadline after ``last_seen_on``). The consulate of the worksite is told at once:
    its welfare-check deadline runs from today. One open absence per contract: the database's
    partial unique constraint has the last word (``Conflict``). ``version`` is the contract's."""
    with transaction.atomic():
        current = (Contract.objects.select_for_update(of=("self",))
                   .select_related("request__employer", "request__worksite", "program", "worker").get(pk=contract.pk))
        if not _employer_or_staff(by, current):
            raise PermissionDenied
        if version is not None and version != current.version:
            raise StaleVersion
        if current.status != ContractStatus.ACTIVE:
            from contracts.life import allowed_actions

            raise InvalidTransition(current=current.status, action="report-absence",
                                    allowed=allowed_actions(current, by))
        program = current.program
        today = program.today()
        if last_seen_on > today:
            raise DomainError(_("The last day at work cannot be in the future."), field="last_seen_on")
        if not current.start_date <= last_seen_on <= current.end_date:
            raise DomainError(_("The last day at work must fall between %(start)s and %(end)s.")
                              % {"start": current.start_date.isoformat(), "end": current.end_date.isoformat()},
                              field="last_seen_on")
        try:
            with transaction.atomic():
                absence = Absence.objects.create(contract=current, last_seen_on=last_seen_on, note=note.strip(),
                                                 reported_by=by,
                                                 reported_late=today > report_due_on(program, last_seen_on))
        except IntegrityError as error:
            raise Conflict(_("This worker's absence is already reported.")) from error
        _timeline(absence, current, "report-absence", by, previous=current.status, reason=absence.note)
        _tell_consulate_of_report(absence, current)
    return absence


# --- its stages ---------------------------------------------------------------------------------
def absence_act(*, absence: Absence, action: str, by: User, version: int | None = None, note: str = "") -> Absence:
    """Take ``action`` on ``absence`` for ``by`` (staff who see its contract). Raises
    ``PermissionDenied``, ``InvalidTransition`` (409, with the allowed actions), ``StaleVersion``,
    ``Conflict`` (the step's condition) or ``DomainError`` (a field); nothing is written then.

    - ``missing``: late → missing, from now.
    - ``welfare-check``: the consulate's welfare check, with a note (required), at late or
      missing; once.
    - ``reported``: missing → reported to the authorities, only after the welfare check; the
      contract becomes ``absconded`` with its effective end the last day seen at work (the rest
      of its dates free again; the worker's savings stay held, never forfeited).
    - ``found``: late or missing → found; the contract is unchanged. ``note`` is kept for staff."""
    if action not in ABSENCE_ACTIONS:
        raise DomainError(_("Unknown action."), field="action")
    step = ABSENCE_ACTIONS[action]
    with transaction.atomic():
        contract = (Contract.objects.select_for_update(of=("self",))
                    .select_related("request__employer", "request__worksite", "program", "worker")
                    .get(pk=absence.contract_id))
        current = Absence.objects.select_for_update(of=("self",)).get(pk=absence.pk)
        current.contract = contract
        if not step.may(by, contract):
            raise PermissionDenied
        if version is not None and version != current.version:
            raise StaleVersion
        if current.stage not in step.sources:
            raise InvalidTransition(current=current.stage, action=action,
                                    allowed=allowed_absence_actions(current, by))
        fields = CONDITIONS[action](current, contract, by=by, note=note.strip())
        previous = current.stage
        changed = (Absence.objects.filter(pk=current.pk, stage=previous)
                   .update(**fields, stage=step.target or previous, version=F("version") + 1,
                           updated_at=timezone.now()))
        assert changed == 1, "the row is locked: its stage cannot have moved"
        current.refresh_from_db()
        current.contract = contract
        if action == "reported":
            _contract_absconded(current, contract, by)
        else:
            _timeline(current, contract, action, by, previous=contract.status)
    return current


def absence_mark_missing(*, absence: Absence, by: User, version: int | None = None) -> Absence:
    """Late → missing (staff)."""
    return absence_act(absence=absence, action="missing", by=by, version=version)


def absence_record_welfare_check(*, absence: Absence, note: str, by: User, version: int | None = None) -> Absence:
    """Record the consulate's welfare check (staff), at late or missing: what was found out."""
    return absence_act(absence=absence, action="welfare-check", by=by, version=version, note=note)


def absence_report_to_authorities(*, absence: Absence, by: User, version: int | None = None,
                                  note: str = "") -> Absence:
    """Missing → reported (staff), after the welfare check; the contract becomes absconded."""
    return absence_act(absence=absence, action="reported", by=by, version=version, note=note)


def absence_found(*, absence: Absence, by: User, note: str = "", version: int | None = None) -> Absence:
    """Late or missing → found (staff); the contract stays as it was."""
    return absence_act(absence=absence, action="found", by=by, version=version, note=note)


def _missing(absence, contract, **_unused) -> dict:
    return {"missing_since": timezone.now()}


def _welfare_check(absence, contract, *, by, note, **_unused) -> dict:
    if absence.welfare_checked_at is not None:
        raise Conflict(_("The welfare check is already recorded."))
    if not note:
        raise DomainError(_("Say what the welfare check found."), field="note")
    return {"welfare_checked_at": timezone.now(), "welfare_checked_by": by, "welfare_check_note": note}


def _reported(absence, contract, *, note, **_unused) -> dict:
    if absence.welfare_checked_at is None:
        raise Conflict(_("Record the consulate's welfare check before reporting the worker to the authorities."))
    if contract.status != ContractStatus.ACTIVE:
        raise Conflict(_("The contract is no longer active; it cannot be marked absconded."))
    return {"closed_at": timezone.now(), "closing_note": note}


def _found(absence, contract, *, note, **_unused) -> dict:
    return {"closed_at": timezone.now(), "closing_note": note}


CONDITIONS = {"missing": _missing, "welfare-check": _welfare_check, "reported": _reported, "found": _found}
assert set(CONDITIONS) == set(ABSENCE_ACTIONS)


# --- what each step leaves behind ---------------------------------------------------------------
def _timeline(absence: Absence, contract: Contract, action: str, by: User, *, previous: str, reason: str = "") -> None:
    """A line on the request's timeline, which the employer reads too: it names the step, never
    the welfare check's or the closing note (staff only)."""
    RequestEvent.objects.create(request_id=contract.request_id, kind=RequestEvent.Kind.CONTRACT_CHANGED,
                                from_status=previous, to_status=contract.status, reason=reason,
                                details={**_about(contract), "action": action, "absence": str(absence.public_id),
                                         "stage": absence.stage},
                                by=by)


def _about(contract: Contract) -> dict:
    return {"worker": str(contract.worker.public_id), "name": contract.worker.full_name,
            "contract": str(contract.public_id)}


def _contract_absconded(absence: Absence, contract: Contract, by: User) -> None:
    """The contract ends ``absconded`` on the last day the worker was seen at work: its status
    history and the timeline record it, as ``contracts.life`` does for every status change. The
    worker stays abroad (their return is still to be confirmed) and their money stays held."""
    previous = contract.status
    changed = (Contract.objects.filter(pk=contract.pk, status=previous)
               .update(status=ContractStatus.ABSCONDED, effective_end=absence.last_seen_on, status_note="",
                       version=F("version") + 1, updated_at=timezone.now()))
    assert changed == 1, "the contract row is locked"
    contract.refresh_from_db(fields=["status", "effective_end", "status_note", "version", "updated_at"])
    ContractStatusChange.objects.create(contract=contract, from_status=previous, to_status=contract.status,
                                        reason=f"absence {absence.public_id} reported", by=by)
    _timeline(absence, contract, "reported", by, previous=previous)


# --- telling the consulate ------------------------------------------------------------------------
def _consulate_staff(regions: Iterable[str]) -> dict[str, list[User]]:
    """Active consulate staff by destination region (one query for any number of regions)."""
    staff = (User.objects.filter(role=Role.STAFF, is_active=True, office__kind=Office.Kind.CONSULATE,
                                 office__destination_regions__overlap=sorted(set(regions)))
             .exclude(email="").select_related("office").order_by("pk"))
    by_region = defaultdict(list)
    for user in staff:
        for region in user.office.destination_regions:
            by_region[region].append(user)
    return by_region


def _notify_consulates(absences: list[Absence], kind: str, message: Callable[[Absence], tuple]) -> int:
    """Tell the consulate staff of each absence's worksite region, in their own language, once per
    absence, kind and person (the key is unique: a rerun inserts nothing).

    Set-based on purpose (one read of the staff, one INSERT per batch) instead of
    ``notification_enqueue`` per row, so that the deadline job's queries grow with batches and
    not with rows. Returns how many messages were new."""
    if not absences:
        return 0
    staff = _consulate_staff(absence.contract.request.worksite.region for absence in absences)
    rows = []
    for absence in absences:
        subject, body = message(absence)
        for user in staff.get(absence.contract.request.worksite.region, []):
            language = user.preferred_language or "es"
            with translation.override(language):
                rows.append(Notification(key=f"absence:{absence.pk}:{kind}:user:{user.pk}", kind=kind,
                                         recipient=user, address=user.email, language=language,
                                         subject=str(subject)[:200], body=str(body)))
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        from twp.tasks import dispatch_notifications_task

        transaction.on_commit(dispatch_notifications_task.delay)
    return len(created)


def _report_message(absence: Absence) -> dict:
    contract, program = absence.contract, absence.contract.program
    values = {"name": contract.worker.full_name, "employer": contract.request.employer.legal_name,
              "worksite": contract.request.worksite.name, "last_seen": absence.last_seen_on.isoformat(),
              "reported": reported_on(absence, program).isoformat(),
              "due": welfare_check_due_on(absence, program).isoformat()}
    return values


def _tell_consulate_of_report(absence: Absence, contract: Contract) -> None:
    def message(absence):
        values = _report_message(absence)
        return (_lazy_percent(_("Worker reported absent: %(name)s"), **values),
                _lazy_percent(_("%(employer)s (%(worksite)s) reports that %(name)s has not been at work since "
                                "%(last_seen)s. Please check on the worker's welfare by %(due)s."), **values))

    _notify_consulates([absence], REPORTED_KIND, message)


def _late_report_message(absence: Absence) -> tuple:
    values = {**_report_message(absence), "report_due": report_due_on(absence.contract.program,
                                                                      absence.last_seen_on).isoformat()}
    return (_lazy_percent(_("Absence reported late: %(name)s"), **values),
            _lazy_percent(_("%(employer)s (%(worksite)s) reported on %(reported)s that %(name)s has not been at "
                            "work since %(last_seen)s; the report was due by %(report_due)s."), **values))


def _welfare_overdue_message(absence: Absence) -> tuple:
    values = _report_message(absence)
    return (_lazy_percent(_("Welfare check overdue: %(name)s"), **values),
            _lazy_percent(_("%(name)s (%(employer)s, %(worksite)s) was reported absent on %(reported)s and no "
                            "welfare check is recorded; it was due by %(due)s."), **values))


# --- the daily deadline job ---------------------------------------------------------------------
@dataclass
class DeadlineRun:
    welfare_checks_overdue: int = 0
    late_reports: int = 0
    notifications: int = 0


def absence_deadlines(as_of: datetime.date | None = None) -> DeadlineRun:
    """Flag what the absence deadlines say, once: open absences whose welfare check is overdue
    (``welfare_check_overdue_on``) and reports the employer made late (``reported_late``), each
    told to the consulate of the worksite. ``as_of``: the day to judge by (default today in each
    program's time zone). Batched; running it again finds nothing new and sends nothing."""
    run = DeadlineRun()
    _sweep(run, as_of, Absence.objects.open().filter(welfare_checked_at__isnull=True,
                                                     welfare_check_overdue_on__isnull=True),
           is_due=lambda absence, day: day > welfare_check_due_on(absence, absence.contract.program),
           field="welfare_check_overdue_on", kind=WELFARE_OVERDUE_KIND, message=_welfare_overdue_message,
           counter="welfare_checks_overdue")
    _sweep(run, as_of, Absence.objects.filter(reported_late=True, reported_late_notified_on__isnull=True),
           is_due=lambda absence, day: True, field="reported_late_notified_on", kind=LATE_REPORT_KIND,
           message=_late_report_message, counter="late_reports")
    return run


def _sweep(run: DeadlineRun, as_of, candidates, *, is_due, field: str, kind: str, message, counter: str) -> None:
    """Walk ``candidates`` by id in batches; stamp ``field`` with the day on those ``is_due`` and
    notify. Rows another transaction holds (a welfare check being recorded) are skipped this
    time and judged again tomorrow; rows stamped drop out of ``candidates`` for good."""
    after = 0
    while True:
        with transaction.atomic():
            batch = list(candidates.filter(pk__gt=after)
                         .select_related("contract__program", "contract__request__employer",
                                         "contract__request__worksite", "contract__worker")
                         .select_for_update(of=("self",), skip_locked=True).order_by("pk")[:DEADLINE_BATCH_SIZE])
            if not batch:
                return
            after = batch[-1].pk
            due_by_day = defaultdict(list)
            for absence in batch:
                day = as_of or absence.contract.program.today()
                if is_due(absence, day):
                    due_by_day[day].append(absence)
            # One UPDATE per distinct day: one when as_of is given, else at most one per time zone.
            for day, absences in due_by_day.items():
                candidates.filter(pk__in=[absence.pk for absence in absences]).update(**{field: day})
            due = [absence for absences in due_by_day.values() for absence in absences]
            setattr(run, counter, getattr(run, counter) + len(due))
            run.notifications += _notify_consulates(due, kind, message)


# --- employers that stand out -------------------------------------------------------------------
def employers_with_many_absences(*, program: Program, season: int, employers=None) -> list[tuple[Employer, int]]:
    """Employers with at least ``program.absence_alert_count`` absences reported on their
    contracts of ``season`` (any stage: a worker found still counts), most first. ``employers``:
    the employers to consider (the caller's ``visible_to``), default all."""
    counts = (Absence.objects.filter(contract__program=program, contract__season=season)
              .values("contract__request__employer").annotate(absences=Count("pk"))
              .filter(absences__gte=max(program.absence_alert_count, 1)))
    if employers is not None:
        counts = counts.filter(contract__request__employer__in=employers.values("pk"))
    by_employer = {row["contract__request__employer"]: row["absences"] for row in counts}
    rows = Employer.objects.filter(pk__in=list(by_employer)).order_by("legal_name")
    return sorted(((employer, by_employer[employer.pk]) for employer in rows), key=lambda row: -row[1])


__all__ = ["ABSENCE_ACTIONS", "absence_act", "absence_deadlines", "absence_found", "absence_mark_missing",
           "absence_record_welfare_check", "absence_report", "absence_report_to_authorities",
           "allowed_absence_actions", "days_after", "employers_with_many_absences"]
