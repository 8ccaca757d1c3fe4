"""Background work of savings."""

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def reconcile_savings_task() -> dict:
    """The nightly proof that the ledger adds up (``savings.reconciliation.reconcile_savings``).
    Read-only on the ledger; a rerun records another run (and alerts again if it still drifts)."""
    from savings.reconciliation import reconcile_savings

    run = reconcile_savings()
    return {"run": str(run.public_id), "is_clean": run.is_clean, "findings": run.counts.get("findings", 0)}
