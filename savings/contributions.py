"""Employers' payroll deductions: posting one line or a whole payroll, and reversing a line.

A contribution credits the worker's account, held against its contract until the contract's
return is confirmed (``savings.ledger.savings_release_on_return``); the other side is the program's
"employer remittances in transit" account. A contract has at most one live contribution per pay
period (an exclusion constraint); a correction is a reversal plus a new posting.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, ContractStatus
from savings import ledger
from savings.ledger import Line, Posting
from savings.models import Account, Contribution, LedgerTransaction
from savings.money import Money, minor_unit
from twp.exceptions import Conflict, DomainError
from twp.models import Program, Role

# A payroll posted at once (DESIGN.md, #11): larger ones are split by the employer.
MAX_LINES = 5000
# The longest pay period (monthly payrolls).
MAX_PERIOD_DAYS = 31
# Payroll deductions are taken from contracts whose work has begun.
POSTABLE = (ContractStatus.ACTIVE, ContractStatus.ENDED, ContractStatus.TERMINATED_EARLY, ContractStatus.TRANSFERRED,
            ContractStatus.ABSCONDED, ContractStatus.RETURNED)
FIELDS = ("contract", "period_start", "period_end", "gross_pay", "amount", "currency")


class LineErrors(DomainError):
    """Some lines of a payroll were refused: ``errors`` maps each line's index (from 0) to its
    fields' messages. Nothing was posted."""

    default_message = _("Some lines were refused; nothing was posted.")

    def __init__(self, errors: dict[int, dict[str, list[str]]]):
        self.errors = errors
        super().__init__()


@dataclass
class _Checked:
    contract: Contract
    period_start: datetime.date
    period_end: datetime.date
    gross_pay: Money
    amount: Money
    expected: Money
    rate: Decimal


def contributions_post(*, by, lines: Sequence[Mapping], source: str, reference: str = "") -> list[Contribution]:
    """Post a payroll: every line or none. Each line names a contract (its public id, or the
    ``Contract``), the pay period (``period_start``, ``period_end``), the gross pay and the
    deduction (decimal strings in the contract's currency; ``currency`` may be given and must
    match). ``by`` is an employer user (or its integration client) posting for its own contracts.

    Refuses with ``LineErrors`` (per line: the contract is not one of the employer's or has not
    begun, the period lies outside the contract, is longer than a month, overlaps another line
    or a live contribution; amounts with too many decimals, not positive, a deduction above the
    pay). A deduction that differs from rate × pay by more than one minor unit is posted and
    flagged for staff."""
    if not lines:
        raise DomainError(_("The payroll has no lines."), field="lines")
    if len(lines) > MAX_LINES:
        raise DomainError(_("A payroll has at most %(count)d lines; split it.") % {"count": MAX_LINES}, field="lines")
    employer_id = _employer_id(by)
    with transaction.atomic():
        checked, errors = _check(lines, employer_id)
        if errors:
            raise LineErrors(errors)
        try:
            with transaction.atomic():
                return _post(checked, by=by, employer_id=employer_id, source=source, reference=reference)
        except IntegrityError as error:
            if "savings_one_live_contribution_per_period" in str(error):
                # Another payroll of the same periods committed between the check and the insert.
                raise Conflict(_("A contribution for one of these pay periods was posted meanwhile. "
                                 "Reload and check before posting again.")) from error
            raise


def contribution_post(*, by, line: Mapping, source: str, reference: str = "") -> Contribution:
    """Post one payroll line (``contributions_post`` with one line; its errors by field)."""
    try:
        (contribution,) = contributions_post(by=by, lines=[line], source=source, reference=reference)
    except LineErrors as refused:
        field, messages = next(iter(refused.errors[0].items()))
        raise DomainError(messages[0], field=field) from refused
    return contribution


def contribution_reverse(*, contribution: Contribution, by, reason: str, source: str,
                         reference: str = "") -> Contribution:
    """Reverse a live contribution: a transaction taking the amount back from where the money is
    now (held, or available once released), the contribution marked ``reversed``. The employer
    that posted it, staff who see its contract, or an administrator. Refused when the money was
    paid out meanwhile (not enough available)."""
    if not reason.strip():
        raise DomainError(_("Say why the contribution is reversed."), field="reason")
    with transaction.atomic():
        current = (Contribution.objects.visible_to(by).select_for_update(of=("self",))
                   .select_related("contract", "transaction").get(pk=contribution.pk))
        if by.viewing_role == Role.EMPLOYER and current.employer_id != _employer_id(by):
            raise Contribution.DoesNotExist
        if current.status != Contribution.Status.POSTED:
            raise Conflict(_("This contribution is already reversed."))
        worker_line = current.transaction.entries.get(account__kind=Account.Kind.WORKER)
        system_line = current.transaction.entries.exclude(pk=worker_line.pk).get()
        held = not ledger.is_released(current.contract)
        (posting,) = ledger.post([Posting(LedgerTransaction.Kind.REVERSAL, [
            Line(worker_line.account_id, -current.amount, current.currency, current.contract_id, held=held),
            Line(system_line.account_id, current.amount, current.currency, current.contract_id),
        ], memo=reason.strip()[:300], reverses_id=current.transaction_id)], by=by, source=source,
                                   reference=reference)
        Contribution.objects.filter(pk=current.pk).update(status=Contribution.Status.REVERSED, reversal_id=posting.id)
        current.refresh_from_db()
        return current


def _employer_id(by) -> int:
    from employers.models import employer_of

    employer = employer_of(by) if by.viewing_role == Role.EMPLOYER else None
    if employer is None:
        raise DomainError(_("Only an employer posts payroll deductions, for its own contracts."))
    return employer.pk


def _check(lines: Sequence[Mapping], employer_id: int) -> tuple[list[_Checked], dict[int, dict[str, list[str]]]]:
    """Every line's refusal (all of them, so an employer fixes a payroll in one go), with two
    queries: the lines' contracts and their live contributions over the payroll's periods."""
    errors: dict[int, dict[str, list[str]]] = defaultdict(dict)
    wanted = set()
    for index, line in enumerate(lines):
        if not isinstance(line, Mapping):
            errors[index]["line"] = [str(_("Each line is an object with the fields %(fields)s.")
                                         % {"fields": ", ".join(FIELDS)})]
            continue
        reference = line.get("contract")
        wanted.add(reference.pk if isinstance(reference, Contract) else str(reference))
    contracts = _contracts(wanted, employer_id)
    checked: list[_Checked | None] = []
    for index, line in enumerate(lines):
        if index in errors:
            checked.append(None)
            continue
        try:
            checked.append(_check_line(line, contracts))
        except _Refused as refused:
            errors[index] = refused.errors
            checked.append(None)
    _check_periods(checked, errors)
    return [item for item in checked if item is not None], dict(errors)


class _Refused(Exception):
    def __init__(self, errors):
        self.errors = errors


def _contracts(wanted: set, employer_id: int) -> dict:
    """The employer's contracts among ``wanted`` (public ids or primary keys), by both keys: any
    other contract is unknown here, whether it exists or not. Their programs are read once each
    (a payroll's thousands of contracts share one or two), not joined onto every contract."""
    public_ids = [value for value in wanted if isinstance(value, str) and _is_uuid(value)]
    pks = [value for value in wanted if isinstance(value, int)]
    found = list(Contract.objects.filter(Q(public_id__in=public_ids) | Q(pk__in=pks),
                                         request__employer_id=employer_id))
    programs = Program.objects.in_bulk({contract.program_id for contract in found})
    for contract in found:
        contract.program = programs[contract.program_id]
    return {key: contract for contract in found for key in (str(contract.public_id), contract.pk)}


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _check_line(line: Mapping, contracts: dict) -> _Checked:
    errors: dict[str, list[str]] = {}
    reference = line.get("contract")
    contract = contracts.get(reference.pk if isinstance(reference, Contract) else str(reference))
    if contract is None:
        errors["contract"] = [str(_("No contract of yours has this id."))]
        raise _Refused(errors)
    if contract.status not in POSTABLE:
        errors["contract"] = [str(_("This contract has not begun: deductions start once the worker is at work."))]
    dates = {}
    for name in ("period_start", "period_end"):
        value = line.get(name)
        day = value if isinstance(value, datetime.date) else _parse_date(value)
        if day is None:
            errors[name] = [str(_("Enter a date as YYYY-MM-DD."))]
        dates[name] = day
    start, end = dates["period_start"], dates["period_end"]
    if start and end:
        if end < start:
            errors["period_end"] = [str(_("The pay period ends before it starts."))]
        elif (end - start).days + 1 > MAX_PERIOD_DAYS:
            errors["period_end"] = [str(_("A pay period is at most %(days)d days.") % {"days": MAX_PERIOD_DAYS})]
        elif start < contract.start_date or end > contract.last_day:
            errors["period_start"] = [str(_("The pay period must lie within the contract (%(start)s to %(end)s).")
                                          % {"start": contract.start_date, "end": contract.last_day})]
    currency = contract.wage_currency
    given = line.get("currency")
    if given not in (None, "") and given != currency:
        errors["currency"] = [str(_("This contract is paid in %(currency)s.") % {"currency": currency})]
    amounts = {}
    for name in ("gross_pay", "amount"):
        try:
            amounts[name] = Money.parse(line.get(name) if line.get(name) is not None else "", currency, field=name)
        except DomainError as refused:
            errors[name] = [str(refused.message)]
    if not errors and amounts["amount"].amount > amounts["gross_pay"].amount:
        errors["amount"] = [str(_("The deduction cannot exceed the gross pay."))]
    if errors:
        raise _Refused(errors)
    rate = contract.savings_rate_in_force
    return _Checked(contract, start, end, amounts["gross_pay"], amounts["amount"], amounts["gross_pay"].percent(rate),
                    rate)


def _parse_date(value) -> datetime.date | None:
    try:
        return parse_date(value) if isinstance(value, str) else None
    except ValueError:  # well formed but impossible, e.g. month 13
        return None


# The lines (by their index) whose period overlaps a live contribution of their contract: one
# probe per line of the exclusion constraint's index, only the overlaps come back.
OVERLAPPING_LIVE_SQL = """
SELECT line.n FROM unnest(%s::bigint[], %s::date[], %s::date[], %s::int[]) AS line (contract_id, start, last, n)
WHERE EXISTS (SELECT 1 FROM savings_contribution c
              WHERE c.contract_id = line.contract_id AND c.status = 'posted'
                AND daterange(c.period_start, c.period_end, '[]') && daterange(line.start, line.last, '[]'))
"""


def _check_periods(checked: list[_Checked | None], errors: dict) -> None:
    """A contract's pay periods may not overlap within the payroll nor a live contribution."""
    by_contract: dict[int, list[tuple[int, _Checked]]] = defaultdict(list)
    for index, item in enumerate(checked):
        if item is not None:
            by_contract[item.contract.pk].append((index, item))
    if not by_contract:
        return
    lines = [(index, item) for items in by_contract.values() for index, item in items]
    with connection.cursor() as cursor:
        cursor.execute(OVERLAPPING_LIVE_SQL, [[item.contract.pk for _index, item in lines],
                                              [item.period_start for _index, item in lines],
                                              [item.period_end for _index, item in lines],
                                              [index for index, _item in lines]])
        overlapping_live = {row[0] for row in cursor.fetchall()}
    message = str(_("This contract already has a contribution for this pay period."))
    for items in by_contract.values():
        taken = []  # this payroll's periods of the contract, accepted so far
        for index, item in sorted(items, key=lambda pair: pair[1].period_start):
            if index in overlapping_live or any(item.period_start <= end and start <= item.period_end
                                                for start, end in taken):
                errors[index] = {"period_start": [message]}
                checked[index] = None
            else:
                taken.append((item.period_start, item.period_end))


def _post(checked: list[_Checked], *, by, employer_id: int, source: str, reference: str) -> list[Contribution]:
    accounts = ledger.worker_accounts((item.contract.worker_id, item.amount.currency) for item in checked)
    remittances = {currency: ledger.system_account(Account.Kind.REMITTANCES_IN_TRANSIT, currency)
                   for currency in {item.amount.currency for item in checked}}
    released = _released({item.contract.pk: item.contract for item in checked})
    postings = []
    for item in checked:
        money = item.amount
        postings.append(Posting(LedgerTransaction.Kind.CONTRIBUTION, [
            Line(accounts[item.contract.worker_id, money.currency], money.amount, money.currency, item.contract.pk,
                 held=item.contract.pk not in released),
            Line(remittances[money.currency], -money.amount, money.currency, item.contract.pk),
        ], memo=f"{item.period_start}/{item.period_end}"))
    ledger.post(postings, by=by, source=source, reference=reference)
    tolerance = {currency: Decimal(1).scaleb(-minor_unit(currency)) for currency in remittances}
    contributions = [
        Contribution(contract=item.contract, employer_id=employer_id, period_start=item.period_start,
                     period_end=item.period_end, gross_pay=item.gross_pay.amount, amount=item.amount.amount,
                     currency=item.amount.currency, savings_rate=item.rate, expected_amount=item.expected.amount,
                     is_flagged=abs(item.amount.amount - item.expected.amount) > tolerance[item.amount.currency],
                     transaction_id=posting.id)
        for item, posting in zip(checked, postings, strict=True)]
    _insert(contributions)
    return contributions


def _insert(contributions: list[Contribution]) -> None:
    """Write the contributions with one ``INSERT … SELECT FROM unnest`` (G12: the ORM's
    ``bulk_create`` spent longer building its 75,000 parameters than PostgreSQL writing the rows)
    and mark the instances saved, as ``bulk_create`` would."""
    posted_at = timezone.now()
    columns = [[getattr(contribution, name) for contribution in contributions] for name in _INSERTED]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, [posted_at, *columns])
        for contribution, (pk,) in zip(contributions, cursor.fetchall(), strict=True):
            contribution.pk, contribution.created_at = pk, posted_at
            contribution._state.adding, contribution._state.db = False, connection.alias


_INSERTED = ("public_id", "contract_id", "employer_id", "period_start", "period_end", "gross_pay", "amount", "currency",
             "savings_rate", "expected_amount", "is_flagged", "status", "transaction_id")
_INSERT_SQL = """
INSERT INTO savings_contribution (public_id, contract_id, employer_id, period_start, period_end, gross_pay, amount,
                                  currency, savings_rate, expected_amount, is_flagged, status, transaction_id,
                                  created_at)
SELECT c.public_id, c.contract_id, c.employer_id, c.period_start, c.period_end, c.gross_pay, c.amount, c.currency,
       c.savings_rate, c.expected_amount, c.is_flagged, c.status, c.transaction_id, %s
FROM unnest(%s::uuid[], %s::bigint[], %s::bigint[], %s::date[], %s::date[], %s::numeric[], %s::numeric[],
            %s::varchar[], %s::numeric[], %s::numeric[], %s::boolean[], %s::varchar[], %s::bigint[])
     WITH ORDINALITY AS c (public_id, contract_id, employer_id, period_start, period_end, gross_pay, amount, currency,
                           savings_rate, expected_amount, is_flagged, status, transaction_id, n)
ORDER BY c.n
RETURNING id
"""


def _released(contracts: dict[int, Contract]) -> set[int]:
    """The contracts among ``contracts`` whose money is already available (a late payroll after
    the confirmed return, or after an administrator's release): returned ones, absconded ones
    released, and transferred ones whose chain ended so (ledger.is_released)."""
    released = set()
    for pk, contract in contracts.items():
        if contract.status == ContractStatus.RETURNED or (
                contract.status in (ContractStatus.TRANSFERRED, ContractStatus.ABSCONDED)
                and ledger.is_released(contract)):
            released.add(pk)
    return released
