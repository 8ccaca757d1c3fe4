"""Eligibility: may this worker go on a contract of this program between these dates?

One service answers for the UI, the API and allocation: :func:`check_eligibility` gives
"eligible" or every reason why not, each with a code and a translated message. Rules are a
registry: this app brings the person and document rules; certification adds certificates and
contracts adds overlapping contracts, each with ``@register``.

Each rule answers for one worker (``reasons``), for lists of a million workers as a queryset
filter (``exclude_ineligible``) and, for season allocation's many questions about one pool, as an
array over a :class:`WorkerTable` (``mask``); the forms live side by side in the rule so they
cannot drift apart, and tests check that they agree. A rule without ``mask`` is asked in SQL.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
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

    # Optional: def mask(self, table: WorkerTable, question) -> np.ndarray (True: passes the rule)


class WorkerTable:
    """A set of workers as arrays in ascending id order, for answering many eligibility questions
    about the same people in memory (:func:`eligible_mask`). Rules load the rows they read once,
    on first use, one statement each (:meth:`rows`)."""

    def __init__(self, workers: QuerySet):
        self.workers = workers
        rows = list(workers.order_by("pk").values_list("pk", "is_active", "status", "birth_date"))
        self.ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        self.is_active = np.fromiter((row[1] for row in rows), dtype=bool, count=len(rows))
        self.status = np.asarray([row[2] for row in rows], dtype="U20")
        self.birth_date = _ordinals(row[3] for row in rows)
        self._rows: dict = {}

    def __len__(self) -> int:
        return len(self.ids)

    def positions(self, ids) -> np.ndarray:
        return np.searchsorted(self.ids, np.asarray(ids, dtype=np.int64))

    def rows(self, name: str, queryset_of) -> tuple[np.ndarray, ...]:
        """``queryset_of(ids subquery)``: a values_list whose first column is the worker id; its
        rows as arrays (positions, then each column; dates as ordinals, no date as 0)."""
        if name not in self._rows:
            queryset = queryset_of(self.workers.order_by().values("pk"))
            found = list(queryset)
            columns = list(zip(*found, strict=True)) if found else [()] * len(queryset._fields)
            self._rows[name] = (self.positions(columns[0]), *(_ordinals(column) for column in columns[1:]))
        return self._rows[name]

    def any_row(self, positions: np.ndarray, passing: np.ndarray | None = None) -> np.ndarray:
        """True for the workers with at least one row (``passing`` ones only, when given)."""
        mask = np.zeros(len(self.ids), dtype=bool)
        mask[positions if passing is None else positions[passing]] = True
        return mask


def _ordinals(values) -> np.ndarray:
    return np.fromiter((value.toordinal() if value else 0 for value in values), dtype=np.int64)


def eligible_mask(table: WorkerTable, *, program: Program, start: datetime.date, end: datetime.date,
                  requirements: Requirements | None = None) -> np.ndarray:
    """For each worker of ``table``, what :func:`check_eligibility` would answer (True:
    eligible), in memory: a few microseconds per question and worker once the rows are loaded."""
    question = EligibilityQuestion(program=program, start=start, end=end, requirements=requirements or Requirements())
    mask = np.ones(len(table), dtype=bool)
    for rule in RULES:
        if hasattr(rule, "mask"):
            mask &= rule.mask(table, question)
        else:  # a rule without its array form: asked in SQL, the same answer, slower
            passing = np.zeros(len(table), dtype=bool)
            passing[table.positions(list(rule.exclude_ineligible(table.workers, question)
                                         .values_list("pk", flat=True)))] = True
            mask &= passing
    return mask


def _documents(kind: str):
    """The verified documents of ``kind`` of the table's workers: worker, issued on, expires on."""
    def rows(ids):
        return Document.objects.filter(worker__in=ids, kind=kind, verified_at__isnull=False).values_list(
            "worker_id", "issued_on", "expires_on")
    return rows


RULES: list[Rule] = []


def register(rule_class):
    """Add a rule to the registry (a class decorator)."""
    RULES.append(rule_class())
    return rule_class


def prefetch_for_eligibility(prefix: str = "") -> list[str]:
    """What to prefetch on workers (``prefix`` + name) so that checking many of them costs a
    fixed number of queries: each rule names the relations it reads in ``prefetch``."""
    names = ["documents"]
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

    def mask(self, table, question):
        return table.is_active & ~np.isin(table.status, [str(status) for status in self.BLOCKED])


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

    def mask(self, table, question):
        return table.birth_date <= _years_before(question.start, question.program.minimum_age).toordinal()


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

    def mask(self, table, question):
        positions, _issued, expires = table.rows("passports", _documents(DocumentKind.PASSPORT))
        return table.any_row(positions, expires >= self.valid_until(question).toordinal())


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

    def mask(self, table, question):
        positions, issued, expires = table.rows("medicals", _documents(DocumentKind.MEDICAL))
        start = question.start.toordinal()
        current = (issued >= self.issued_since(question).toordinal()) & ((expires == 0) | (expires >= start))
        return table.any_row(positions, current)


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

    def mask(self, table, question):
        return table.any_row(table.rows("background_checks", _documents(DocumentKind.BACKGROUND_CHECK))[0])
