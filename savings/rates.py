"""A contract's savings rate: the share of gross pay the worker chose to save, within the
program's bounds (``Program.savings_rate_min`` to ``savings_rate_max``). Until the worker chooses,
the program's default is in force (``Contract.savings_rate_in_force``); employers deduct at the
rate in force and a deduction that differs is flagged for staff (``savings.contributions``)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, ContractStatus
from twp.exceptions import Conflict, DomainError, StaleVersion
from twp.models import User

# The rate applies to deductions still to come: it is chosen before or during the work.
RATE_SETTABLE = (ContractStatus.PROPOSED, ContractStatus.SIGNED, ContractStatus.DEPARTED, ContractStatus.ACTIVE)
RATE_DECIMALS = 2


def may_set_savings_rate(user: User, contract: Contract) -> bool:
    """Office staff and administrators record the worker's choice (the worker tells the office,
    never the employer); which contracts they reach is ``Contract.objects.visible_to``."""
    return user.is_program_staff


def contract_set_savings_rate(*, contract: Contract, rate: Decimal, by: User, version: int | None = None) -> Contract:
    """Record the worker's savings rate (percent of gross pay) on ``contract``.

    Staff who see the contract, or an administrator (else ``PermissionDenied``); ``version``,
    when given, must be the contract's current one (else ``StaleVersion``, 409); the contract must
    not be over (``Conflict``); the rate has at most two decimals and lies within the program's
    bounds (``DomainError`` on ``savings_rate``). Bumps the contract's version; the audit trail
    records the change. Contributions already posted keep the rate they were checked against."""
    with transaction.atomic():
        current = (Contract.objects.select_for_update(of=("self",)).select_related("program")
                   .get(pk=contract.pk))
        if not may_set_savings_rate(by, current):
            raise PermissionDenied
        if version is not None and version != current.version:
            raise StaleVersion
        if current.status not in RATE_SETTABLE:
            raise Conflict(_("The savings rate is chosen before or during the work; this contract is over."))
        program = current.program
        if not isinstance(rate, Decimal) or not rate.is_finite() or -rate.as_tuple().exponent > RATE_DECIMALS:
            raise DomainError(_("Give the rate as a percentage with at most two decimals, e.g. “12.50”."),
                              field="savings_rate")
        if not program.savings_rate_min <= rate <= program.savings_rate_max:
            raise DomainError(_("The program's savings rate is between %(lowest)s %% and %(highest)s %%.")
                              % {"lowest": program.savings_rate_min, "highest": program.savings_rate_max},
                              field="savings_rate")
        Contract.objects.filter(pk=current.pk).update(savings_rate=rate, version=F("version") + 1,
                                                      updated_at=timezone.now())
        current.refresh_from_db(fields=["savings_rate", "version", "updated_at"])
        return current
