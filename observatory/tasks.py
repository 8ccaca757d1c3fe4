"""The Observatory's beat job: recompute its facts (observatory.facts). A refresh replaces the
whole set in one transaction under an advisory lock, so a run redelivered or run twice at once
does no harm."""

from celery import shared_task

from observatory import facts


@shared_task(acks_late=True, reject_on_worker_lost=True)
def refresh_facts_task() -> dict:
    done = facts.refresh()
    return {"seconds": round(done.seconds, 3), "contract_rows": done.contract_rows}
