"""Payouts: a worker's available savings paid to them (savings.models.Payout for the rules the
database holds underneath).

Two phases in the ledger. The request *reserves* the money: available → payouts in transit, under
the account's row lock, so that eight requests at once for 30 of an available 100 leave three
reserved and five refused (without the lock each would read 100 and the trigger that keeps the
stored balance would add up five overdrafts' worth of stale reads). Then the reservation is *paid*
(payouts in transit → paid out), or *voided* or *expires* (back to available). A bank payout that
fails after it was paid is reversed (paid out → available) and stays on the follow-up list.

Who may: the request comes from staff of the worker's home state office (the office whose Mexican
states hold the worker's state of origin); above the program's threshold a second member of that
office or an administrator approves, never the requester; changing the destination after approval
withdraws the approval.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from localflavor.mx.forms import MXCLABEField

from contracts.models import Contract, ContractStatus
from savings.ledger import Line, Posting, lock_accounts, post, system_account
from savings.models import Account, LedgerTransaction, Payout, Source
from savings.money import Money
from twp.exceptions import DomainError, InvalidTransition
from twp.models import Office, Role
from workers.models import Worker

Status = Payout.Status
Method = Payout.Method


# --- rules -------------------------------------------------------------------------------------
def validate_clabe(clabe: str) -> str:
    """The CLABE without spaces or dashes: 18 digits whose last is the check digit (weights 3, 7,
    1; django-localflavor's algorithm), else a ``DomainError`` on ``clabe``."""
    normalized = re.sub(r"[\s-]", "", clabe or "")
    try:
        MXCLABEField().clean(normalized)
    except ValidationError:
        normalized = ""
    if not normalized:
        raise DomainError(_("Enter a valid CLABE: 18 digits, the last one its check digit."), field="clabe")
    return normalized


def is_home_state_staff(user, worker: Worker) -> bool:
    """Staff (a person, not a service account) of a state office whose states hold the worker's."""
    return (user.is_authenticated and user.role == Role.STAFF and user.office_id is not None
            and user.office.kind == Office.Kind.STATE_OFFICE and worker.state_of_origin in user.office.mexican_states)


def may_request(user, worker: Worker) -> bool:
    return is_home_state_staff(user, worker)


def may_approve(user, payout: Payout) -> bool:
    if not user.is_authenticated or user.pk == payout.requested_by_id:
        return False
    return user.role == Role.ADMINISTRATOR or is_home_state_staff(user, payout.worker)


def may_handle(user, payout: Payout) -> bool:
    """Pay, void, change the destination, record the bank's answer: the home state office, or an
    administrator."""
    return user.is_authenticated and (user.role == Role.ADMINISTRATOR or is_home_state_staff(user, payout.worker))


def program_of(worker: Worker):
    """The program whose rules apply to the worker's savings: that of their latest returned
    contract, or of an absconded one whose held money an administrator released (e.g. a death:
    the money then goes to the beneficiary on record). None: nothing may be paid out yet."""
    contract = (Contract.objects.filter(Q(status=ContractStatus.RETURNED)
                                        | Q(status=ContractStatus.ABSCONDED, held_release__isnull=False),
                                        worker=worker)
                .select_related("program").order_by("-end_date", "-id").first())
    return contract.program if contract is not None else None


# --- the phases --------------------------------------------------------------------------------
def request_payout(*, worker: Worker, amount: Money, method: str, clabe: str = "", to_beneficiary: bool = False,
                   by, now: datetime.datetime | None = None) -> Payout:
    """Reserve ``amount`` of the worker's available money for a payout. Refused (nothing written):
    not the worker's home state office; no confirmed return yet; more than is available (read
    under the account's lock); a CLABE that fails its check digit; to a beneficiary the worker's
    record does not name."""
    now = now or timezone.now()
    if not may_request(by, worker):
        raise PermissionDenied(_("Only staff of the worker's home state office may request a payout."))
    if amount.amount <= 0:
        raise DomainError(_("The amount must be greater than zero."), field="amount")
    if method not in Method.values:
        raise DomainError(_("Choose how the money is paid."), field="method")
    clabe = validate_clabe(clabe) if method == Method.BANK else ""
    if to_beneficiary and not worker.beneficiary_name.strip():
        raise DomainError(_("The worker's record names no beneficiary."), field="to_beneficiary")
    program = program_of(worker)
    if program is None:
        raise DomainError(_("Savings are paid only after the worker's return is confirmed."), field="amount")
    with transaction.atomic():
        account = _locked_account(worker, amount.currency)
        if account is None or account.available < amount.amount:
            available = Money(account.available if account else Decimal(0), amount.currency)
            raise DomainError(_("Only %(available)s is available.") % {"available": str(available)},
                              field="amount")
        (reservation,) = post([Posting(LedgerTransaction.Kind.PAYOUT_RESERVE, [
            Line(account.pk, -amount.amount, amount.currency),
            Line(system_account(Account.Kind.PAYOUTS_IN_TRANSIT, amount.currency), amount.amount, amount.currency),
        ], memo=f"payout ({method})")], by=by, source=Source.STAFF)
        return Payout.objects.create(
            account=account, worker=worker, amount=amount.amount, currency=amount.currency, method=method,
            clabe=clabe, to_beneficiary=to_beneficiary,
            payee_name=worker.beneficiary_name if to_beneficiary else worker.full_name,
            needs_approval=amount.amount > program.payout_approval_threshold, requested_by=by,
            expires_at=now + datetime.timedelta(days=program.payout_reservation_days),
            reservation_id=reservation.id)


def approve_payout(payout: Payout, *, by, now=None) -> Payout:
    with transaction.atomic():
        payout = _locked(payout, Status.RESERVED, "approve")
        if not may_approve(by, payout):
            raise PermissionDenied(_("A second member of the home state office or an administrator approves, "
                                     "never whoever asked."))
        if not payout.needs_approval or payout.approved_by_id is not None:
            raise DomainError(_("This payout needs no approval."))
        payout.approved_by, payout.approved_at = by, now or timezone.now()
        payout.save(update_fields=["approved_by", "approved_at", "updated_at"])
        return payout


def change_destination(payout: Payout, *, method: str, clabe: str = "", by) -> Payout:
    """A new destination withdraws an approval already given: the approver approved the old one."""
    with transaction.atomic():
        payout = _locked(payout, Status.RESERVED, "change the destination")
        _may_handle(by, payout)
        if method not in Method.values:
            raise DomainError(_("Choose how the money is paid."), field="method")
        payout.method, payout.clabe = method, validate_clabe(clabe) if method == Method.BANK else ""
        payout.approved_by, payout.approved_at = None, None
        payout.save(update_fields=["method", "clabe", "approved_by", "approved_at", "updated_at"])
        return payout


def pay_payout(payout: Payout, *, by, identity_document: str = "", receipt_number: str = "",
               bank_reference: str = "", now=None) -> Payout:
    """Pay a reservation (in transit → paid out). Cash needs the identity document checked at the
    counter; its receipt number is the payout's own unless the office's book gives one."""
    now = now or timezone.now()
    with transaction.atomic():
        payout = _locked(payout, Status.RESERVED, "pay")
        _may_handle(by, payout)
        if payout.expires_at <= now:
            raise DomainError(_("The reservation has expired; request the payout again."))
        if payout.needs_approval and payout.approved_by_id is None:
            raise DomainError(_("A second person must approve this payout before it is paid."))
        if payout.method == Method.CASH and not identity_document.strip():
            raise DomainError(_("Record the identity document checked."), field="identity_document")
        (settlement,) = post([Posting(LedgerTransaction.Kind.PAYOUT_POST, [
            Line(system_account(Account.Kind.PAYOUTS_IN_TRANSIT, payout.currency), -payout.amount, payout.currency),
            Line(system_account(Account.Kind.PAID_OUT, payout.currency), payout.amount, payout.currency),
        ], memo=f"payout {payout.public_id}")], by=by, source=Source.STAFF)
        payout.status, payout.settlement_id, payout.paid_by, payout.paid_at = Status.PAID, settlement.id, by, now
        if payout.method == Method.CASH:
            payout.identity_document = identity_document.strip()[:200]
            payout.receipt_number = receipt_number.strip()[:40] or f"R-{payout.public_id.hex[:12].upper()}"
        else:
            payout.bank_reference = bank_reference.strip()[:100]
        payout.save()
        return payout


def record_conversion(payout: Payout, *, received_currency: str, received_amount: Decimal, exchange_rate: Decimal,
                      by) -> Payout:
    """What the bank paid in pesos and at what rate, as the bank reported it: a fact on the
    payout; the ledger stays in the account's currency."""
    with transaction.atomic():
        payout = _locked(payout, Status.PAID, "record the conversion")
        _may_handle(by, payout)
        if payout.method != Method.BANK:
            raise DomainError(_("Only a bank payout has a conversion."))
        if not (received_amount > 0 and exchange_rate > 0):
            raise DomainError(_("The amount received and the rate must be above zero."), field="received_amount")
        payout.received_currency = (received_currency or "MXN").upper()
        payout.received_amount, payout.exchange_rate = received_amount, exchange_rate
        payout.save(update_fields=["received_currency", "received_amount", "exchange_rate", "updated_at"])
        return payout


def void_payout(payout: Payout, *, by, reason: str, now=None) -> Payout:
    with transaction.atomic():
        payout = _locked(payout, Status.RESERVED, "void")
        _may_handle(by, payout)
        if not reason.strip():
            raise DomainError(_("Say why the payout is voided."), field="reason")
        return _give_back(payout, Status.VOIDED, by=by, reason=reason, now=now or timezone.now())


def expire_payouts(*, now=None, batch_size: int = 500) -> int:
    """Give back the money of reservations past their deadline (nightly; run twice, the second
    run finds nothing). One transaction per batch, skipping payouts another run (or a desk paying
    or voiding one) holds. The batch's worker accounts are locked up front in id order, as every
    posting locks them: given back one by one in deadline order, a batch would take them out of
    order and deadlock with a payroll posting to two of the same workers."""
    now = now or timezone.now()
    expired = 0
    while True:
        with transaction.atomic():
            batch = list(Payout.objects.select_for_update(skip_locked=True)
                         .filter(status=Status.RESERVED, expires_at__lte=now).order_by("expires_at", "id")[:batch_size])
            lock_accounts(payout.account_id for payout in batch)
            for payout in batch:
                _give_back(payout, Status.EXPIRED, by=None, reason="", now=now)
        expired += len(batch)
        if len(batch) < batch_size:
            return expired


def fail_payout(payout: Payout, *, by, reason: str, now=None) -> Payout:
    """The bank sent a paid transfer back: the money is the worker's again (paid out →
    available) and the payout waits on the follow-up list."""
    with transaction.atomic():
        payout = _locked(payout, Status.PAID, "mark as failed")
        _may_handle(by, payout)
        if payout.method != Method.BANK:
            raise DomainError(_("Only a bank payout can fail at the bank."))
        if not reason.strip():
            raise DomainError(_("Say what the bank answered."), field="reason")
        return _give_back(payout, Status.FAILED, by=by, reason=reason, now=now or timezone.now())


def mark_followed_up(payout: Payout, *, by, now=None) -> Payout:
    with transaction.atomic():
        payout = _locked(payout, Status.FAILED, "mark as followed up")
        _may_handle(by, payout)
        payout.followed_up_at = now or timezone.now()
        payout.save(update_fields=["followed_up_at", "updated_at"])
        return payout


# --- helpers -----------------------------------------------------------------------------------
def _locked_account(worker: Worker, currency: str) -> Account | None:
    # The lock comes before the read of ``available``: the whole point (module docstring).
    return Account.objects.select_for_update().filter(kind=Account.Kind.WORKER, worker=worker,
                                                      currency=currency).first()


def _locked(payout: Payout, status: str, action: str) -> Payout:
    current = Payout.objects.select_for_update(of=("self",)).select_related("worker").get(pk=payout.pk)
    if current.status != status:
        raise InvalidTransition(current=current.status, action=action, allowed=[])
    return current


def _may_handle(user, payout: Payout) -> None:
    if not may_handle(user, payout):
        raise PermissionDenied(_("Only the worker's home state office or an administrator may do this."))


def _give_back(payout: Payout, status: str, *, by, reason: str, now) -> Payout:
    """Void, expiry (from in transit) or failure (from paid out): the money is available again."""
    source_kind = Account.Kind.PAID_OUT if status == Status.FAILED else Account.Kind.PAYOUTS_IN_TRANSIT
    kind = LedgerTransaction.Kind.PAYOUT_FAILURE if status == Status.FAILED else LedgerTransaction.Kind.PAYOUT_VOID
    (release,) = post([Posting(kind, [
        Line(system_account(source_kind, payout.currency), -payout.amount, payout.currency),
        Line(payout.account_id, payout.amount, payout.currency),
    ], memo=f"payout {payout.public_id}: {status}")], by=by, source=Source.SYSTEM if by is None else Source.STAFF)
    payout.status, payout.release_id, payout.closed_by, payout.closed_at = status, release.id, by, now
    payout.reason = reason.strip()[:500]
    payout.save()
    return payout

