"""Eligibility: may this worker go on a contract of this program between these dates?

One service answers for the UI, the API and allocation: :func:`check_eligibility` gives
"eligible" or every reason why not, each with a code and a translated message. Rules are a
registry: this app brings the person and document rules; certification adds certificates and
contracts adds overlapping contracts, each with ``@register``.

Each rule answers for one worker (``reasons``) and, for lists of a million workers, as a queryset
filter (``exclude_ineligible``); both live side by side in the rule so they cannot drift apart,
and a test checks that they agree.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Protocol

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from twp.models import Program
from workers.models import Document, DocumentKind, Worker, WorkerStatus


@dataclass(frozen=True)
class Reason:
    code: str
    message: str


@dataclass(frozen=True)
class Requirements:
    """What a request may add on top of the program's rules (later issues add more fields)."""

    certification_scheme_ids: tuple[int, ...] = ()
    language_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class EligibilityQuestion:
    program: Program
    start: datetime.date
    end: datetime.date
    requirements: Requirements = field(default_factory=Requirements)


@dataclass(frozen=True)
class Eligibility:
    reasons: tuple[Reason, ...]

    @property
    def is_eligible(self) -> bool:
        return not self.reasons

    @property
    def codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]


class Rule(Protocol):
    code: str

    def reasons(self, worker: Worker, question: EligibilityQuestion) -> list[Reason]: ...

    def exclude_ineligible(self, workers: QuerySet, question: EligibilityQuestion) -> QuerySet: ...


RULES: list[Rule] = []


def register(rule_class):
    """Add a rule to the registry (a class decorator)."""
    RULES.append(rule_class())
    return rule_class


def prefetch_for_eligibility(prefix: str = "") -> list[str]:
    """What to prefetch on workers (``prefix`` + name) so that checking many of them costs a
    fixed number of queries: each rule names the relations it reads in ``prefetch``."""
    names = ["documents", "languages"]
    for rule in RULES:
        names += [name for name in getattr(rule, "prefetch", ()) if name not in names]
    return [prefix + name for name in names]


def check_eligibility(
    *, worker: Worker, program: Program, start: datetime.date, end: datetime.date,
    requirements: Requirements | None = None,
) -> Eligibility:
    """Every reason why ``worker`` cannot take a contract of ``program`` over [start, end)."""
    question = EligibilityQuestion(program=program, start=start, end=end, requirements=requirements or Requirements())
    reasons = [reason for rule in RULES for reason in rule.reasons(worker, question)]
    return Eligibility(reasons=tuple(reasons))


def eligible_workers(
    workers: QuerySet, *, program: Program, start: datetime.date, end: datetime.date,
    requirements: Requirements | None = None,
) -> QuerySet:
    """The workers of ``workers`` that :func:`check_eligibility` would call eligible, in SQL."""
    question = EligibilityQuestion(program=program, start=start, end=end, requirements=requirements or Requirements())
    for rule in RULES:
        workers = rule.exclude_ineligible(workers, question)
    return workers


def _age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _years_before(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day ``years`` earlier (28 February for a 29 February that does not exist)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _verified_documents(worker: Worker, kind: str) -> list[Document]:
    # Uses the prefetch cache when the caller prefetched documents (lists, allocation).
    return [document for document in worker.documents.all() if document.kind == kind and document.is_verified]


@register
class ActiveStatusRule:
    code = "status"
    BLOCKED = (WorkerStatus.INELIGIBLE, WorkerStatus.SUSPENDED)

    def reasons(self, worker, question):
        if not worker.is_active:
            return [Reason("inactive", _("The worker's record is deactivated."))]
        if worker.status in self.BLOCKED:
            return [Reason(
                "status_blocked",
                _("The worker is %(status)s: %(reason)s") % {
                    "status": worker.get_status_display().lower(), "reason": worker.status_reason,
                },
            )]
        return []

    def exclude_ineligible(self, workers, question):
        return workers.filter(is_active=True).exclude(status__in=self.BLOCKED)


@register
class MinimumAgeRule:
    code = "under_minimum_age"

    def reasons(self, worker, question):
        if _age_on(worker.birth_date, question.start) < question.program.minimum_age:
            return [Reason(self.code, _("The worker will be under %(age)d years old when the contract starts.")
                           % {"age": question.program.minimum_age})]
        return []

    def exclude_ineligible(self, workers, question):
        return workers.filter(birth_date__lte=_years_before(question.start, question.program.minimum_age))


@register
class PassportRule:
    code = "passport"

    def valid_until(self, question) -> datetime.date:
        return question.end + datetime.timedelta(days=question.program.passport_validity_margin_days)

    def reasons(self, worker, question):
        needed = self.valid_until(question)
        if not any(document.expires_on and document.expires_on >= needed
                   for document in _verified_documents(worker, DocumentKind.PASSPORT)):
            return [Reason("passport_missing_or_expiring",
                           _("No verified passport valid until %(date)s.") % {"date": needed.isoformat()})]
        return []

    def exclude_ineligible(self, workers, question):
        return workers.filter(Exists(Document.objects.filter(
            worker=OuterRef("pk"), kind=DocumentKind.PASSPORT, verified_at__isnull=False,
            expires_on__gte=self.valid_until(question),
        )))


@register
class MedicalApprovalRule:
    code = "medical"

    def issued_since(self, question) -> datetime.date:
        return question.start - datetime.timedelta(days=question.program.medical_approval_max_age_days)

    def reasons(self, worker, question):
        since = self.issued_since(question)
        current = [
            document for document in _verified_documents(worker, DocumentKind.MEDICAL)
            if document.issued_on >= since and (document.expires_on is None or document.expires_on >= question.start)
        ]
        if not current:
            return [Reason("medical_missing_or_outdated",
                           _("No verified medical approval issued on or after %(date)s.")
                           % {"date": since.isoformat()})]
        return []

    def exclude_ineligible(self, workers, question):
        return workers.filter(Exists(Document.objects.filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=question.start),
            worker=OuterRef("pk"), kind=DocumentKind.MEDICAL, verified_at__isnull=False,
            issued_on__gte=self.issued_since(question),
        )))


@register
class BackgroundCheckRule:
    code = "background_check_missing"

    def reasons(self, worker, question):
        if not _verified_documents(worker, DocumentKind.BACKGROUND_CHECK):
            return [Reason(self.code, _("No verified background check."))]
        return []

    def exclude_ineligible(self, workers, question):
        return workers.filter(Exists(Document.objects.filter(
            worker=OuterRef("pk"), kind=DocumentKind.BACKGROUND_CHECK, verified_at__isnull=False,
        )))
