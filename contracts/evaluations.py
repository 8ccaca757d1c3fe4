"""Evaluations, both ways, at the end of a contract (DESIGN.md: Evaluation).

- ``of_worker``: the employer rates the worker and says whether it would hire them again. Its
  users record it, or staff who see the contract (from a paper form). Its overall rating becomes
  the contract's ``employer_rating``, which the ranking reads next season (through the work
  history the database keeps, ``contracts.models.WorkHistory``).
- ``of_employer``: the worker rates the employer. Only program staff record it, as SAWP's
  liaison officers collect it on paper; an employer never records it, nor reads one: it sees
  only averages over at least ``MINIMUM_RATINGS_SHOWN_TO_EMPLOYER`` ratings, so that no worker
  can be told apart by their answers.

One evaluation per contract and direction, once the contract has been worked; the unique
constraint ``evaluation_once_per_contract`` decides between two racing recorders. Staff show the
employer's evaluation to the worker and record the worker's contest of it, once."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, IntegerField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import WORKED_STATUSES, Contract, Evaluation
from employers.models import Employer, employer_of
from twp.exceptions import Conflict, DomainError
from twp.models import Role, User

D = Evaluation.Direction

# What each side is rated on, each from 1 (poor) to 5 (excellent). Codes are the API's keys.
CRITERIA: dict[str, dict[str, str]] = {
    D.OF_WORKER: {
        "quality": _("Quality of work"),
        "reliability": _("Reliability and punctuality"),
        "safety": _("Follows safety rules"),
        "teamwork": _("Teamwork"),
    },
    D.OF_EMPLOYER: {
        "housing": _("Housing"),
        "treatment": _("Treatment of the workers"),
        "wages_on_time": _("Wages paid in full and on time"),
        "safety": _("Safety at work"),
    },
}
LOWEST_SCORE, HIGHEST_SCORE = 1, 5
# Workers' ratings reach an employer only as averages over at least this many (DESIGN.md), the
# same threshold below which the public statistics suppress a cell.
MINIMUM_RATINGS_SHOWN_TO_EMPLOYER = 5
# An error names at most this many unknown criteria: the keys are the client's input.
UNKNOWN_CRITERIA_NAMED = 5
ONCE_CONSTRAINT = "evaluation_once_per_contract"


def overall_of(scores: dict[str, int]) -> int:
    """The mean of the scores, halves rounded up (3.5 → 4): a whole 1–5 like each score."""
    mean = Decimal(sum(scores.values())) / len(scores)
    return int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _checked_scores(direction: str, scores) -> dict[str, int]:
    """The scores if they rate every criterion of ``direction`` once with a whole 1–5; otherwise
    a ``ValidationError`` on ``scores`` with one message per criterion at fault."""
    if not isinstance(scores, dict):
        raise ValidationError({"scores": [_("Give one score per criterion.")]})
    criteria = CRITERIA[direction]
    errors = []
    unknown = sorted(str(key)[:40] for key in scores if key not in criteria)
    if unknown:
        errors.append(_("Not a criterion of this evaluation: %(unknown)s. The criteria are: %(criteria)s.") % {
            "unknown": ", ".join(f"“{key}”" for key in unknown[:UNKNOWN_CRITERIA_NAMED]),
            "criteria": ", ".join(criteria)})
    for criterion in criteria:
        if criterion not in scores:
            errors.append(_("Rate “%(criterion)s” from 1 to 5.") % {"criterion": criterion})
            continue
        value = scores[criterion]
        # JSON true is an int to Python; a rating is never a yes/no.
        if isinstance(value, bool) or not isinstance(value, int) or not LOWEST_SCORE <= value <= HIGHEST_SCORE:
            errors.append(_("Rate “%(criterion)s” with a whole number from 1 to 5.") % {"criterion": criterion})
    if errors:
        raise ValidationError({"scores": errors})
    return {criterion: scores[criterion] for criterion in criteria}


def _may_record(user: User, contract: Contract, direction: str) -> bool:
    """``of_worker``: the contract's employer (its users and employer-scoped service accounts) or
    staff who see the contract; ``of_employer``: only staff who see it, never the employer."""
    if user.is_program_staff:
        return Contract.objects.visible_to(user).filter(pk=contract.pk).exists()
    if direction == D.OF_WORKER and user.viewing_role == Role.EMPLOYER:
        employer = employer_of(user)
        return employer is not None and employer.pk == contract.request.employer_id
    return False


def evaluation_record(*, contract: Contract, direction: str, scores: dict[str, int], would_repeat: bool,
                      comment: str = "", by: User) -> Evaluation:
    """Record one side's evaluation of a worked contract.

    Raises ``DomainError`` (unknown direction), ``ValidationError`` on ``scores`` (each criterion
    of the direction once, a whole 1–5, nothing else), ``PermissionDenied`` (not theirs to record),
    ``Conflict`` (the contract has not been worked yet, or already has this evaluation). The
    overall rating is the rounded mean of the scores. An ``of_worker`` evaluation also sets the
    contract's ``employer_rating``, in the same transaction. Nothing is written on refusal."""
    if direction not in D.values:
        raise DomainError(_("Choose the direction from the list."), field="direction")
    with transaction.atomic():
        # The lock keeps the status read below true until commit (a worked contract can still
        # move, e.g. ended → returned, and must stay worked). It is not what makes an evaluation
        # unique: the constraint is.
        current = (Contract.objects.select_for_update(of=("self",)).select_related("request")
                   .get(pk=contract.pk))
        if not _may_record(by, current, direction):
            raise PermissionDenied
        scores = _checked_scores(direction, scores)
        overall = overall_of(scores)
        if current.status not in WORKED_STATUSES:
            raise Conflict(_("This contract has not been worked yet: evaluate it once it has ended."),
                           field="contract")
        try:
            with transaction.atomic():
                evaluation = Evaluation.objects.create(contract=current, direction=direction, scores=scores,
                                                       overall=overall, would_repeat=would_repeat,
                                                       comment=comment.strip(), by=by)
        except IntegrityError as error:
            if getattr(getattr(error.__cause__, "diag", None), "constraint_name", None) == ONCE_CONSTRAINT:
                raise Conflict(_("This contract already has this evaluation.")) from error
            raise
        if direction == D.OF_WORKER:
            # The ranking reads the rating from the contract (a database trigger copies the best one
            # into the worker's work history); the version tells editors the contract changed.
            Contract.objects.filter(pk=current.pk).update(employer_rating=overall, version=F("version") + 1,
                                                          updated_at=timezone.now())
    return evaluation


def _staff_only(user: User) -> None:
    if not user.is_program_staff:
        raise PermissionDenied


def evaluation_show_to_worker(*, evaluation: Evaluation, by: User) -> Evaluation:
    """Record that staff showed the employer's evaluation to the worker (staff only). Showing it
    again keeps the first date and changes nothing. Only then may the worker contest it."""
    _staff_only(by)
    if evaluation.direction != D.OF_WORKER:
        raise DomainError(_("Only the employer's evaluation of the worker is shown to the worker."))
    now = timezone.now()
    # Compare-and-set: of two staff showing it at once, the first date stands.
    Evaluation.objects.filter(pk=evaluation.pk, shown_to_worker_at__isnull=True).update(
        shown_to_worker_at=now, updated_at=now)
    evaluation.refresh_from_db()
    return evaluation


def evaluation_record_contest(*, evaluation: Evaluation, text: str, by: User) -> Evaluation:
    """Record the worker's contest of the employer's evaluation, in their words (staff only).

    Only of an evaluation of the worker, once, after it was shown to the worker; the
    evaluation itself stays as the employer gave it, and staff read the contest beside it.
    Raises ``DomainError`` (no text, or the other direction) or ``Conflict`` (not shown yet,
    already contested)."""
    _staff_only(by)
    if evaluation.direction != D.OF_WORKER:
        raise DomainError(_("Only the employer's evaluation of the worker can be contested."))
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write down what the worker contests."), field="text")
    with transaction.atomic():
        now = timezone.now()
        # Compare-and-set: the conditions and the write are one statement, so two staff recording
        # a contest at once cannot both succeed.
        changed = Evaluation.objects.filter(
            pk=evaluation.pk, shown_to_worker_at__isnull=False, contested_at__isnull=True,
        ).update(contest=text, contested_at=now, contest_recorded_by=by, updated_at=now)
        if not changed:
            current = Evaluation.objects.get(pk=evaluation.pk)
            if current.contested_at is not None:
                raise Conflict(_("The worker's contest of this evaluation is already recorded."))
            raise Conflict(_("Show the evaluation to the worker before recording a contest."))
    evaluation.refresh_from_db()
    return evaluation


@dataclass(frozen=True)
class Averages:
    """The workers' ratings of one employer: the number of ratings, the mean overall rating and
    the mean per criterion (None while there are none)."""

    count: int
    overall: float | None
    criteria: dict[str, float | None]


def employer_averages(*, employer: Employer, for_employer: bool) -> Averages | None:
    """The averages of the workers' evaluations of ``employer`` (one query).

    For the employer itself (``for_employer``), None under ``MINIMUM_RATINGS_SHOWN_TO_EMPLOYER``
    ratings: neither the averages nor how many there are, since a count of one or two, with the
    seasons it worked, names the workers. Staff always get them, count included."""
    criteria = CRITERIA[D.OF_EMPLOYER]
    row = Evaluation.objects.filter(direction=D.OF_EMPLOYER, contract__request__employer=employer).aggregate(
        count=Count("id"), overall=Avg("overall"),
        **{f"criterion_{criterion}": Avg(Cast(KT(f"scores__{criterion}"), IntegerField()))
           for criterion in criteria})
    if for_employer and row["count"] < MINIMUM_RATINGS_SHOWN_TO_EMPLOYER:
        return None

    def rounded(value):
        return None if value is None else round(float(value), 2)

    return Averages(count=row["count"], overall=rounded(row["overall"]),
                    criteria={criterion: rounded(row[f"criterion_{criterion}"]) for criterion in criteria})


__all__ = ["CRITERIA", "MINIMUM_RATINGS_SHOWN_TO_EMPLOYER", "Averages", "employer_averages", "evaluation_record",
           "evaluation_record_contest", "evaluation_show_to_worker", "overall_of"]
