"""Season allocation: every approved (or partially filled) request of a program's season gets
its workers by the same ranking staff see (``contracts.ranking``; named workers first).

Requests go one by one, oldest submitted first (then by id), so a rerun decides the same way.
Each request takes the best-ranked eligible workers for its places left, skipping those this run
already placed over overlapping dates (kept in memory), and commits them set-based through
``contracts_allocate`` (one transaction per request: locks, one INSERT of contracts, events and
worker statuses; ``check=False`` because the ranking filtered with the same rules in SQL). The
exclusion constraint stays the last word: a worker taken meanwhile by staff makes the request
rank again once.

Rerunning adds nothing twice: filled requests are skipped, partially filled ones get only their
places left. A run interrupted (worker killed) resumes after the requests already reported."""

from __future__ import annotations

import datetime
import logging
import time

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contracts.models import AllocationRun, Contract
from contracts.ranking import PARTS, ranked_workers
from contracts.services import ALLOCATABLE, contracts_allocate
from employers.models import WorkerRequest
from employers.worker_requests import named_worker_checks
from twp.exceptions import Conflict, DomainError
from twp.models import Program, User
from workers.models import Worker

logger = logging.getLogger(__name__)

# The run saves its progress and report after this many requests or seconds (and at the end).
SAVE_EVERY = 20
SAVE_SECONDS = 1.0
# The tables the ranking reads, and those the run itself changes (analyzed again as it goes).
def _ranked_models():
    from certification.models import Certificate
    from employers.models import NamedWorker
    from workers.models import Document, WorkerLanguage

    return (Worker, Document, Worker.occupations.through, WorkerLanguage, Certificate, NamedWorker, WorkerRequest,
            Contract)


CHANGING_MODELS = (Contract, Worker)
ANALYZE_EVERY_CONTRACTS = 500
# Ranked rows read beyond the places left, for workers this run placed over overlapping dates.
SPARE_ROWS = 20


class Outcome:
    FILLED = "filled"
    PARTIALLY_FILLED = "partially_filled"
    NOT_FILLED = "not_filled"
    ALREADY_FILLED = "already_filled"


def season_requests(program: Program, season: int):
    """The requests a run allocates, in the order it allocates them."""
    return (WorkerRequest.objects.filter(program=program, season=season, status__in=ALLOCATABLE)
            .order_by(F("submitted_at").asc(nulls_last=True), "id"))


def season_run_start(*, program: Program, season: int, by: User) -> AllocationRun:
    """Create a run for the season and hand it to a Celery worker after commit. Administrators
    only; one open run per season (a second one is a ``Conflict``)."""
    from contracts.tasks import season_allocate_task

    run = _open_run(program=program, season=season, by=by, total=season_requests(program, season).count())
    transaction.on_commit(lambda: season_allocate_task.delay(run.pk))
    return run


def _open_run(*, program: Program, season: int, by: User, **fields) -> AllocationRun:
    """A new run, administrators only; one open run per season (a second one is a ``Conflict``)."""
    if not (by.is_authenticated and by.is_administrator):
        raise PermissionDenied
    try:
        with transaction.atomic():
            return AllocationRun.objects.create(program=program, season=season, started_by=by,
                                                language=translation.get_language() or "es", **fields)
    except IntegrityError as error:
        if "allocationrun_one_open" not in str(error):
            raise
        raise Conflict(_("The season %(season)s of %(program)s is already being allocated.")
                       % {"season": season, "program": program.name}) from error


def season_run_execute(*, run_id: int) -> AllocationRun:
    """What the Celery task does: claim the run and allocate its season. A run already done or
    failed is left as it is; a run found running (its worker died) resumes."""
    claimed = AllocationRun.objects.filter(
        pk=run_id, status__in=[AllocationRun.Status.PENDING, AllocationRun.Status.RUNNING],
    ).update(status=AllocationRun.Status.RUNNING, started_at=Coalesce(F("started_at"), timezone.now()))
    run = AllocationRun.objects.select_related("program", "started_by").get(pk=run_id)
    if not claimed:
        return run
    return season_allocate(program=run.program, season=run.season, by=run.started_by, run=run)


def season_allocate(*, program: Program, season: int, by: User, run: AllocationRun | None = None) -> AllocationRun:
    """Allocate every open request of the season, now, in this process (the Celery task calls it
    with its run; without one, a new run is opened: administrators only, one open per season).
    Returns the run with its report."""
    if run is None:
        run = _open_run(program=program, season=season, by=by, status=AllocationRun.Status.RUNNING,
                        started_at=timezone.now())
    with translation.override(run.language):
        try:
            _allocate_all(run, program, season, by)
        except Exception:
            logger.exception("Season allocation %s failed", run.public_id)
            AllocationRun.objects.filter(pk=run.pk).update(
                status=AllocationRun.Status.FAILED, finished_at=timezone.now(),
                error=_("The allocation stopped on an unexpected error. The requests already reported were "
                        "allocated; the rest were not."))
            raise
    run.refresh_from_db()
    return run


def _refresh_statistics(models) -> None:
    """ANALYZE the tables the ranking reads: a season is allocated after bulk changes (imports,
    approvals) and while the run itself fills the contracts table, and the planner's plans for
    the ranking go from milliseconds to seconds per request on stale statistics."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _allocate_all(run: AllocationRun, program: Program, season: int, by: User) -> None:
    _refresh_statistics(_ranked_models())
    requests = list(season_requests(program, season).select_related("program", "employer"))
    done = {entry["request"] for entry in run.report}
    report = list(run.report)
    total = max(run.total, len(done) + sum(1 for request in requests if str(request.public_id) not in done))
    # Which date ranges this run gave each worker: nobody gets two overlapping ones.
    busy: dict[int, list[tuple[datetime.date, datetime.date]]] = {}
    for contract in Contract.objects.live().filter(program=program, season=season).values(
            "worker_id", "start_date", "end_date", "effective_end"):
        busy.setdefault(contract["worker_id"], []).append(
            (contract["start_date"], contract["effective_end"] or contract["end_date"]))
    AllocationRun.objects.filter(pk=run.pk).update(total=total, processed=len(done))
    pending: list[dict] = []
    added = added_since_analyze = 0
    saved_at = time.monotonic()
    for request in requests:
        if str(request.public_id) in done:
            continue
        if added_since_analyze >= ANALYZE_EVERY_CONTRACTS:
            _refresh_statistics(CHANGING_MODELS)
            added_since_analyze = 0
        entry = _allocate_request(request, by, busy)
        added_since_analyze += entry["added"]
        added += entry["added"]
        pending.append(entry)
        if len(pending) >= SAVE_EVERY or time.monotonic() - saved_at >= SAVE_SECONDS:
            report += pending
            _save(run, report, added)
            pending, added, saved_at = [], 0, time.monotonic()
    report += pending
    _save(run, report, added, finished=True)


def _save(run, report, added, *, finished=False) -> None:
    fields = {"report": report, "processed": len(report), "added": F("added") + added, "updated_at": timezone.now()}
    if finished:
        fields.update(status=AllocationRun.Status.DONE, finished_at=timezone.now(), total=len(report))
    AllocationRun.objects.filter(pk=run.pk, status=AllocationRun.Status.RUNNING).update(**fields)


def _overlaps(busy, worker_id, start, end) -> bool:
    return any(start < taken_end and taken_start < end for taken_start, taken_end in busy.get(worker_id, ()))


def _allocate_request(request: WorkerRequest, by: User, busy: dict, *, attempts: int = 2) -> dict:
    had = request.contracts.live().count()
    left = request.workers_requested - had
    entry = {"request": str(request.public_id), "number": request.number, "employer": request.employer.legal_name,
             "requested": request.workers_requested, "had": had, "added": 0, "reasons": []}
    if left <= 0:
        return {**entry, "outcome": Outcome.ALREADY_FILLED}
    on_request = set(request.contracts.live().values_list("worker_id", flat=True))
    reasons = [
        _("Named worker %(name)s cannot go: %(reasons)s") % {
            "name": check.named.worker.full_name, "reasons": "; ".join(str(reason.message) for reason in check.reasons)}
        for check in named_worker_checks(request)
        if not check.available and check.named.worker_id not in on_request
    ]
    pool = Worker.objects.all()
    if request.no_substitutes:
        pool = pool.filter(pk__in=request.named_workers.values("worker_id"))
    picks, scores = [], {}
    for attempt in range(attempts):
        picks, scores = _pick(request, pool, left, busy)
        if not picks:
            break
        try:
            contracts_allocate(request=request, workers=picks, by=by, scores=scores, check=False)
        except Conflict as error:
            # Staff took one of them meanwhile (or filled places): rank again with what is left.
            if attempt + 1 < attempts:
                request.refresh_from_db()
                left = request.workers_requested - request.contracts.live().count()
                if left <= 0:
                    return {**entry, "outcome": Outcome.ALREADY_FILLED}
                continue
            return {**entry, "outcome": _outcome(had, 0, request), "reasons": [*reasons, str(error)]}
        except (DomainError, PermissionDenied) as error:
            message = str(error) if str(error) else _("You may not allocate this request.")
            return {**entry, "outcome": _outcome(had, 0, request), "reasons": [*reasons, message]}
        break
    for worker in picks:
        busy.setdefault(worker.pk, []).append((request.start_date, request.end_date))
    if len(picks) < left:
        if request.no_substitutes:
            reasons.append(_("No substitutes: only the named workers may go."))
        if not picks:
            reasons.append(_("No eligible candidates."))
        else:
            reasons.append(ngettext("Only %(count)s eligible candidate for %(left)s places.",
                                    "Only %(count)s eligible candidates for %(left)s places.", len(picks))
                           % {"count": len(picks), "left": left})
    return {**entry, "added": len(picks), "outcome": _outcome(had, len(picks), request), "reasons": reasons,
            "workers": [{"id": str(worker.public_id), "name": worker.full_name, "score": scores[worker.pk]["score"]}
                        for worker in picks]}


def _pick(request, pool, left, busy) -> tuple[list[Worker], dict[int, dict]]:
    """The best ``left`` ranked workers this run has not placed over the request's dates."""
    picks, scores = [], {}
    for row in ranked_workers(request, pool)[:left + SPARE_ROWS]:
        if _overlaps(busy, row.pk, request.start_date, request.end_date):
            continue
        picks.append(row)
        scores[row.pk] = {**{part: getattr(row, f"p_{part}") for part in PARTS}, "score": row.score}
        if len(picks) == left:
            break
    return picks, scores


def _outcome(had: int, added: int, request: WorkerRequest) -> str:
    if had + added >= request.workers_requested:
        return Outcome.FILLED
    return Outcome.PARTIALLY_FILLED if had + added else Outcome.NOT_FILLED
