"""Background work of savings."""

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def reconcile_savings_task() -> dict:
    """The nightly proof that the ledger adds up (``savings.reconciliation.reconcile_savings``).
    Read-only on the ledger; a rerun records another run (and alerts again if it still drifts)."""
    from savings.reconciliation import reconcile_savings

    run = reconcile_savings()
    return {"run": str(run.public_id), "is_clean": run.is_clean, "findings": run.counts.get("findings", 0)}


def _day(as_of: str | None):
    import datetime

    return datetime.date.fromisoformat(as_of) if as_of else None


# Sweeps like the contracts' nightly jobs (contracts.tasks): held until done, given back to the
# queue if the worker process dies, and a rerun finishes what a killed run left, once.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def expire_payouts_task(as_of: str | None = None) -> dict:
    """Give back the money of payout reservations past their deadline (``savings.payouts``);
    ``as_of``: an ISO date-time (default now)."""
    import datetime

    from savings.payouts import expire_payouts

    now = datetime.datetime.fromisoformat(as_of) if as_of else None
    return {"expired": expire_payouts(now=now)}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def remind_unclaimed_savings_task(as_of: str | None = None) -> dict:
    """Remind workers with unclaimed savings and their state office, once per step
    (``savings.unclaimed``); ``as_of``: an ISO date (default today in each program's time zone)."""
    from dataclasses import asdict

    from savings.unclaimed import remind_unclaimed_savings

    return asdict(remind_unclaimed_savings(_day(as_of)))
