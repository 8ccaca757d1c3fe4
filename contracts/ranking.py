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
    """The best ``limit`` candidates with the parts of their score."""
    rows = ranked_workers(request, workers)[:limit]
    return [Candidate(worker=row, score=row.score, parts={part: getattr(row, f"p_{part}") for part in PARTS})
            for row in rows]


def scores_of(request: WorkerRequest, workers) -> dict[int, dict]:
    """The score and its parts for each of ``workers`` (eligible ones; by id), as kept on the
    contracts they are allocated: why each worker was chosen, on record."""
    ranked = ranked_workers(request, Worker.objects.filter(pk__in=[worker.pk for worker in workers]))
    return {row.pk: {"score": row.score, **{part: getattr(row, f"p_{part}") for part in PARTS}} for row in ranked}


__all__ = ["PARTS", "Candidate", "candidates", "ranked_workers", "scores_of"]
