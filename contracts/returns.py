"""Return tracking: every worker whose contract ended is expected home by a due date, and staff
confirm the return (DESIGN.md, Expected return).

:func:`expected_return_open` is called by ``contracts.life`` in the transaction of ``end`` and
``terminate`` (a transfer's successor opens its own when it ends)."""

from __future__ import annotations

import datetime

from contracts.models import Contract, ExpectedReturn


def due_on(contract: Contract) -> datetime.date:
    """The day the worker must be home by: the contract's effective end plus the program's grace."""
    return (contract.effective_end or contract.end_date) + datetime.timedelta(days=contract.program.return_grace_days)


def expected_return_open(contract: Contract) -> ExpectedReturn:
    """The contract's expected return, opened once (again: the one already there)."""
    expected, _created = ExpectedReturn.objects.get_or_create(contract=contract, defaults={"due_on": due_on(contract)})
    return expected
