"""Season allocation: every approved (or partially filled) request of a program's season gets
its workers by the same ranking staff see (``contracts.ranking.score_parts``; named workers first).

Requests go one by one, oldest submitted first (then by id), so a rerun decides the same way; each
takes the best-ranked eligible workers for its places left that this run has not placed over
overlapping dates. To do that for thousands of requests in seconds, the run

- loads every active worker's ranking facts (``WorkerFacts``) and the rows the eligibility
  rules read (``WorkerTable``) once, a few statements;
- answers eligibility in memory (``eligible_mask``: each rule's array form, tested against its
  SQL) once per set of dates and requirements, and scores a request exactly over only the workers
  who can reach its top (its named workers, its employer's former workers and the best bounds);
- commits each batch of requests set-based (``contracts_allocate_many``: a statement per table),
  with its part of the report, in one transaction. The exclusion constraint and the locks still
  have the last word: a batch that meets a worker or a place taken meanwhile by staff is committed
  request by request instead, and a request that loses its workers says so in the report.

Rerunning adds nothing twice: filled requests are not open any more, partially filled ones get
only their places left. A run interrupted (worker killed) resumes after the requests reported."""

from __future__ import annotations

import datetime
import logging
import queue
import threading
from dataclasses import dataclass, field

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, JSONField, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contracts.models import AllocationRun, Contract, RankingWeights
from contracts.ranking import PARTS, RequestTerms, WorkerFacts, best_first, score_parts, total
from contracts.services import ALLOCATABLE, WORKER_FIELDS, contracts_allocate, contracts_allocate_many
from employers.models import NamedWorker, WorkerRequest
from employers.worker_requests import _requirements
from twp.exceptions import Conflict, DomainError
from twp.models import Program, User
from workers.eligibility import (
    Requirements,
    WorkerTable,
    check_eligibility,
    eligible_mask,
    prefetch_for_eligibility,
)
from workers.models import Worker

logger = logging.getLogger(__name__)

# Requests per batch: ranked and committed together, then reported.
SAVE_EVERY = 100
# Workers scored beyond a request's places at first (the prefix grows fourfold when too short).
EXTRA_DEPTH = 16


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
    with Committer(run, state, by) as committer:
        for first in range(0, len(requests), SAVE_EVERY):
            for plan in committer.refused():
                state.unplace(plan)  # refused by the database: those workers are free again
            state.compact()
            plans = []
            for request in requests[first:first + SAVE_EVERY]:
                plans.append(_plan_request(request, state))
                plans[-1].named_missing = _named_missing(plans[-1], state)
                state.place(plans[-1])
            committer.submit(plans)
    _save(run, [], finished=True)


class Committer:
    """Commits the batches, in order, on a thread with its own database connection while the
    run ranks the next batch: ranking is Python on one core, committing is mostly PostgreSQL's
    work on the other, so a season takes about the longer of the two instead of their sum.

    At most one batch waits (memory stays bounded). Whatever the database refused comes back
    through :meth:`refused`, a batch late. Inside a transaction (tests) it commits in line:
    another connection would not see the transaction's data."""

    def __init__(self, run: AllocationRun, state: SeasonState, by: User):
        self.run, self.state, self.by = run, state, by
        self.inline = transaction.get_connection().in_atomic_block
        self.language = translation.get_language()  # active languages are per thread: the report's
        self.pending: queue.Queue = queue.Queue(maxsize=1)
        self.results: queue.Queue = queue.Queue()
        self.error: BaseException | None = None
        self.thread = None if self.inline else threading.Thread(target=self._work, name="season-commit", daemon=True)

    def __enter__(self) -> Committer:
        if self.thread is not None:
            self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.thread is not None:
            self.pending.put(None)
            self.thread.join()
        if self.error is not None and exc[0] is None:
            raise self.error

    def submit(self, plans: list[Plan]) -> None:
        if self.error is not None:
            raise self.error
        if self.inline:
            self.results.put(self._commit(plans))
        else:
            self.pending.put(plans)

    def refused(self) -> list[Plan]:
        """The plans committed so far whose workers the database refused."""
        found = []
        while not self.results.empty():
            found += self.results.get()
        return found

    def _commit(self, plans: list[Plan]) -> list[Plan]:
        entries = _commit(self.run, plans, self.state, self.by)
        return [plan for plan, entry in zip(plans, entries, strict=True) if plan.picks and not entry["added"]]

    def _work(self) -> None:
        try:
            translation.activate(self.language)
            while (plans := self.pending.get()) is not None:
                if self.error is None:  # after an error, only drain: the run is stopping
                    try:
                        self.results.put(self._commit(plans))
                    except BaseException as error:  # handed to the run's thread at its next submit
                        self.error = error
        finally:
            connection.close()  # this thread's own connection


@dataclass
class Plan:
    """What the run decided for one request: the workers (positions in the facts), best first,
    with the parts of their scores."""

    request: WorkerRequest
    had: int
    left: int
    picks: list[int] = field(default_factory=list)
    parts: dict[int, dict] = field(default_factory=dict)
    named_missing: set[int] = field(default_factory=set)  # named, not picked, and may not go

    def chosen(self, facts: WorkerFacts) -> dict[int, dict]:
        """The picked workers' ids, each with the parts of its score, best first."""
        return {int(facts.ids[position]): self.parts[position] for position in self.picks}


class SeasonState:
    """What the run knows while it goes: every active worker's ranking facts and the rows the
    eligibility rules read, the dates this run gave each worker, and who is eligible per (dates,
    required schemes), computed on first use."""

    def __init__(self, program: Program, requests: list[WorkerRequest]):
        self.program = program
        self.weights = RankingWeights.for_program(program)
        self.requirements = requirements = {request.pk: _requirements(request) for request in requests}
        pool = Worker.objects.filter(is_active=True)
        for _attempt in range(3):  # the two loads must see the same workers (one may register meanwhile)
            self.table = WorkerTable(pool)
            self.facts = facts = WorkerFacts.load(
                pool, occupation_ids={request.occupation_id for request in requests},
                language_codes={code for found in requirements.values() for code in found.language_codes},
                scheme_ids={scheme for found in requirements.values() for scheme in found.certification_scheme_ids})
            if np.array_equal(self.table.ids, facts.ids):
                break
        else:
            raise RuntimeError("The workers kept changing while the season allocation loaded them.")
        self.size = facts.size
        request_ids = [request.pk for request in requests]
        self.named: dict[int, set[int]] = {}
        for request_id, worker_id in NamedWorker.objects.filter(request__in=request_ids).values_list(
                "request_id", "worker_id"):
            self.named.setdefault(request_id, set()).add(worker_id)
        self.on_request: dict[int, dict[str, int]] = {}
        for request_id, state, count in (Contract.objects.live().filter(request__in=request_ids)
                                         .values_list("request_id", "worker__state_of_origin")
                                         .annotate(n=Count("id")).order_by()):
            self.on_request.setdefault(request_id, {})[state] = count
        # Every worker's bound on the parts that do not depend on the request (best rating ever,
        # months waited until the season's last start), best first: a request scores exactly only
        # a prefix of this order, its named workers and its employer's former workers.
        latest = max((request.start_date for request in requests), default=None)
        if latest is not None and self.size:
            waited = facts.months_waited(latest, self.weights.waited_cap_months)
            self.bound = (facts.on_time * self.weights.returned_on_time + facts.best_rating * self.weights.evaluation
                          + waited * self.weights.waited_month)
            self.by_bound = best_first(self.bound)
        else:
            self.bound, self.by_bound = np.zeros(self.size, dtype=np.int64), np.zeros(0, dtype=np.int64)
        # The run's own placements: up to a few date ranges per worker (ordinals; 0 = none).
        self.slots: list[tuple[np.ndarray, np.ndarray]] = []
        self.placed = np.zeros(self.size, dtype=bool)
        self.set_aside = np.zeros(0, dtype=np.int64)
        self._eligible: dict[tuple, np.ndarray] = {}
        self.waited: dict[datetime.date, np.ndarray] = {}

    def terms(self, request: WorkerRequest) -> RequestTerms:
        return RequestTerms(employer_id=request.employer_id,
                            occupation_id=request.occupation_id, start=request.start_date,
                            requirements=self.requirements[request.pk],
                            named_ids=frozenset(self.named.get(request.pk, ())),
                            on_request_by_state=self.on_request.get(request.pk, {}), weights=self.weights)

    def key(self, request: WorkerRequest) -> tuple:
        """Requests with the same key have the same eligible workers."""
        schemes = tuple(sorted(self.requirements[request.pk].certification_scheme_ids))
        return (request.start_date, request.end_date, schemes)

    def eligible(self, key: tuple) -> np.ndarray:
        """Who is eligible for requests of ``key`` (the eligibility rules, in memory), apart from
        this run's own placements (:meth:`busy`)."""
        if key not in self._eligible:
            start, end, schemes = key
            self._eligible[key] = eligible_mask(self.table, program=self.program, start=start, end=end,
                                                requirements=Requirements(certification_scheme_ids=schemes))
        return self._eligible[key]

    def may_not_go(self, plan: Plan, worker_id: int) -> bool:
        """Whether a worker is ineligible for the plan's request or placed by this run over its
        dates (who is neither was only outranked: no reason to give)."""
        position = self.facts.positions([worker_id])
        if not (position < self.size and self.facts.ids[position] == worker_id).all():
            return True  # deactivated: not in the pool at all
        request = plan.request
        return bool(~self.eligible(self.key(request))[position][0]
                    or self.busy(position, request.start_date, request.end_date)[0])

    def busy(self, positions: np.ndarray, start: datetime.date, end: datetime.date) -> np.ndarray:
        """Which of ``positions`` this run placed over [start, end)."""
        start, end = start.toordinal(), end.toordinal()
        busy = np.zeros(len(positions), dtype=bool)
        for starts, ends in self.slots:
            busy |= (starts[positions] < end) & (ends[positions] > start)
        return busy

    def compact(self) -> None:
        """Take the workers this run placed out of ``by_bound`` (they gather at its top and every
        later request would step over them); :func:`_usable_prefix` adds back those free."""
        self.by_bound = self.by_bound[~self.placed[self.by_bound]]
        self.set_aside = np.flatnonzero(self.placed)

    def place(self, plan: Plan) -> None:
        start, end = plan.request.start_date.toordinal(), plan.request.end_date.toordinal()
        self.placed[plan.picks] = True
        for position in plan.picks:
            for starts, ends in self.slots:
                if starts[position] == 0:
                    starts[position], ends[position] = start, end
                    break
            else:
                self.slots.append((np.zeros(self.size, dtype=np.int64), np.zeros(self.size, dtype=np.int64)))
                self.slots[-1][0][position], self.slots[-1][1][position] = start, end

    def unplace(self, plan: Plan) -> None:
        start, end = plan.request.start_date.toordinal(), plan.request.end_date.toordinal()
        for position in plan.picks:
            for starts, ends in self.slots:
                if starts[position] == start and ends[position] == end:
                    starts[position] = ends[position] = 0
                    break


def _plan_request(request: WorkerRequest, state: SeasonState) -> Plan:
    """The request's best ``left`` eligible workers that this run has not placed over its dates.

    Exact without scoring everyone: it scores the named workers, the employer's former workers
    and a prefix of ``state.by_bound`` (of the workers it may take), and takes the prefix longer
    until its last pick scores above the bound of the first worker left out."""
    terms = state.terms(request)
    had = sum(terms.on_request_by_state.values())
    plan = Plan(request=request, had=had, left=max(request.workers_requested - had, 0))
    if not plan.left or not state.size:
        return plan
    weights, requirements = state.weights, terms.requirements
    constant = (weights.occupation + weights.certification * len(set(requirements.certification_scheme_ids))
                + weights.language * len(set(requirements.language_codes)))
    if request.start_date not in state.waited:
        state.waited[request.start_date] = state.facts.months_waited(request.start_date, weights.waited_cap_months)
    eligible = state.eligible(state.key(request))
    named = state.facts.positions_of_loaded(sorted(terms.named_ids))
    here = state.facts.by_employer.get(request.employer_id, (np.zeros(0, dtype=np.int64),))[0]
    always = named if request.no_substitutes else np.union1d(named, here)
    always = always[eligible[always] & ~state.busy(always, request.start_date, request.end_date)]
    aside = state.set_aside[eligible[state.set_aside]]
    aside = aside[~state.busy(aside, request.start_date, request.end_date)]
    depth = 4 * plan.left + EXTRA_DEPTH
    while True:
        prefix, beyond = (np.zeros(0, dtype=np.int64), None) if request.no_substitutes else \
            _usable_prefix(state, request, eligible, aside, depth)
        pool = np.union1d(always, prefix)
        parts = score_parts(state.facts, terms, pool, waited=state.waited[request.start_date])
        score = total(parts)
        ranked = best_first(score)[:plan.left]  # indexes into pool (ascending ids): ties to the lower id
        if beyond is None or (len(ranked) == plan.left and _beats(score[ranked[-1]], pool[ranked[-1]],
                                                                  state.bound[beyond] + constant, beyond)):
            break
        depth *= 4
    plan.picks = pool[ranked].tolist()
    for at, position in zip(ranked.tolist(), plan.picks, strict=True):
        plan.parts[position] = {**{part: int(parts[part][at]) for part in PARTS}, "score": int(score[at])}
    return plan


def _beats(score: int, position: int, bound: int, beyond: int) -> bool:
    """Whether a pick (its score and position) ranks above every worker left out, the first of
    whom is ``beyond`` with ``bound``: the others bound no higher, and on a tie have higher ids."""
    return score > bound or (score == bound and position < beyond)


def _usable_prefix(state: SeasonState, request: WorkerRequest, eligible: np.ndarray, aside: np.ndarray, depth: int):
    """The ``depth`` best bounds among the workers eligible and not placed by this run over the
    request's dates (``aside``: those of them set aside by ``compact``), and the position of the
    next one (None: none left)."""
    start, end = request.start_date, request.end_date
    length = 2 * depth
    while True:
        head = state.by_bound[:length]
        usable = eligible[head]
        placed = state.placed[head]  # placed earlier in this batch (compact() took out the rest)
        if placed.any():
            usable[placed] &= ~state.busy(head[placed], start, end)
        usable = head[usable]
        if len(usable) > depth or length >= len(state.by_bound):
            break
        length *= 4
    beyond = int(usable[depth]) if len(usable) > depth else None
    if beyond is not None:
        aside = aside[state.bound[aside] >= state.bound[beyond]]
    return np.union1d(usable[:depth], aside), beyond


# --- commit and report --------------------------------------------------------------------------
def _commit(run: AllocationRun, plans: list[Plan], state: SeasonState, by: User) -> list[dict]:
    """Commit a batch set-based with its part of the report; if the database refuses (a worker or
    a place taken meanwhile), request by request, each refused one reported as such."""
    chosen = {plan.request.pk: plan.chosen(state.facts) for plan in plans}
    named_reasons = _named_unavailable(plans, state, chosen)
    try:
        with transaction.atomic():
            contracts = contracts_allocate_many([(plan.request, list(chosen[plan.request.pk]),
                                                  chosen[plan.request.pk]) for plan in plans], by=by)
            workers = {contract.worker_id: contract.worker for rows in contracts.values() for contract in rows}
            entries = [_entry(plan, chosen[plan.request.pk], workers, named_reasons) for plan in plans]
            _save(run, entries)
            return entries
    except (DomainError, PermissionDenied):
        pass  # someone else allocated meanwhile: commit what still holds, request by request
    workers = Worker.objects.only(*WORKER_FIELDS).in_bulk([pk for picks in chosen.values() for pk in picks])
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


def _named_missing(plan: Plan, state: SeasonState) -> set[int]:
    """The plan's named workers not picked who may not go (ineligible, or placed by this run over
    its dates), found as the run plans the request: :func:`_named_unavailable` says why."""
    picked = set(plan.chosen(state.facts))
    return {worker_id for worker_id in state.named.get(plan.request.pk, set())
            if worker_id not in picked and state.may_not_go(plan, worker_id)}


def _named_unavailable(plans: list[Plan], state: SeasonState, chosen: dict) -> dict[int, list[str]]:
    """Per request, why each named worker not picked cannot go (eligibility's reasons), checked
    for the whole batch with one prefetch."""
    missing = {plan.request.pk: plan.named_missing for plan in plans}
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
    """Append ``entries`` to the run's report (in the caller's transaction) and its progress: the
    database appends (``||``), so a season's 40 saves do not rewrite a growing report each time."""
    fields = {"processed": F("processed") + len(entries), "added": F("added") + sum(e["added"] for e in entries),
              "updated_at": timezone.now()}
    if entries:
        run.report = [*run.report, *entries]
        fields["report"] = CombinedExpression(F("report"), "||", Value(entries, output_field=JSONField()))
    if finished:
        fields.update(status=AllocationRun.Status.DONE, finished_at=timezone.now(), total=len(run.report))
    AllocationRun.objects.filter(pk=run.pk, status=AllocationRun.Status.RUNNING).update(**fields)


def _outcome(had: int, added: int, request: WorkerRequest) -> str:
    if had + added >= request.workers_requested:
        return Outcome.FILLED
    return Outcome.PARTIALLY_FILLED if had + added else Outcome.NOT_FILLED
