"""Held money of an absconded contract, released by an administrator with the reason on record
(savings.models.HeldRelease). A later confirmed return releases it too, on its own
(savings.ledger.savings_release_on_return): this is for when no return will ever be confirmed,
e.g. the worker died (the money is then paid to the beneficiary on the worker's record)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, ContractStatus
from savings.ledger import Line, Posting, lock_accounts, post, transfer_chain
from savings.models import HeldRelease, LedgerTransaction, Source
from twp.exceptions import DomainError, InvalidTransition

Reason = HeldRelease.Reason


def release_held_money(contract: Contract, *, reason: str, explanation: str, by) -> HeldRelease:
    """Move everything held against ``contract`` and the contracts its transfer chain links to it
    (as a confirmed return would) to available, in one ledger transaction, and record why.
    Administrators only; the contract must be absconded and hold money; a death needs
    a beneficiary on the worker's record. Once per contract (the database's one-to-one)."""
    if not (by.is_authenticated and by.is_administrator):
        raise PermissionDenied(_("Only an administrator may release held money."))
    if reason not in Reason.values:
        raise DomainError(_("Choose the reason."), field="reason")
    if not explanation.strip():
        raise DomainError(_("Explain why the money is released."), field="explanation")
    with transaction.atomic():
        contract = Contract.objects.select_for_update(of=("self",)).select_related("worker").get(pk=contract.pk)
        if contract.status != ContractStatus.ABSCONDED or HeldRelease.objects.filter(contract=contract).exists():
            raise InvalidTransition(current=contract.status, action="release held money", allowed=[])
        worker = contract.worker
        if reason == Reason.DEATH and not worker.beneficiary_name.strip():
            raise DomainError(_("The worker's record names no beneficiary: record one first."), field="reason")
        chain = [link.pk for link in transfer_chain(contract)]
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT account_id FROM savings_entry WHERE contract_id = ANY(%s) AND held",
                           [chain])
            lock_accounts(row[0] for row in cursor.fetchall())
            cursor.execute("""
                SELECT account_id, contract_id, currency, sum(amount) FROM savings_entry
                WHERE contract_id = ANY(%s) AND held GROUP BY account_id, contract_id, currency
                HAVING sum(amount) <> 0 ORDER BY account_id, contract_id
            """, [chain])
            held = cursor.fetchall()
        if not held:
            raise DomainError(_("No money is held against this contract."))
        lines = []
        for account_id, contract_id, currency, amount in held:
            lines += [Line(account_id, -amount, currency, contract_id, held=True),
                      Line(account_id, amount, currency, contract_id, held=False)]
        (posting,) = post([Posting(LedgerTransaction.Kind.HELD_RELEASE, lines,
                                   memo=f"release of contract {contract.public_id}: {reason}")],
                          by=by, source=Source.STAFF)
        return HeldRelease.objects.create(
            contract=contract, account_id=held[0][0], reason=reason, explanation=explanation.strip(),
            beneficiary_name=worker.beneficiary_name.strip() if reason == Reason.DEATH else "",
            transaction_id=posting.id, by=by)
