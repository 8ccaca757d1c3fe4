"""Workers with savings to pay out: a Tlaxcala worker home from a returned contract, with money
available (posted straight to the ledger: how it got there is the contributions' tests' business)."""

from decimal import Decimal

from contracts.models import ContractStatus
from savings.ledger import Line, Posting, post, system_account, worker_accounts
from savings.models import Account, LedgerTransaction, Source
from tests.factories import UserFactory
from tests.savings.conftest import contract_of
from twp.models import Role


def saved(program, employer, worksite, *, available="100.00", status=ContractStatus.RETURNED, worker=None,
          held=False):
    """A worker (Tlaxcala) whose last contract is ``status``, with ``available`` in the program's
    currency (held against the contract instead with ``held=True``); returns the account."""
    contract = contract_of(program, employer, worksite, status=status, ended_days_ago=10, worker=worker)
    currency = program.currency
    account_id = worker_accounts([(contract.worker_id, currency)])[(contract.worker_id, currency)]
    amount = Decimal(available)
    post([Posting(LedgerTransaction.Kind.CONTRIBUTION, [
        Line(account_id, amount, currency, contract.pk, held=held),
        Line(system_account(Account.Kind.REMITTANCES_IN_TRANSIT, currency), -amount, currency),
    ])], by=None, source=Source.SYSTEM)
    return Account.objects.select_related("worker").get(pk=account_id)


def second_staff(office, username="staff.tlaxcala.2"):
    return UserFactory(username=username, office=office, role=Role.STAFF)
