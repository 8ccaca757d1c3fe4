"""The ranking of candidates for a request: one function, weights as data (``RankingWeights``).

A candidate's score is the sum of these parts, each shown to staff:

- ``named``: the employer asked for this worker by name (SAWP: most placements);
- ``returned_on_time``: came home on time from an earlier contract (circularity rewarded);
- ``same_employer``: worked for this employer before;
- ``evaluation``: points of the last employer rating (1–5), this employer's rating first;
- ``certification``: valid certificates in the request's required schemes;
- ``occupation``: registered with the requested occupation;
- ``language``: required languages spoken;
- ``waited``: months since the last contract ended (or since registration, for new entrants),
  capped, so the people who waited longest move up (fair rotation);
- ``state_balance`` (negative): workers of the same state of origin already on the request, so
  places spread across states.

Only eligible workers are ranked (``workers.eligibility.eligible_workers``, every rule in SQL).
Ties go to the lower id (registered earlier)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Extract, Least

from certification.models import Certificate
from contracts.models import WORKED_STATUSES, Contract, RankingWeights
from employers.models import NamedWorker, WorkerRequest
from employers.worker_requests import _requirements
from workers.eligibility import eligible_workers
from workers.models import Worker, WorkerLanguage

PARTS = ("named", "returned_on_time", "same_employer", "evaluation", "certification", "occupation", "language",
         "waited", "state_balance")


# Workers ranked per batch at least (a batch costs a few milliseconds; a statement, ~1 ms).
MIN_BATCH = 200


@dataclass
class Candidate:
    worker: Worker
    score: int
    parts: dict[str, int] = field(default_factory=dict)


def _count(queryset) -> Subquery:
    return Coalesce(Subquery(queryset.order_by().values("worker").annotate(n=Count("*")).values("n")[:1],
                             output_field=IntegerField()), 0)


def ranked_workers(request: WorkerRequest, workers=None, *, weights: RankingWeights | None = None):
    """The eligible workers of ``workers`` (default: every active worker) for ``request``,
    annotated with each part of the score and ``score``, best first. A queryset: slice it."""
    weights = weights or RankingWeights.for_program(request.program)
    requirements = _requirements(request)
    workers = workers if workers is not None else Worker.objects.all()
    workers = eligible_workers(workers.filter(is_active=True), program=request.program, start=request.start_date,
                               end=request.end_date, requirements=requirements)
    worked = Contract.objects.filter(worker=OuterRef("pk"), status__in=WORKED_STATUSES)
    last_rating = (worked.filter(employer_rating__isnull=False)
                   .annotate(mine=Case(When(request__employer=request.employer_id, then=Value(1)), default=Value(0)))
                   .order_by("-mine", "-end_date").values("employer_rating")[:1])
    last_end = worked.order_by("-end_date").values("end_date")[:1]
    since = Coalesce(Subquery(last_end, output_field=DateField()), Cast("created_at", DateField()))
    months_waited = Extract(Value(request.start_date) - since, "epoch") / (30 * 86400)
    same_state = Contract.objects.live().filter(request=request, worker__state_of_origin=OuterRef("state_of_origin"))
    annotated = workers.annotate(
        is_named=Exists(NamedWorker.objects.filter(request=request, worker=OuterRef("pk"))),
        returned_on_time_before=Exists(worked.filter(returned_on_time=True)),
        worked_for_employer=Exists(worked.filter(request__employer=request.employer_id)),
        last_rating=Coalesce(Subquery(last_rating, output_field=IntegerField()), 0),
        certificates_held=_count(Certificate.objects.filter(
            worker=OuterRef("pk"), scheme_id__in=requirements.certification_scheme_ids).valid_on(request.start_date))
        if requirements.certification_scheme_ids else Value(0),
        has_occupation=Exists(Worker.occupations.through.objects.filter(worker=OuterRef("pk"),
                                                                       occupation=request.occupation_id)),
        languages_spoken=_count(WorkerLanguage.objects.filter(worker=OuterRef("pk"),
                                                              language__in=requirements.language_codes))
        if requirements.language_codes else Value(0),
        months_waited=Least(Cast(months_waited, IntegerField()), Value(weights.waited_cap_months)),
        same_state_on_request=_count(same_state),
    ).annotate(
        p_named=_flag("is_named", weights.named),
        p_returned_on_time=_flag("returned_on_time_before", weights.returned_on_time),
        p_same_employer=_flag("worked_for_employer", weights.same_employer),
        p_evaluation=F("last_rating") * weights.evaluation,
        p_certification=F("certificates_held") * weights.certification,
        p_occupation=_flag("has_occupation", weights.occupation),
        p_language=F("languages_spoken") * weights.language,
        p_waited=Greatest0(F("months_waited")) * weights.waited_month,
        p_state_balance=-F("same_state_on_request") * weights.state_balance,
    )
    score = sum((F(f"p_{part}") for part in PARTS[1:]), F("p_named"))
    return annotated.annotate(score=score).order_by("-score", "pk")


def _flag(name: str, weight: int):
    return Case(When(**{name: True}, then=Value(weight)), default=Value(0), output_field=IntegerField())


def Greatest0(expression):
    from django.db.models.functions import Greatest

    return Greatest(expression, Value(0))


def candidates(request: WorkerRequest, workers=None, *, limit: int = 50) -> list[Candidate]:
    """The best ``limit`` candidates with the parts of their score: ``ranked_workers(...)[:limit]``.

    Scoring every eligible worker costs a dozen index probes each (over a second at 100,000
    workers), so this scores in batches, best upper bound first, and stops once the ``limit``-th
    score found beats every bound left: the same result, exactly. Bounds (:func:`_bounds`) come
    first from the workers with worked contracts and the named ones, who hold the top places;
    only if those cannot fill them does it bound every worker of the pool."""
    if limit <= 0:
        return []
    weights = RankingWeights.for_program(request.program)
    pool = (workers if workers is not None else Worker.objects.all()).filter(is_active=True)
    batch = max(4 * limit, MIN_BATCH)
    found: list = []
    seen: set[int] = set()
    constant, _params = _bound_terms(request, weights)
    new_entrant_ceiling = constant + weights.occupation + weights.waited_cap_months * weights.waited_month
    for scope, ceiling in (("history", new_entrant_ceiling), ("pool", None)):
        fetched = 2 * batch + 1
        bounds = _bounds(request, pool, weights, fetched, scope=scope)
        first = 0
        while first < len(bounds):
            chunk = [pk for pk, _bound in bounds[first:first + batch] if pk not in seen]
            seen.update(chunk)
            if chunk:
                found += list(ranked_workers(request, pool.filter(pk__in=chunk), weights=weights))
                found.sort(key=lambda row: (-row.score, row.pk))
                found = found[:limit]
            first += batch
            if first >= len(bounds) and len(bounds) == fetched:  # more workers than fetched: fetch further
                fetched *= 4
                bounds = _bounds(request, pool, weights, fetched, scope=scope)
            left = max(bounds[first][1] if first < len(bounds) else -1, -1 if ceiling is None else ceiling)
            if len(found) == limit and found[-1].score > left:
                return _as_candidates(found)
            if first < len(bounds) and ceiling is not None and bounds[first][1] <= ceiling:
                break  # the rest of this scope bounds no higher than the new entrants: bound everyone
    return _as_candidates(found)


def _as_candidates(rows) -> list[Candidate]:
    return [Candidate(worker=row, score=row.score, parts={part: getattr(row, f"p_{part}") for part in PARTS})
            for row in rows]


def _bound_terms(request: WorkerRequest, weights: RankingWeights) -> tuple[int, list]:
    """The parts every worker may reach at most (certifications, languages: all held; state
    balance: 0), and the parameters of :data:`BOUND_SQL` in order."""
    requirements = _requirements(request)
    constant = (weights.certification * len(requirements.certification_scheme_ids)
                + weights.language * len(requirements.language_codes))
    return constant, [constant, request.occupation_id, weights.occupation, weights.named, weights.returned_on_time,
                      weights.same_employer, weights.evaluation,
                      weights.waited_cap_months, request.start_date, weights.waited_month]


# A worker's bound: at their maximum the certifications and languages (all held), the state
# balance (0), the rating (the best one the worker ever had) and one month more of waiting;
# exactly: named, came home on time, worked for this employer, the occupation.
BOUND_SQL = """
    %s
    + CASE WHEN EXISTS (SELECT 1 FROM workers_worker_occupations o WHERE o.worker_id = {id} AND o.occupation_id = %s)
      THEN %s ELSE 0 END
    + CASE WHEN named.worker_id IS NOT NULL THEN %s ELSE 0 END
    + CASE WHEN h.on_time THEN %s ELSE 0 END
    + CASE WHEN h.for_employer THEN %s ELSE 0 END
    + COALESCE(h.best_rating, 0) * %s
    + LEAST(%s, GREATEST(0, (%s::date - COALESCE(h.last_end, {created})) / 30 + 1)) * %s
"""
HISTORY_SQL = """
    SELECT c.worker_id, bool_or(c.returned_on_time) AS on_time, max(c.employer_rating) AS best_rating,
           max(c.end_date) AS last_end, bool_or(c.request_id = ANY(%s)) AS for_employer
    FROM contracts_contract c WHERE c.status = ANY(%s) GROUP BY c.worker_id
"""


def _bounds(request: WorkerRequest, pool, weights: RankingWeights, count: int, *,
            scope: str) -> list[tuple[int, int]]:
    """(worker id, upper bound of its score) for the ``count`` highest bounds, highest first, of
    the workers with worked contracts and the named ones (``scope="history"``: a superset of
    theirs in the pool, never a pass over every worker) or of every worker of ``pool``. One
    statement: worked contracts aggregated once per worker (a hash join), never a probe per worker."""
    _constant, bound_params = _bound_terms(request, weights)
    employer_requests = list(WorkerRequest.objects.filter(employer=request.employer_id).values_list("pk", flat=True))
    history_params = [employer_requests, [str(status) for status in WORKED_STATUSES]]
    named_sql = "SELECT DISTINCT worker_id FROM employers_namedworker WHERE request_id = %s"
    if scope == "history":
        # Driven by the worked contracts and the named workers alone: no pass over every worker.
        worker = "COALESCE(h.worker_id, named.worker_id)"
        bound = BOUND_SQL.format(id=worker, created="(SELECT x.created_at::date FROM workers_worker x "
                                                     "WHERE x.id = named.worker_id)")
        sql = f"""
            SELECT {worker}, {bound} AS bound
            FROM ({HISTORY_SQL}) h FULL OUTER JOIN ({named_sql}) named ON named.worker_id = h.worker_id
            ORDER BY bound DESC, 1
            LIMIT %s
        """  # noqa: S608 - fixed SQL; every value stays a parameter
        source_params = []
    else:
        try:
            pool_sql, source_params = pool.order_by().values("pk", "created_at").query.sql_with_params()
        except EmptyResultSet:  # e.g. visible_to() of someone who sees no worker
            return []
        sql = f"""
            SELECT w.id, {BOUND_SQL.format(id="w.id", created="w.created_at::date")} AS bound
            FROM ({pool_sql}) AS w (id, created_at)
            LEFT JOIN ({HISTORY_SQL}) h ON h.worker_id = w.id
            LEFT JOIN ({named_sql}) named ON named.worker_id = w.id
            ORDER BY bound DESC, w.id
            LIMIT %s
        """  # noqa: S608 - fixed SQL and the pool's SQL from the ORM; every value stays a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [*bound_params, *source_params, *history_params, request.pk, count])
        return cursor.fetchall()


def scores_of(request: WorkerRequest, workers) -> dict[int, dict]:
    """The score and its parts for each of ``workers`` (eligible ones; by id), as kept on the
    contracts they are allocated: why each worker was chosen, on record."""
    ranked = ranked_workers(request, Worker.objects.filter(pk__in=[worker.pk for worker in workers]))
    return {row.pk: {"score": row.score, **{part: getattr(row, f"p_{part}") for part in PARTS}} for row in ranked}


__all__ = ["PARTS", "Candidate", "candidates", "ranked_workers", "scores_of"]
