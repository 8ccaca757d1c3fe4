"""A contract's life from signing to its end: the status machine of DESIGN.md as one table.

``ACTIONS`` says, for each action, the statuses it starts from, the status it leads to and who
may take it; :func:`contract_act` is the only way a contract's status changes after allocation.
Each change locks the contract row (and the worker's), refuses a stale version, checks the
action's own condition, writes a status-change row and a line on the request's timeline, and
moves the worker's status with it, in one transaction. Who may see a contract at all is
``Contract.objects.visible_to`` (404 otherwise); this decides what they may do with it.

Transfers, absences and ``confirm-return`` are still to come (issues 9 and 10)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, ContractStatus, ContractStatusChange, TerminationReason
from employers.models import RequestEvent
from twp.exceptions import Conflict, DomainError, InvalidTransition, StaleVersion
from twp.models import Role, User
from workers.eligibility import check_eligibility, prefetch_for_eligibility
from workers.models import DocumentKind, Worker, WorkerStatus
from workers.services import workers_follow_contracts

S = ContractStatus


def _staff(user: User, contract: Contract) -> bool:
    return user.is_program_staff and not user.is_service_account


def _employer_or_staff(user: User, contract: Contract) -> bool:
    return _staff(user, contract) or (user.viewing_role == Role.EMPLOYER
                                      and contract.request.employer.memberships.filter(user=user).exists())


@dataclass(frozen=True)
class Action:
    sources: frozenset
    target: str
    may: Callable[[User, Contract], bool]
    worker_status: str | None = None  # where the worker's status follows, if anywhere


ACTIONS = {
    "sign": Action(frozenset({S.PROPOSED}), S.SIGNED, _staff),
    "depart": Action(frozenset({S.SIGNED}), S.DEPARTED, _staff, WorkerStatus.ABROAD),
    "arrive": Action(frozenset({S.DEPARTED}), S.ACTIVE, _employer_or_staff, WorkerStatus.ABROAD),
    "end": Action(frozenset({S.ACTIVE}), S.ENDED, _staff),
    "terminate": Action(frozenset({S.DEPARTED, S.ACTIVE}), S.TERMINATED_EARLY, _employer_or_staff),
    "cancel": Action(frozenset({S.PROPOSED, S.SIGNED}), S.CANCELLED, _staff),
}


def allowed_actions(contract: Contract, user: User) -> list[str]:
    """The actions ``user`` may take on ``contract`` now."""
    return sorted(name for name, action in ACTIONS.items()
                  if contract.status in action.sources and action.may(user, contract))


def contract_act(*, contract: Contract, action: str, by: User, version: int | None = None,
                 worker_signed_on: datetime.date | None = None, employer_signed_on: datetime.date | None = None,
                 on: datetime.date | None = None, reason: str = "", note: str = "") -> Contract:
    """Take ``action`` on ``contract`` for ``by``. Raises ``PermissionDenied`` (not theirs to
    take), ``InvalidTransition`` (409, with the allowed actions), ``StaleVersion`` (409) or a
    ``DomainError`` naming the field (the action's condition); nothing is written then.

    - ``sign``: both signature dates (not in the future); eligibility is checked again for the
      contract's dates.
    - ``depart``: a verified work permit or visa valid on the start date.
    - ``end``: on or after the end date (in the program's time zone).
    - ``terminate``: ``reason`` from ``TerminationReason`` and the last day worked ``on``
      (default today), inside the contract; frees the rest of its range. The consulate is told.
    - ``cancel``: the worker's status goes back to what it was before selection when this was
      their only live contract."""
    if action not in ACTIONS:
        raise DomainError(_("Unknown action."), field="action")
    spec = ACTIONS[action]
    with transaction.atomic():
        current = (Contract.objects.select_for_update(of=("self",))
                   .select_related("request__employer", "request__worksite", "program", "worker").get(pk=contract.pk))
        if not spec.may(by, current):
            raise PermissionDenied
        if version is not None and version != current.version:
            raise StaleVersion
        if current.status not in spec.sources:
            raise InvalidTransition(current=current.status, action=action, allowed=allowed_actions(current, by))
        worker = Worker.objects.select_for_update(of=("self",)).get(pk=current.worker_id)
        fields = CONDITIONS[action](current, worker, worker_signed_on=worker_signed_on,
                                    employer_signed_on=employer_signed_on, on=on, reason=reason)
        previous = current.status
        current.status = spec.target
        current.status_note = note.strip()
        for name, value in fields.items():
            setattr(current, name, value)
        current.version = F("version") + 1
        try:
            with transaction.atomic():
                current.save(update_fields=["status", "status_note", "version", "updated_at", *fields])
        except IntegrityError as error:  # e.g. a shortened range that another contract now needs
            raise Conflict(_("This change conflicts with another contract of the worker.")) from error
        current.refresh_from_db(fields=["version"])
        _record(current, previous, action, by, note=note.strip())
        _move_worker(current, worker, spec, by)
    return current


# --- each action's condition: returns the fields it sets ----------------------------------------
def _sign(contract, worker, *, worker_signed_on, employer_signed_on, **_unused) -> dict:
    today = contract.program.today()
    errors = {}
    for field, signed in (("worker_signed_on", worker_signed_on), ("employer_signed_on", employer_signed_on)):
        if signed is None:
            errors[field] = _("Enter the date of this signature.")
        elif signed > today:
            errors[field] = _("A signature cannot be dated in the future.")
    if errors:
        field, message = next(iter(errors.items()))
        raise DomainError(message, field=field)
    checked = Worker.objects.prefetch_related(*prefetch_for_eligibility()).get(pk=worker.pk)
    from employers.worker_requests import _requirements

    result = check_eligibility(worker=checked, program=contract.program, start=contract.start_date,
                               end=contract.end_date, requirements=_requirements(contract.request))
    # The worker's own contract overlaps itself: that rule is the database's to enforce here.
    reasons = [reason for reason in result.reasons if reason.code != "overlapping_contract"]
    if reasons:
        raise DomainError(_("%(name)s cannot sign this contract: %(reasons)s") % {
            "name": worker.full_name, "reasons": "; ".join(str(reason.message) for reason in reasons)})
    return {"worker_signed_on": worker_signed_on, "employer_signed_on": employer_signed_on}


def _depart(contract, worker, **_unused) -> dict:
    permit = worker.documents.filter(kind=DocumentKind.WORK_PERMIT, verified_at__isnull=False,
                                     issued_on__lte=contract.start_date, expires_on__gte=contract.start_date)
    if not permit.exists():
        raise DomainError(_("No verified work permit or visa valid on %(date)s.")
                          % {"date": contract.start_date.isoformat()}, field="documents")
    return {}


def _arrive(contract, worker, **_unused) -> dict:
    return {}


def _end(contract, worker, **_unused) -> dict:
    if contract.program.today() < contract.end_date:
        raise DomainError(_("The contract ends on %(date)s: end it on or after that day, or terminate it.")
                          % {"date": contract.end_date.isoformat()})
    return {}


def _terminate(contract, worker, *, on, reason, **_unused) -> dict:
    if reason not in TerminationReason.values:
        raise DomainError(_("Choose the reason from the list."), field="reason")
    on = on or contract.program.today()
    if not contract.start_date <= on <= contract.end_date:
        raise DomainError(_("The last day must fall between %(start)s and %(end)s.")
                          % {"start": contract.start_date.isoformat(), "end": contract.end_date.isoformat()},
                          field="on")
    return {"termination_reason": reason, "effective_end": on}


def _cancel(contract, worker, **_unused) -> dict:
    return {}


CONDITIONS = {"sign": _sign, "depart": _depart, "arrive": _arrive, "end": _end, "terminate": _terminate,
              "cancel": _cancel}
assert set(CONDITIONS) == set(ACTIONS)


def _record(contract: Contract, previous: str, action: str, by: User, *, note: str) -> None:
    ContractStatusChange.objects.create(contract=contract, from_status=previous, to_status=contract.status,
                                        reason=note or action, by=by)
    details = {"worker": str(contract.worker.public_id), "name": contract.worker.full_name,
               "contract": str(contract.public_id), "action": action}
    RequestEvent.objects.create(request=contract.request, kind=RequestEvent.Kind.CONTRACT_CHANGED,
                                from_status=previous, to_status=contract.status, reason=note,
                                details=details, by=by)
    if action == "terminate":
        _tell_consulate(contract)
    if action == "cancel":
        _reopen_request(contract)


def _reopen_request(contract: Contract) -> None:
    """A cancelled contract frees its place: a filled request is partially filled again (or
    approved, with no live contract left)."""
    from contracts.services import request_fill_counts
    from employers.models import RequestStatus, WorkerRequest

    request = WorkerRequest.objects.select_for_update(of=("self",)).get(pk=contract.request_id)
    if request.status not in (RequestStatus.FILLED, RequestStatus.PARTIALLY_FILLED):
        return
    live = request_fill_counts([request.pk]).get(request.pk, 0)
    status = (RequestStatus.FILLED if live >= request.workers_requested
              else RequestStatus.PARTIALLY_FILLED if live else RequestStatus.APPROVED)
    if status != request.status:
        WorkerRequest.objects.filter(pk=request.pk).update(status=status, version=F("version") + 1)


def _tell_consulate(contract: Contract) -> None:
    """Office staff of the worksite's region hear of every early end (in their own language)."""
    from employers.services import consulate_staff
    from employers.worker_requests import _lazy_percent
    from twp.services import notification_enqueue

    subject = _lazy_percent(_("Contract ended early: %(name)s"), name=contract.worker.full_name)
    for user in consulate_staff(contract.request.worksite.region):
        notification_enqueue(
            key=f"contract:{contract.pk}:terminated:user:{user.pk}", kind="contract-terminated", recipient=user,
            subject=subject,
            body=format_lazy("{subject}: {employer}, {reason}, {day}", subject=subject,
                             employer=contract.request.employer.legal_name,
                             reason=contract.get_termination_reason_display(), day=contract.effective_end.isoformat()))


def _move_worker(contract: Contract, worker: Worker, spec: Action, by: User) -> None:
    if spec.worker_status:
        workers_follow_contracts(workers=[worker], to=spec.worker_status, by=by,
                                 reason=str(_("Contract %(status)s") % {"status": contract.get_status_display()}))
    elif contract.status == S.CANCELLED and not Contract.objects.live().filter(worker=worker).exists():
        workers_follow_contracts(workers=[worker], to=contract.worker_status_before or WorkerStatus.ELIGIBLE, by=by,
                                 reason=str(_("Contract cancelled")))


__all__ = ["ACTIONS", "allowed_actions", "contract_act"]
