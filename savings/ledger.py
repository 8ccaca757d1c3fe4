"""Posting to the savings ledger: the one way money moves (savings/models.py for the rules the
database enforces underneath).

Every function here runs inside the caller's ``transaction.atomic()`` (or opens one), locks the
worker accounts it touches in id order (two postings never deadlock, and a balance read under the
lock cannot be overtaken) and writes set-based: one INSERT for many transactions and one for their
entries, because a payroll of 5,000 lines posts 5,000 transactions (G12 in PERFORMANCE.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, ContractStatus
from savings.models import Account, LedgerTransaction, Source
from twp.exceptions import DomainError


@dataclass(frozen=True, slots=True)
class Line:
    """One entry to write: ``amount`` is signed (+ adds to what the program owes the worker)."""

    account_id: int
    amount: Decimal
    currency: str
    contract_id: int | None = None
    held: bool = False


@dataclass(slots=True)
class Posting:
    """One ledger transaction to write: its kind, its lines (summing to zero per currency)."""

    kind: str
    lines: list[Line]
    memo: str = ""
    reverses_id: int | None = None
    id: int | None = field(default=None)  # set once written


def worker_accounts(pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """The account ids of (worker id, currency) pairs, opening the missing ones (two postings
    opening one account at once both get the same row: ``ON CONFLICT DO NOTHING``). One query
    when every account exists (a payroll's usual case), three otherwise."""
    pairs = sorted(set(pairs))
    if not pairs:
        return {}
    found = _worker_accounts(pairs)
    missing = [pair for pair in pairs if pair not in found]
    if missing:
        with connection.cursor() as cursor:
            cursor.execute("""
                INSERT INTO savings_account (public_id, created_at, updated_at, kind, worker_id, currency, available,
                                             held)
                SELECT gen_random_uuid(), now(), now(), 'worker', p.worker_id, p.currency, 0, 0
                FROM unnest(%s::bigint[], %s::varchar[]) AS p(worker_id, currency)
                ON CONFLICT (worker_id, currency) WHERE kind = 'worker' DO NOTHING
            """, [[pair[0] for pair in missing], [pair[1] for pair in missing]])
        found.update(_worker_accounts(missing))
    return found


def _worker_accounts(pairs: list[tuple[int, str]]) -> dict[tuple[int, str], int]:
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT a.worker_id, a.currency, a.id FROM savings_account a
            JOIN unnest(%s::bigint[], %s::varchar[]) AS p(worker_id, currency)
              ON a.worker_id = p.worker_id AND a.currency = p.currency AND a.kind = 'worker'
        """, [[pair[0] for pair in pairs], [pair[1] for pair in pairs]])
        return {(worker_id, currency): pk for worker_id, currency, pk in cursor.fetchall()}


def system_account(kind: str, currency: str) -> int:
    """The id of the program's system account ``kind`` in ``currency`` (opened on first use)."""
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO savings_account (public_id, created_at, updated_at, kind, worker_id, currency, available, held)
            VALUES (gen_random_uuid(), now(), now(), %s, NULL, %s, 0, 0)
            ON CONFLICT (kind, currency) WHERE kind <> 'worker' DO NOTHING
        """, [kind, currency])
    return Account.objects.values_list("pk", flat=True).get(kind=kind, currency=currency)


def lock_accounts(account_ids: Iterable[int]) -> None:
    """Lock worker accounts in id order (system accounts are never locked: their balance is not
    stored, so postings do not queue on them)."""
    ids = sorted(set(account_ids))
    if ids:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM savings_account WHERE id = ANY(%s) AND kind = 'worker' ORDER BY id "
                           "FOR UPDATE", [ids])


def post(postings: Sequence[Posting], *, by, source: str, reference: str = "") -> list[Posting]:
    """Write ``postings`` (each a balanced transaction) with their actor and source; sets each
    posting's ``id``. Locks the worker accounts first. An overdraft of a worker account raises
    ``DomainError`` (the account's CHECK refused it); nothing is written then."""
    if not postings:
        return []
    for posting in postings:
        _check_balanced(posting)
    assert source in Source.values
    with transaction.atomic():
        lock_accounts(line.account_id for posting in postings for line in posting.lines)
        with connection.cursor() as cursor:
            # The balance checks run at commit, after the entries: a caller that made the
            # transaction's constraints immediate (the bulk data generators do) would otherwise
            # check a transaction before its entries are in. Every deferrable constraint goes back
            # to its default (deferred) for the rest of the transaction.
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("""
                INSERT INTO savings_transaction (public_id, kind, reverses_id, by_id, source, reference, memo,
                                                 created_at)
                SELECT gen_random_uuid(), t.kind, t.reverses_id, %s, %s, %s, t.memo, now()
                FROM unnest(%s::varchar[], %s::bigint[], %s::varchar[]) WITH ORDINALITY AS t(kind, reverses_id, memo, n)
                ORDER BY t.n
                RETURNING id
            """, [by.pk if by is not None else None, source, reference[:200],
                  [posting.kind for posting in postings], [posting.reverses_id for posting in postings],
                  [posting.memo[:300] for posting in postings]])
            for posting, (pk,) in zip(postings, cursor.fetchall(), strict=True):
                posting.id = pk
            columns = ([], [], [], [], [], [])
            for posting in postings:
                for line in posting.lines:
                    for column, value in zip(columns, (posting.id, line.account_id, line.contract_id, line.held,
                                                       line.amount, line.currency), strict=True):
                        column.append(value)
            try:
                with transaction.atomic():
                    cursor.execute("""
                        INSERT INTO savings_entry (transaction_id, account_id, contract_id, held, amount, currency,
                                                   created_at)
                        SELECT e.transaction_id, e.account_id, e.contract_id, e.held, e.amount, e.currency, now()
                        FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::boolean[], %s::numeric[],
                                    %s::varchar[]) WITH ORDINALITY AS e(transaction_id, account_id, contract_id, held,
                                                                        amount, currency, n)
                        ORDER BY e.n
                    """, list(columns))
            except IntegrityError as error:  # only the overdraft CHECK is translated
                if "savings_worker_balances_not_negative" in str(error):
                    raise DomainError(_("There is not enough money in the account for this."),
                                      field="amount") from error
                raise
    return list(postings)


def _check_balanced(posting: Posting) -> None:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in posting.lines:
        if line.amount == 0:
            raise ValueError("a ledger line moves money")
        totals[line.currency] += line.amount
    if len(posting.lines) < 2 or any(totals.values()):
        raise ValueError(f"unbalanced posting: {dict(totals)}")  # a bug in the caller, never user input


# --- release on a confirmed return --------------------------------------------------------------
def transfer_chain(contract: Contract) -> list[Contract]:
    """The contracts a transfer chain links to ``contract`` (those it continues and those that
    continue it), first to last."""
    chain = [contract]
    while chain[0].transferred_from_id:
        chain.insert(0, Contract.objects.get(pk=chain[0].transferred_from_id))
    while (successor := Contract.objects.filter(transferred_from=chain[-1]).first()) is not None:
        chain.append(successor)
    return chain


def is_released(contract: Contract) -> bool:
    """Whether money of ``contract`` is available: its chain's last contract's return is
    confirmed, or an administrator released the money of that absconded contract
    (savings.releases). A contribution posted later (a late payroll) goes straight to available,
    and a reversal takes it back from there."""
    from savings.models import HeldRelease

    last = transfer_chain(contract)[-1]
    return last.status == ContractStatus.RETURNED or (
        last.status == ContractStatus.ABSCONDED and HeldRelease.objects.filter(contract=last).exists())


def savings_release_on_return(*, contract: Contract, by) -> LedgerTransaction | None:
    """Move the money held against ``contract``'s transfer chain to available, in one ledger
    transaction, once its last contract's return is confirmed (called in the confirmation's
    transaction). Money of an absconded contract stays held; a return of a contract that a
    transfer continued releases nothing yet. Returns the transaction, or ``None`` if nothing was
    held."""
    chain = transfer_chain(contract)
    if chain[-1].pk != contract.pk or contract.status != ContractStatus.RETURNED:
        return None
    with transaction.atomic():
        ids = [link.pk for link in chain]
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT account_id FROM savings_entry WHERE contract_id = ANY(%s) AND held",
                           [ids])
            lock_accounts(row[0] for row in cursor.fetchall())
            cursor.execute("""
                SELECT account_id, contract_id, currency, sum(amount) FROM savings_entry
                WHERE contract_id = ANY(%s) AND held GROUP BY account_id, contract_id, currency
                HAVING sum(amount) <> 0 ORDER BY account_id, contract_id
            """, [ids])
            held = cursor.fetchall()
        if not held:
            return None
        lines = []
        for account_id, contract_id, currency, amount in held:
            lines += [Line(account_id, -amount, currency, contract_id, held=True),
                      Line(account_id, amount, currency, contract_id, held=False)]
        (posting,) = post([Posting(LedgerTransaction.Kind.RELEASE, lines,
                                   memo=f"return of contract {contract.public_id}")],
                          by=by, source=Source.SYSTEM, reference="confirm-return")
        return LedgerTransaction.objects.get(pk=posting.id)
