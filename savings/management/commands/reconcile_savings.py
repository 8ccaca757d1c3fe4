"""``manage.py reconcile_savings``: prove that the savings ledger adds up (savings.reconciliation)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from savings.reconciliation import reconcile_savings

MILLISECOND = datetime.timedelta(milliseconds=1)


class Command(BaseCommand):
    help = (
        "Check that every worker account's stored balances equal the sums of its entries, that every "
        "transaction has entries summing to zero per currency, that entries are in their account's currency "
        "and that no contract's held money is below zero. Changes nothing. Exits with status 1 and lists what "
        "drifted (and alerts the administrators) when the ledger does not reconcile."
    )

    def handle(self, *args, verbosity, **options):
        run = reconcile_savings()
        counts = run.counts
        self.stdout.write(
            f"Checked {counts.get('accounts', 0):,} accounts ({counts.get('worker_accounts', 0):,} of workers), "
            f"{counts.get('transactions', 0):,} transactions, {counts.get('entries', 0):,} entries "
            f"in {(run.finished_at - run.started_at) // MILLISECOND:,} ms "
            f"(SQL {run.reading.sql_wall_nanoseconds // 1_000_000:,} ms on {run.reading.connections} connections, "
            f"{run.reading.sql_nanoseconds // 1_000_000:,} ms added up)."
        )
        if verbosity > 1:
            for name, nanoseconds in run.reading.queries:
                self.stdout.write(f"  {name:<16} {nanoseconds // 1_000_000:8,} ms")
        if run.is_clean:
            self.stdout.write(self.style.SUCCESS(f"The savings ledger reconciles (run {run.public_id})."))
            return
        for finding in run.findings:
            self.stdout.write(describe(finding))
        hidden = counts.get("findings", 0) - len(run.findings)
        if hidden > 0:
            self.stdout.write(f"... and {hidden:,} more findings (counted, not listed).")
        raise CommandError(
            f"The savings ledger does not reconcile: {counts.get('findings', 0):,} findings "
            f"(run {run.public_id}; the administrators were alerted). Nothing was changed."
        )


def describe(finding: dict) -> str:
    """One line per finding: what drifted, by public id, and by how much."""
    kind = finding["kind"]
    if kind == "balance":
        return (f"DRIFT balance   account {finding['account']} ({finding['currency']}): "
                f"available stored {finding['stored_available']} vs entries {finding['entries_available']} "
                f"(difference {finding['available_difference']}); "
                f"held stored {finding['stored_held']} vs entries {finding['entries_held']} "
                f"(difference {finding['held_difference']})")
    if kind == "currency":
        return (f"DRIFT currency  account {finding['account']} ({finding['currency']}): "
                f"{finding['entries']} entries in another currency")
    if kind == "held_on_system_account":
        return (f"DRIFT held      account {finding['account']} ({finding['account_kind']}): "
                f"{finding['entries']} held entries on an account that is not a worker's")
    if kind == "negative_held":
        return (f"DRIFT held      account {finding['account']} ({finding['currency']}): "
                f"contract {finding['contract']} holds {finding['held']}")
    if kind == "unbalanced_transaction":
        return (f"DRIFT unbalanced transaction {finding['transaction']} (id {finding['transaction_id']}): "
                f"entries sum to {finding['sum']} {finding['currency']}")
    if kind == "entries_without_account":
        return (f"DRIFT orphan    {finding['entries']} entries of account id {finding['account_id']}, which does "
                f"not exist (sum {finding['sum']})")
    if kind == "entries_without_transaction":
        return (f"DRIFT orphan    entries of transaction id {finding['transaction_id']}, which does not exist "
                f"(sum {finding['sum']} {finding['currency']})")
    if kind == "empty_transaction":
        return f"DRIFT empty     transaction {finding['transaction']} (id {finding['transaction_id']}) has no entries"
    return f"DRIFT {finding}"
