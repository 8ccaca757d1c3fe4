"""Season allocation: every approved (or partially filled) request of a program's season gets
its workers by the same ranking staff see (``contracts.ranking.score_parts``; named workers first).

Requests go one by one, oldest submitted first (then by id), so a rerun decides the same way; each
takes the best-ranked eligible workers for its places left that this run has not placed over
overlapping dates. To do that for thousands of requests in seconds, the run

- loads the ranking's facts of every active worker once (``WorkerFacts``: a few statements) and
  scores each request over all of them in memory (numpy);
- asks eligibility (``workers.eligibility``, every rule in SQL) only about the workers a request
  would take, for a batch of requests in one statement, and remembers the answers per set of
  dates and requirements;
- commits each batch of requests set-based (``contracts_allocate_many``: a statement per table),
  with its part of the report, in one transaction. The exclusion constraint and the locks still
  have the last word: a batch that meets a worker or a place taken meanwhile by staff is committed
  request by request instead, and a request that loses its workers says so in the report.

Rerunning adds nothing twice: filled requests are not open any more, partially filled ones get
only their places left. A run interrupted (worker killed) resumes after the requests reported."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contracts.models import AllocationRun, Contract, RankingWeights
from contracts.ranking import PARTS, RequestTerms, WorkerFacts, best_first, score_parts, total
from contracts.services import ALLOCATABLE, contracts_allocate, contracts_allocate_many
from employers.models import NamedWorker, WorkerRequest
from employers.worker_requests import _requirements
from twp.exceptions import Conflict, DomainError
from twp.models import Program, User
from workers.eligibility import Requirements, check_eligibility, eligible_workers, prefetch_for_eligibility
from workers.models import Worker

logger = logging.getLogger(__name__)

# Requests per batch: ranked, asked about and committed together, then reported.
SAVE_EVERY = 50
# Workers asked about beyond a request's places, so that a few ineligible ones among its picks do
# not cost another round of questions.
PROBE_AHEAD = 6


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


def _allocate_all(run: AllocationRun, program: Program, season: int, by: User) -> None:
    done = {entry["request"] for entry in run.report}
    requests = [request for request in season_requests(program, season).select_related("program", "employer")
                .prefetch_related("required_schemes") if str(request.public_id) not in done]
    total_requests = max(run.total, len(done) + len(requests))
    AllocationRun.objects.filter(pk=run.pk).update(total=total_requests, processed=len(done))
    state = SeasonState(program, requests)
    for first in range(0, len(requests), SAVE_EVERY):
        batch = requests[first:first + SAVE_EVERY]
        plans = [_plan_request(request, state) for request in batch]
        state.settle(plans)
        entries = _commit(run, plans, state, by)
        state.place([plan for plan, entry in zip(plans, entries, strict=True) if entry["added"]])
    _save(run, [], finished=True)


@dataclass
class Plan:
    """What the run decided for one request: the workers (positions in the facts) and why."""

    request: WorkerRequest
    terms: RequestTerms
    key: tuple
    had: int
    left: int
    order: np.ndarray
    parts: dict[str, np.ndarray]
    score: np.ndarray
    picks: list[int] = field(default_factory=list)
    truncated: bool = False

    def chosen(self, facts: WorkerFacts) -> dict[int, dict]:
        """The picked workers' ids, each with the parts of its score, best first."""
        return {int(facts.ids[position]): {**{part: int(self.parts[part][position]) for part in PARTS},
                                           "score": int(self.score[position])}
                for position in self.picks}


class SeasonState:
    """What the run knows while it goes: every active worker's ranking facts, the dates this run
    gave each worker, and the eligibility answers so far per (dates, required schemes)."""

    def __init__(self, program: Program, requests: list[WorkerRequest]):
        self.program = program
        self.weights = RankingWeights.for_program(program)
        requirements = {request.pk: _requirements(request) for request in requests}
        self.requirements = requirements
        self.facts = WorkerFacts.load(
            Worker.objects.filter(is_active=True),
            occupation_ids={request.occupation_id for request in requests},
            language_codes={code for found in requirements.values() for code in found.language_codes},
            scheme_ids={scheme for found in requirements.values() for scheme in found.certification_scheme_ids})
        size = self.facts.size
        self.named: dict[int, set[int]] = {}
        for request_id, worker_id in NamedWorker.objects.filter(request__in=[r.pk for r in requests]).values_list(
                "request_id", "worker_id"):
            self.named.setdefault(request_id, set()).add(worker_id)
        self.on_request: dict[int, dict[str, int]] = {}
        for request_id, state, count in (Contract.objects.live().filter(request__in=[r.pk for r in requests])
                                         .values_list("request_id", "worker__state_of_origin")
                                         .annotate(n=Count("id")).order_by()):
            self.on_request.setdefault(request_id, {})[state] = count
        # The run's own placements: up to a few date ranges per worker (ordinals; 0 = none).
        self.slots: list[tuple[np.ndarray, np.ndarray]] = []
        self.eligible: dict[tuple, np.ndarray] = {}
        self.ineligible: dict[tuple, np.ndarray] = {}
        self.waited: dict[datetime.date, np.ndarray] = {}
        self.size = size

    # --- ranking --------------------------------------------------------------------------------
    def terms(self, request: WorkerRequest) -> RequestTerms:
        return RequestTerms(request_id=request.pk, employer_id=request.employer_id,
                            occupation_id=request.occupation_id, start=request.start_date,
                            requirements=self.requirements[request.pk],
                            named_ids=frozenset(self.named.get(request.pk, ())),
                            on_request_by_state=self.on_request.get(request.pk, {}), weights=self.weights)

    def key(self, request: WorkerRequest) -> tuple:
        """Requests with the same key have the same eligible workers."""
        schemes = tuple(sorted(self.requirements[request.pk].certification_scheme_ids))
        return (request.start_date, request.end_date, schemes)

    def answers(self, key) -> tuple[np.ndarray, np.ndarray]:
        if key not in self.eligible:
            self.eligible[key] = np.zeros(self.size, dtype=bool)
            self.ineligible[key] = np.zeros(self.size, dtype=bool)
        return self.eligible[key], self.ineligible[key]

    def free(self, start: datetime.date, end: datetime.date) -> np.ndarray:
        """Workers this run has not placed over [start, end)."""
        start, end = start.toordinal(), end.toordinal()
        busy = np.zeros(self.size, dtype=bool)
        for starts, ends in self.slots:
            busy |= (starts < end) & (ends > start)
        return ~busy

    def rank(self, plan: Plan, depth: int) -> None:
        """The plan's order: its best ``depth`` workers not placed by the run over its dates and
        not known to be ineligible (and only the named ones when the request takes no substitutes)."""
        request = plan.request
        mask = self.free(request.start_date, request.end_date) & ~self.answers(plan.key)[1]
        if request.no_substitutes:
            mask &= plan.parts["named"] > 0
        positions = np.flatnonzero(mask)
        if len(positions) > depth:
            # Unique keys (score first, then id) make the cut exact, ties included.
            keys = -plan.score[positions] * (self.size + 1) + positions
            positions = positions[np.argpartition(keys, depth)[:depth]]
        plan.order = best_first(plan.score, positions)
        plan.truncated = len(plan.order) == depth

    def place(self, plans: list[Plan]) -> None:
        for plan in plans:
            start, end = plan.request.start_date.toordinal(), plan.request.end_date.toordinal()
            for position in plan.picks:
                for starts, ends in self.slots:
                    if starts[position] == 0:
                        starts[position], ends[position] = start, end
                        break
                else:
                    self.slots.append((np.zeros(self.size, dtype=np.int64), np.zeros(self.size, dtype=np.int64)))
                    self.slots[-1][0][position], self.slots[-1][1][position] = start, end

    # --- eligibility ----------------------------------------------------------------------------
    def settle(self, plans: list[Plan]) -> None:
        """Choose each plan's workers, in order, asking eligibility about the workers the batch
        would take (one statement per round) until every pick is known to be eligible."""
        while True:
            taken: dict[int, list[tuple]] = {}
            unknown: dict[tuple, set[int]] = {}
            for plan in plans:
                self._walk(plan, taken, unknown)
                dates = (plan.request.start_date, plan.request.end_date)
                for position in plan.picks:
                    taken.setdefault(position, []).append(dates)
            if not unknown:
                return
            self._ask(unknown)

    def _walk(self, plan: Plan, taken: dict, unknown: dict) -> None:
        eligible, ineligible = self.answers(plan.key)
        start, end = plan.request.start_date, plan.request.end_date
        plan.picks = []
        ahead = 0
        while True:
            for position in plan.order.tolist():
                if ineligible[position] or any(start < e and s < end for s, e in taken.get(position, ())):
                    continue
                if not eligible[position]:
                    unknown.setdefault(plan.key, set()).add(position)
                    if len(plan.picks) >= plan.left:
                        ahead += 1
                if len(plan.picks) < plan.left:
                    plan.picks.append(position)
                if len(plan.picks) >= plan.left and ahead >= PROBE_AHEAD:
                    return
            if len(plan.picks) >= plan.left or not plan.truncated:
                return
            # Its best workers went to earlier requests or are ineligible: look deeper.
            plan.picks, ahead = [], 0
            self.rank(plan, 4 * len(plan.order))

    def _ask(self, unknown: dict[tuple, set[int]]) -> None:
        """One statement: which of these workers are eligible, per key."""
        keys = list(unknown)
        parts = []
        for index, key in enumerate(keys):
            start, end, schemes = key
            ids = self.facts.ids[sorted(unknown[key])].tolist()
            requirements = Requirements(certification_scheme_ids=schemes)
            parts.append(eligible_workers(Worker.objects.filter(pk__in=ids, is_active=True), program=self.program,
                                          start=start, end=end, requirements=requirements)
                         .annotate(key_index=Value(index)).values_list("pk", "key_index").order_by())
        query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        found: dict[int, list[int]] = {}
        for pk, index in query:
            found.setdefault(index, []).append(pk)
        for index, key in enumerate(keys):
            eligible, ineligible = self.answers(key)
            asked = np.fromiter(unknown[key], dtype=np.int64, count=len(unknown[key]))
            ineligible[asked] = True
            yes = self.facts.positions(found.get(index, []))
            ineligible[yes] = False
            eligible[yes] = True


def _plan_request(request: WorkerRequest, state: SeasonState) -> Plan:
    """Score the request over every worker and order its best candidates."""
    terms = state.terms(request)
    had = sum(terms.on_request_by_state.values())
    if request.start_date not in state.waited:
        state.waited[request.start_date] = state.facts.months_waited(request.start_date,
                                                                     state.weights.waited_cap_months)
    parts = score_parts(state.facts, terms, waited=state.waited[request.start_date])
    plan = Plan(request=request, terms=terms, key=state.key(request), had=had,
                left=max(request.workers_requested - had, 0), order=np.zeros(0, dtype=np.int64), parts=parts,
                score=total(parts))
    if plan.left:
        state.rank(plan, 2 * plan.left + 4 * PROBE_AHEAD + SAVE_EVERY * 4)
    return plan


# --- commit and report --------------------------------------------------------------------------
def _commit(run: AllocationRun, plans: list[Plan], state: SeasonState, by: User) -> list[dict]:
    """Commit a batch set-based with its part of the report; if the database refuses (a worker or
    a place taken meanwhile), request by request, each refused one reported as such."""
    chosen = {plan.request.pk: plan.chosen(state.facts) for plan in plans}
    workers = Worker.objects.in_bulk([pk for picks in chosen.values() for pk in picks])
    named_reasons = _named_unavailable(plans, state, chosen)
    try:
        with transaction.atomic():
            contracts_allocate_many([(plan.request, list(chosen[plan.request.pk]), chosen[plan.request.pk])
                                     for plan in plans], by=by)
            entries = [_entry(plan, chosen[plan.request.pk], workers, named_reasons) for plan in plans]
            _save(run, entries)
            return entries
    except (DomainError, PermissionDenied):
        pass  # someone else allocated meanwhile: commit what still holds, request by request
    entries = []
    for plan in plans:
        picks, refused = chosen[plan.request.pk], None
        if picks:
            try:
                contracts_allocate(request=plan.request, workers=[workers[pk] for pk in picks], by=by,
                                   scores=picks, check=False)
            except (DomainError, PermissionDenied) as error:
                refused = str(error) or _("You may not allocate this request.")
        entries.append(_entry(plan, {} if refused else picks, workers, named_reasons, refused=refused))
    _save(run, entries)
    return entries


def _named_unavailable(plans: list[Plan], state: SeasonState, chosen: dict) -> dict[int, list[str]]:
    """Per request, why each named worker not picked cannot go (eligibility's reasons), checked
    for the whole batch with one prefetch."""
    missing = {plan.request.pk: state.named.get(plan.request.pk, set()) - set(chosen[plan.request.pk])
               for plan in plans}
    if not any(missing.values()):
        return {}
    requests = {plan.request.pk: plan.request for plan in plans}
    rows = (NamedWorker.objects.filter(request__in=[pk for pk, ids in missing.items() if ids])
            .select_related("worker").prefetch_related(*prefetch_for_eligibility("worker__")).order_by("id"))
    reasons: dict[int, list[str]] = {}
    for row in rows:
        if row.worker_id not in missing[row.request_id]:
            continue
        request = requests[row.request_id]
        result = check_eligibility(worker=row.worker, program=request.program, start=request.start_date,
                                   end=request.end_date, requirements=state.requirements[request.pk])
        if not result.is_eligible:
            why = "; ".join(str(reason.message) for reason in result.reasons)
            reasons.setdefault(request.pk, []).append(
                _("Named worker %(name)s cannot go: %(reasons)s") % {"name": row.worker.full_name, "reasons": why})
    return reasons


def _entry(plan: Plan, picks: dict[int, dict], workers: dict[int, Worker], named_reasons: dict, *,
           refused: str | None = None) -> dict:
    request = plan.request
    entry = {"request": str(request.public_id), "number": request.number, "employer": request.employer.legal_name,
             "requested": request.workers_requested, "had": plan.had, "added": len(picks), "reasons": []}
    if not plan.left:
        return {**entry, "outcome": Outcome.ALREADY_FILLED}
    reasons = list(named_reasons.get(request.pk, []))
    if refused:
        reasons.append(refused)
    elif len(picks) < plan.left:
        if request.no_substitutes:
            reasons.append(_("No substitutes: only the named workers may go."))
        if not picks:
            reasons.append(_("No eligible candidates."))
        else:
            reasons.append(ngettext("Only %(count)s eligible candidate for %(left)s places.",
                                    "Only %(count)s eligible candidates for %(left)s places.", len(picks))
                           % {"count": len(picks), "left": plan.left})
    return {**entry, "outcome": _outcome(plan.had, len(picks), request), "reasons": reasons,
            "workers": [{"id": str(workers[pk].public_id), "name": workers[pk].full_name, "score": score["score"]}
                        for pk, score in picks.items()]}


def _save(run, entries: list[dict], *, finished: bool = False) -> None:
    """Append ``entries`` to the run's report (in the caller's transaction) and its progress."""
    fields = {"processed": F("processed") + len(entries), "added": F("added") + sum(e["added"] for e in entries),
              "updated_at": timezone.now()}
    if entries:
        run.report = [*run.report, *entries]
        fields["report"] = run.report
    if finished:
        fields.update(status=AllocationRun.Status.DONE, finished_at=timezone.now(), total=len(run.report))
    AllocationRun.objects.filter(pk=run.pk, status=AllocationRun.Status.RUNNING).update(**fields)


def _outcome(had: int, added: int, request: WorkerRequest) -> str:
    if had + added >= request.workers_requested:
        return Outcome.FILLED
    return Outcome.PARTIALLY_FILLED if had + added else Outcome.NOT_FILLED
