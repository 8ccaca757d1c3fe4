"""Return tracking: every worker whose contract ended is expected home by a due date, and staff
confirm the return (DESIGN.md, Expected return).

:func:`expected_return_open` is called by ``contracts.life`` in the transaction of ``end`` and
``terminate`` (a transfer's successor opens its own when it ends). :func:`contract_confirm_return`
is the one entry point of a confirmation: it takes the ``confirm-return`` action of
``contracts.life`` (ended, terminated early or absconded → returned), whose condition and
record are :func:`confirmation_check` and :func:`expected_return_confirm` below."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import NamedTuple

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, ContractStatus, ExpectedReturn
from twp.exceptions import Conflict, DomainError, InvalidTransition
from twp.models import User

CONFIRM_RETURN = "confirm-return"

# What a confirmed return sets off in apps above this one (savings: the held money becomes
# available), each called as ``handler(contract=…, by=…)`` inside the confirmation's transaction,
# so the return and its consequences commit together or not at all.
RETURN_CONFIRMED_HANDLERS: list[Callable[..., object]] = []


def due_on(contract: Contract) -> datetime.date:
    """The day the worker must be home by: the contract's effective end plus the program's grace."""
    return (contract.effective_end or contract.end_date) + datetime.timedelta(days=contract.program.return_grace_days)


def expected_return_open(contract: Contract) -> ExpectedReturn:
    """The contract's expected return, opened once (again: the one already there)."""
    expected, _created = ExpectedReturn.objects.get_or_create(contract=contract, defaults={"due_on": due_on(contract)})
    return expected


class Confirmation(NamedTuple):
    expected_return: ExpectedReturn
    is_new: bool  # False: the return was already confirmed, and nothing changed


def contract_confirm_return(*, contract: Contract, by: User, seen_home_on: datetime.date | None, place: str,
                            identity_document: str, version: int | None = None, note: str = "") -> Confirmation:
    """Confirm that the worker of ``contract`` is home (staff who see the contract).

    Records the day the worker was seen home (not after today in the program's time zone, not
    before the contract's start), the place, the identity document checked, who and when; opens
    the expected return first when there is none (an absconded contract). The contract becomes
    ``returned`` with ``returned_on_time`` = seen home by the due date (status change and timeline
    line), and the worker ``returned`` unless another contract of theirs is still under way.

    Confirming a confirmed return again answers the existing record and changes nothing (a
    retried request, two staff at two desks): no version check then, since the first confirmation
    moved it. Raises ``PermissionDenied``, ``StaleVersion``, ``InvalidTransition`` (409) or a
    ``DomainError`` naming the field; nothing is written then."""
    from contracts.life import ACTIONS, allowed_actions, contract_act  # life opens returns through this module

    with transaction.atomic():
        # The contract's row lock orders two confirmations of the same return: the second one
        # reads the first one's result below.
        current = (Contract.objects.select_for_update(of=("self",))
                   .select_related("request__employer", "program").get(pk=contract.pk))
        if current.status == ContractStatus.RETURNED:
            if not ACTIONS[CONFIRM_RETURN].may(by, current):
                raise PermissionDenied
            confirmed = ExpectedReturn.objects.filter(contract=current, confirmed_at__isnull=False).first()
            if confirmed is None:  # returned before returns were confirmed here (imported history)
                raise InvalidTransition(current=current.status, action=CONFIRM_RETURN,
                                        allowed=allowed_actions(current, by))
            return Confirmation(confirmed, is_new=False)
        contract_act(contract=current, action=CONFIRM_RETURN, by=by, version=version, seen_home_on=seen_home_on,
                     place=place, identity_document=identity_document, note=note)
        return Confirmation(ExpectedReturn.objects.get(contract=current), is_new=True)


def confirmation_check(contract: Contract, *, seen_home_on: datetime.date | None, place: str,
                       identity_document: str) -> dict:
    """The condition of ``confirm-return`` (``contracts.life``): the contract's fields it sets."""
    if seen_home_on is None:
        raise DomainError(_("Enter the day the worker was seen home."), field="seen_home_on")
    if seen_home_on > contract.program.today():
        raise DomainError(_("The day the worker was seen home cannot be in the future."), field="seen_home_on")
    if seen_home_on < contract.start_date:
        raise DomainError(_("The worker cannot be seen home before the contract started (%(start)s).")
                          % {"start": contract.start_date.isoformat()}, field="seen_home_on")
    if place not in ExpectedReturn.Place.values:
        raise DomainError(_("Choose where the worker was seen from the list."), field="place")
    if identity_document not in ExpectedReturn.IdentityDocument.values:
        raise DomainError(_("Choose the identity document checked from the list."), field="identity_document")
    # An absconded contract has no expected return yet: its due date counts from the last day
    # the worker was seen at work (the contract's effective end), as for the others.
    expected = expected_return_open(contract)
    return {"returned_on_time": seen_home_on <= expected.due_on}


def expected_return_confirm(contract: Contract, *, by: User, seen_home_on: datetime.date, place: str,
                            identity_document: str) -> ExpectedReturn:
    """Record the confirmation on the contract's expected return, in ``confirm-return``'s
    transaction (the contract row is locked; the condition opened the record)."""
    updated = ExpectedReturn.objects.filter(contract=contract, confirmed_at__isnull=True).update(
        seen_home_on=seen_home_on, place=place, identity_document=identity_document, confirmed_by=by,
        confirmed_at=timezone.now(), updated_at=timezone.now())
    if updated != 1:  # confirmed without the contract returned: only a hand-edited database gets here
        raise Conflict(_("This return is already confirmed."))
    for handler in RETURN_CONFIRMED_HANDLERS:
        handler(contract=contract, by=by)
    return ExpectedReturn.objects.get(contract=contract)
