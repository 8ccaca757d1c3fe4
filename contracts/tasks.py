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
