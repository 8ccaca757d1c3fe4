"""A contract's life from signing to its end: the status machine of DESIGN.md as one table.

``ACTIONS`` says, for each action, the statuses it starts from, the status it leads to and who
may take it; :func:`contract_act` is the only way a contract's status changes after allocation.
Each change locks the contract row (and the worker's), refuses a stale version, checks the
action's own condition, writes a status-change row and a line on the request's timeline, and
moves the worker's status with it, in one transaction. Who may see a contract at all is
``Contract.objects.visible_to`` (404 otherwise); this decides what they may do with it.

A transfer ends the contract ``transferred`` and opens its successor on another employer's open
request, linked to it, active at once (the worker is already there) with a trial. Absences live
in ``contracts.absences``. ``confirm-return`` is taken through
``contracts.returns.contract_confirm_return``, which answers a repeated confirmation with the
record already there instead of a 409."""

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
from contracts.returns import confirmation_check, expected_return_confirm, expected_return_open
from employers.models import RequestEvent, RequestStatus, WorkerRequest
from twp.exceptions import Conflict, DomainError, InvalidTransition, StaleVersion
from twp.models import Role, User, add_months
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
    "transfer": Action(frozenset({S.ACTIVE}), S.TRANSFERRED, _staff),
    # The worker follows only when no other contract of theirs is under way (see _move_worker).
    "confirm-return": Action(frozenset({S.ENDED, S.TERMINATED_EARLY, S.ABSCONDED}), S.RETURNED, _staff),
}
# A worker's contracts still to be worked or being worked: while one is, the worker is not home
# for good, whatever another contract's return says.
UNDER_WAY = (S.PROPOSED, S.SIGNED, S.DEPARTED, S.ACTIVE)
# A transfer's trial with the new employer (SAWP: 7 days); failing it ends the new contract.
TRIAL_DAYS = 7


def allowed_actions(contract: Contract, user: User) -> list[str]:
    """The actions ``user`` may take on ``contract`` now."""
    return sorted(name for name, action in ACTIONS.items()
                  if contract.status in action.sources and action.may(user, contract))


def contract_act(*, contract: Contract, action: str, by: User, version: int | None = None,
                 worker_signed_on: datetime.date | None = None, employer_signed_on: datetime.date | None = None,
                 on: datetime.date | None = None, reason: str = "", note: str = "",
                 to_request: WorkerRequest | None = None, consent_on: datetime.date | None = None,
                 seen_home_on: datetime.date | None = None, place: str = "", identity_document: str = "") -> Contract:
    """Take ``action`` on ``contract`` for ``by``. Raises ``PermissionDenied`` (not theirs to
    take), ``InvalidTransition`` (409, with the allowed actions), ``StaleVersion`` (409) or a
    ``DomainError`` naming the field (the action's condition); nothing is written then.

    - ``sign``: both signature dates (not in the future); eligibility is checked again for the
      contract's dates.
    - ``depart``: a verified work permit or visa valid on the start date.
    - ``end``: on or after the end date (in the program's time zone).
    - ``terminate``: ``reason`` from ``TerminationReason`` and the day it ends ``on`` (default
      today; the range is half-open, so that day is free), inside the contract; frees the rest
      of its range. The consulate is told. ``trial_failed`` only during a transfer's trial.
    - ``transfer``: the worker's consent date ``consent_on``, another employer's open request
      ``to_request`` of the same program with a place left, and the day ``on`` (default today)
      the worker moves. Returns the new contract (active, ``trial_until`` = ``on`` + 7 days,
      ``transferred_from`` the old one), which ends no later than the program's maximum months
      counted from the start of the chain's first contract.
    - ``cancel``: the worker's status goes back to what it was before selection when this was
      their only live contract.
    - ``confirm-return``: ``seen_home_on``, ``place`` and ``identity_document`` (see
      ``contracts.returns.contract_confirm_return``, the entry point that makes it idempotent)."""
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
                                    employer_signed_on=employer_signed_on, on=on, reason=reason,
                                    consent_on=consent_on, seen_home_on=seen_home_on, place=place,
                                    identity_document=identity_document)
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
        if action == "confirm-return":
            expected_return_confirm(current, by=by, seen_home_on=seen_home_on, place=place,
                                    identity_document=identity_document)
        _record(current, previous, action, by, note=note.strip())
        _move_worker(current, worker, spec, by)
        if action in ("end", "terminate"):
            expected_return_open(current)
        if action == "transfer":
            return _open_successor(current, worker, to_request, by)
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
    if reason == TerminationReason.TRIAL_FAILED and not (
            contract.trial_until and contract.program.today() <= contract.trial_until):
        raise DomainError(_("Only a transferred worker's contract, during its trial, can fail its trial."),
                          field="reason")
    on = on or contract.program.today()
    if not contract.start_date <= on <= contract.end_date:
        raise DomainError(_("The last day must fall between %(start)s and %(end)s.")
                          % {"start": contract.start_date.isoformat(), "end": contract.end_date.isoformat()},
                          field="on")
    return {"termination_reason": reason, "effective_end": on}


def _cancel(contract, worker, **_unused) -> dict:
    return {}


def _transfer(contract, worker, *, on, consent_on, **_unused) -> dict:
    today = contract.program.today()
    if consent_on is None:
        raise DomainError(_("Record the date the worker agreed to the transfer."), field="consent_on")
    if consent_on > today:
        raise DomainError(_("The consent cannot be dated in the future."), field="consent_on")
    on = on or today
    if not contract.start_date < on <= contract.end_date:
        raise DomainError(_("The transfer day must fall after %(start)s and by %(end)s.")
                          % {"start": contract.start_date.isoformat(), "end": contract.end_date.isoformat()},
                          field="on")
    return {"effective_end": on, "transfer_consent_on": consent_on}


def _confirm_return(contract, worker, *, seen_home_on, place, identity_document, **_unused) -> dict:
    return confirmation_check(contract, seen_home_on=seen_home_on, place=place, identity_document=identity_document)


CONDITIONS = {"sign": _sign, "depart": _depart, "arrive": _arrive, "end": _end, "terminate": _terminate,
              "cancel": _cancel, "transfer": _transfer, "confirm-return": _confirm_return}
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


def chain_start(contract: Contract) -> datetime.date:
    """The start of the first contract of ``contract``'s transfer chain."""
    while contract.transferred_from_id is not None:
        contract = Contract.objects.only("start_date", "transferred_from").get(pk=contract.transferred_from_id)
    return contract.start_date


def _open_successor(old: Contract, worker: Worker, to_request: WorkerRequest | None, by: User) -> Contract:
    """The transferred worker's new contract, in the transfer's transaction: a place on another
    employer's open request, from the transfer day to the request's end or the chain's maximum."""
    from contracts.services import ALLOCATABLE, lock_request, request_fill_counts

    if to_request is None:
        raise DomainError(_("Choose the request the worker moves to."), field="request")
    request = lock_request(to_request.pk)
    if request.status not in ALLOCATABLE or request.employer_id == old.request.employer_id:
        raise DomainError(_("The worker can move only to another employer's approved request with a place left."),
                          field="request")
    if request.program_id != old.program_id:
        raise DomainError(_("The worker can move only to a request of the same program."), field="request")
    if request_fill_counts([request.pk]).get(request.pk, 0) >= request.workers_requested:
        raise DomainError(_("Request %(number)s has no place left.") % {"number": request.number}, field="request")
    start = max(old.effective_end, request.start_date)
    end = min(request.end_date, add_months(chain_start(old), old.program.max_contract_months))
    if end <= start:
        raise DomainError(_("No days are left: the request ends before the transfer day or the season's "
                            "transfers reached the program's maximum."), field="request")
    successor = Contract(
        request=request, worker=worker, program=request.program, season=old.season, start_date=start, end_date=end,
        wage_amount=request.wage_amount, wage_currency=request.wage_currency, hours_per_week=request.hours_per_week,
        status=S.ACTIVE, worker_status_before=old.worker_status_before, created_by=by, transferred_from=old,
        trial_until=start + datetime.timedelta(days=TRIAL_DAYS))
    try:
        with transaction.atomic():
            successor.save()
    except IntegrityError as error:
        raise Conflict(_("This change conflicts with another contract of the worker.")) from error
    ContractStatusChange.objects.create(contract=successor, from_status="", to_status=S.ACTIVE, by=by,
                                        reason=str(_("Transferred from request %(number)s")
                                                   % {"number": old.request.number}))
    live = request_fill_counts([request.pk]).get(request.pk, 0)
    status = RequestStatus.FILLED if live >= request.workers_requested else RequestStatus.PARTIALLY_FILLED
    if status != request.status:
        WorkerRequest.objects.filter(pk=request.pk).update(status=status, version=F("version") + 1)
    RequestEvent.objects.create(request=request, kind=RequestEvent.Kind.WORKER_ASSIGNED, from_status=request.status,
                                to_status=status, details={"worker": str(worker.public_id), "name": worker.full_name,
                                                           "contract": str(successor.public_id),
                                                           "transferred_from": str(old.public_id)}, by=by)
    return successor


def _move_worker(contract: Contract, worker: Worker, spec: Action, by: User) -> None:
    if spec.worker_status:
        workers_follow_contracts(workers=[worker], to=spec.worker_status, by=by,
                                 reason=str(_("Contract %(status)s") % {"status": contract.get_status_display()}))
    elif contract.status == S.CANCELLED and not Contract.objects.live().filter(worker=worker).exists():
        workers_follow_contracts(workers=[worker], to=contract.worker_status_before or WorkerStatus.ELIGIBLE, by=by,
                                 reason=str(_("Contract cancelled")))
    elif contract.status == S.RETURNED and not Contract.objects.filter(worker=worker, status__in=UNDER_WAY).exists():
        # Returned: eligible for next season's selection (a worker with another contract under
        # way keeps the status that one gives).
        workers_follow_contracts(workers=[worker], to=WorkerStatus.RETURNED, by=by,
                                 reason=str(_("Return confirmed")))


__all__ = ["ACTIONS", "allowed_actions", "contract_act"]
