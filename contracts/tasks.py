"""Background work of contracts."""

from celery import shared_task


@shared_task(acks_late=True)
def season_allocate_task(run_id: int) -> str:
    """Allocate a season (``contracts.season``). Safe to run twice: a run already done or failed
    is not run again, and a resumed run adds nothing twice."""
    from django.conf import settings
    from django.utils import translation

    from contracts.season import season_run_execute

    # Whatever an earlier task left active, start from the site's language; season_allocate then
    # writes the report in the language of whoever started the run (AllocationRun.language).
    with translation.override(settings.LANGUAGE_CODE):
        return season_run_execute(run_id=run_id).status


@shared_task(acks_late=True)
def absence_deadlines_task() -> dict:
    """The daily absence deadlines (``contracts.absences.absence_deadlines``), judged by today in
    each program's time zone. Safe to run twice: what was flagged and told is not told again."""
    from dataclasses import asdict

    from contracts.absences import absence_deadlines

    return asdict(absence_deadlines())


def _day(as_of: str | None):
    import datetime

    return datetime.date.fromisoformat(as_of) if as_of else None


# The nightly jobs (contracts.jobs), run daily by beat. Each takes an ISO date (default: today in
# each program's time zone), holds its message until done (acks_late) and is given back to the
# queue when its worker process dies mid-run (reject_on_worker_lost): the jobs are sweeps that
# finish what a killed run left and record nothing twice.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def expire_contracts_task(as_of: str | None = None) -> dict:
    """End the active contracts whose end date came (``contracts.jobs.expire_contracts``)."""
    from dataclasses import asdict

    from contracts.jobs import expire_contracts

    return asdict(expire_contracts(_day(as_of)))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_return_reminders_task(as_of: str | None = None) -> dict:
    """Record the return reminders due (``contracts.jobs.send_return_reminders``), each once."""
    from dataclasses import asdict

    from contracts.jobs import send_return_reminders

    return asdict(send_return_reminders(_day(as_of)))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def document_expiry_alerts_task(as_of: str | None = None) -> dict:
    """Tell state offices of documents lapsing during a contract (``contracts.jobs``), once."""
    from dataclasses import asdict

    from contracts.jobs import document_expiry_alerts

    return asdict(document_expiry_alerts(_day(as_of)))
