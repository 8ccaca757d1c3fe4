"""Worker requests: every change goes through one of these functions.

The status machine is one table (``TRANSITIONS``): each action, the statuses it starts from, the
status it leads to and who may take it. Every change writes a ``RequestEvent`` (the timeline)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from employers.models import (
    ALLOCATABLE_STATUSES,
    Employer,
    NamedWorker,
    RequestEvent,
    RequestStatus,
    WorkerRequest,
    employer_of,
)
from employers.services import consulate_staff, employer_users
from employers.validators import labour_market_reference_errors
from twp.exceptions import DomainError, InvalidTransition, StaleVersion
from twp.models import Role, User
from twp.services import notification_enqueue
from workers.eligibility import Requirements, check_eligibility, prefetch_for_eligibility
from workers.models import Worker

S = RequestStatus

# Fields an employer fills in; status, season and the rest follow from the actions.
REQUEST_FIELDS = ("program", "worksite", "occupation", "workers_requested", "start_date", "end_date",
                  "wage_amount", "wage_currency", "hours_per_week", "required_languages",
                  "labour_market_reference", "no_substitutes", "notes")
# What an amendment of an approved request may change (it then goes back to review).
AMENDABLE_FIELDS = ("workers_requested", "start_date", "end_date")


def _is_owner(user: User, request: WorkerRequest) -> bool:
    return user.viewing_role == Role.EMPLOYER and employer_of(user) is not None and \
        employer_of(user).pk == request.employer_id


def _governs(user: User, request: WorkerRequest) -> bool:
    # A list may annotate each row with ``caller_governs`` for the user it is shown to (one
    # query for the page instead of one per row); actions re-read the row and ask the database.
    governed = getattr(request, "caller_governs", None)
    if governed is not None:
        return governed
    return WorkerRequest.objects.governed_by(user).filter(pk=request.pk).exists()


def _owner_or_administrator(user, request):
    return _is_owner(user, request) or (user.is_administrator and not user.is_service_account)


def _owner_or_governing(user, request):
    return _is_owner(user, request) or _governs(user, request)


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    target: str
    may: object  # (user, request) -> bool
    event: str


TRANSITIONS = {
    "submit": Transition(frozenset({S.DRAFT}), S.SUBMITTED, _owner_or_administrator, RequestEvent.Kind.SUBMITTED),
    "approve": Transition(frozenset({S.SUBMITTED}), S.APPROVED, _governs, RequestEvent.Kind.APPROVED),
    "reject": Transition(frozenset({S.SUBMITTED}), S.REJECTED, _governs, RequestEvent.Kind.REJECTED),
    "cancel": Transition(frozenset({S.DRAFT, S.SUBMITTED, S.APPROVED}), S.CANCELLED, _owner_or_governing,
                         RequestEvent.Kind.CANCELLED),
    "amend": Transition(frozenset({S.APPROVED}), S.SUBMITTED, _owner_or_administrator, RequestEvent.Kind.AMENDED),
}


def allowed_actions(request: WorkerRequest, user: User) -> list[str]:
    """The actions ``user`` may take on ``request`` now (``copy`` and ``edit`` included)."""
    actions = [name for name, transition in TRANSITIONS.items()
               if request.status in transition.sources and transition.may(user, request)]
    if request.status == S.DRAFT and _owner_or_administrator(user, request):
        actions.append("edit")
    if _owner_or_administrator(user, request):
        actions.append("copy")
    return sorted(actions)


def _event(request, kind, *, by, from_status="", to_status="", reason="", details=None):
    return RequestEvent.objects.create(request=request, kind=kind, from_status=from_status, to_status=to_status,
                                       reason=reason, details=details or {}, by=by)


# --- Validation: one place for every rule on a request's terms ---------------------------------

def request_errors(request: WorkerRequest, *, submitting: bool = False, lead_time: bool = True) -> dict[str, str]:
    """Every reason why the request's terms break the program's rules, by field. The lead time
    counts when the employer files or submits, not when staff review (reviews take time)."""
    errors: dict[str, str] = {}
    program = request.program
    employer = request.employer
    if request.worksite_id and request.worksite.employer_id != employer.pk:
        errors["worksite"] = _("Choose one of your own worksites.")
    if request.worksite_id and program.destination_country != request.worksite.region.split("-")[0]:
        errors["worksite"] = _("This worksite is not in the program's destination country.")
    if request.workers_requested is not None and request.workers_requested < 1:
        errors["workers_requested"] = _("Ask for at least one worker.")
    if request.start_date and request.end_date:
        errors.update(program.contract_period_errors(request.start_date, request.end_date, request.hours_per_week))
        if lead_time and request.start_date < program.earliest_request_start() and "start_date" not in errors:
            errors["start_date"] = _(
                "Requests are submitted at least %(days)s days before the start: the earliest start is %(day)s."
            ) % {"days": program.request_lead_days, "day": program.earliest_request_start().isoformat()}
    if request.hours_per_week is not None and not 1 <= request.hours_per_week <= 84:
        errors["hours_per_week"] = _("Between 1 and 84 hours a week.")
    if request.wage_currency and request.wage_currency != program.currency:
        errors["wage_currency"] = _("Wages in this program are paid in %(currency)s.") % {"currency": program.currency}
    if request.wage_amount is not None:
        if request.wage_amount <= 0:
            errors["wage_amount"] = _("The wage must be more than zero.")
        elif request.worksite_id and request.start_date and "worksite" not in errors:
            minimum = program.minimum_wage(region=request.worksite.region, occupation_id=request.occupation_id,
                                           on=request.start_date)
            if minimum is not None and request.wage_amount < minimum:
                errors["wage_amount"] = _(
                    "The minimum wage for this occupation in %(region)s is %(minimum)s %(currency)s an hour."
                ) % {"region": request.worksite.get_region_display(), "minimum": minimum,
                     "currency": program.currency}
    errors.update(labour_market_reference_errors(program.destination_country, request.labour_market_reference))
    if submitting:
        if not employer.is_approved:
            errors["__all__"] = _("Your employer registration must be approved before you submit requests; "
                                  "you can keep drafts meanwhile.")
        if not request.labour_market_reference and "labour_market_reference" not in errors:
            errors["labour_market_reference"] = _("Give the labour-market approval (LMIA or DOL case number).")
        if request.worksite_id and request.start_date and not request.worksite.housing_valid_on(request.start_date):
            errors["worksite"] = _("The housing of this worksite needs an inspection that is valid on the start date.")
        named = request.named_workers.count() if request.pk else 0
        if named > request.workers_requested:
            errors["workers_requested"] = _("You named %(named)s workers: ask for at least that many.") % {
                "named": named}
    return errors


def _check(request, *, submitting=False):
    errors = request_errors(request, submitting=submitting)
    if errors:
        raise ValidationError(errors)


def _fill(request: WorkerRequest, fields: dict, allowed) -> None:
    for name, value in fields.items():
        if name not in allowed:
            raise DomainError(_("This field cannot be changed here."), field=name)
        setattr(request, name, value)
    if request.start_date:
        request.season = request.start_date.year
    if request.program_id and not request.wage_currency:
        request.wage_currency = request.program.currency


# --- Creating and editing drafts -------------------------------------------------------------

def _may_draft(user: User, employer: Employer) -> bool:
    if user.is_administrator and not user.is_service_account:
        return True
    own = employer_of(user) if user.viewing_role == Role.EMPLOYER else None
    return own is not None and own.pk == employer.pk


@transaction.atomic
def request_create(*, employer: Employer, by: User, required_schemes=(), **fields) -> WorkerRequest:
    """A new draft. An employer still pending approval may draft; only an approved one submits."""
    if not _may_draft(by, employer):
        raise PermissionDenied
    if employer.status == Employer.Status.REJECTED:
        raise DomainError(_("This employer's registration was rejected: it cannot file requests."))
    request = WorkerRequest(employer=employer, created_by=by)
    _fill(request, fields, REQUEST_FIELDS)
    _check(request)
    request.save()
    request.required_schemes.set(required_schemes)
    _event(request, RequestEvent.Kind.CREATED, by=by, to_status=S.DRAFT)
    return request


def _locked(request: WorkerRequest, version: int | None = None) -> WorkerRequest:
    current = WorkerRequest.objects.select_for_update(of=("self",)).select_related(
        "program", "worksite", "employer", "occupation").get(pk=request.pk)
    if version is not None and current.version != version:
        raise StaleVersion()
    return current


def _bump(request: WorkerRequest, *fields: str) -> None:
    request.version = F("version") + 1
    request.save(update_fields=[*fields, "version", "updated_at"])
    request.refresh_from_db()


@transaction.atomic
def request_update(*, request: WorkerRequest, by: User, version: int, required_schemes=None,
                   **fields) -> WorkerRequest:
    """Change a draft. An approved request changes through :func:`request_amend` instead."""
    current = _locked(request, version)
    if "edit" not in allowed_actions(current, by):
        if not _owner_or_administrator(by, current):
            raise PermissionDenied
        raise InvalidTransition(current=current.status, action="edit", allowed=allowed_actions(current, by))
    _fill(current, fields, REQUEST_FIELDS)
    _check(current)
    _bump(current, *fields, "season", "wage_currency")
    if required_schemes is not None:
        current.required_schemes.set(required_schemes)
    _event(current, RequestEvent.Kind.EDITED, by=by)
    return current


# --- Status changes --------------------------------------------------------------------------

def _transition(request: WorkerRequest, action: str, by: User, *, version: int | None = None,
                reason: str = "") -> tuple[WorkerRequest, str, RequestEvent]:
    transition = TRANSITIONS[action]
    current = _locked(request, version)
    if not transition.may(by, current):
        raise PermissionDenied
    if current.status not in transition.sources:
        raise InvalidTransition(current=current.status, action=action, allowed=allowed_actions(current, by))
    previous = current.status
    current.status = transition.target
    return current, previous, transition.event


@transaction.atomic
def request_submit(*, request: WorkerRequest, by: User, version: int | None = None) -> WorkerRequest:
    current, previous, kind = _transition(request, "submit", by, version=version)
    _check(current, submitting=True)
    current.submitted_at = timezone.now()
    current.status_reason = ""
    _bump(current, "status", "status_reason", "submitted_at")
    event = _event(current, kind, by=by, from_status=previous, to_status=current.status)
    _notify_consulate_submitted(current, event)
    return current


@transaction.atomic
def request_approve(*, request: WorkerRequest, by: User, version: int | None = None,
                    reason: str = "") -> WorkerRequest:
    current, previous, kind = _transition(request, "approve", by, version=version)
    # The rules are checked again: a program rule or the housing may have changed since submission.
    errors = request_errors(current, submitting=True, lead_time=False)
    if current.start_date < current.program.today():
        errors["start_date"] = _("The start date has passed: ask the employer to amend the request.")
    if errors:
        raise ValidationError(errors)
    current.status_reason = reason.strip()
    _bump(current, "status", "status_reason")
    event = _event(current, kind, by=by, from_status=previous, to_status=current.status, reason=reason.strip())
    _notify_employer(current, event, _("Your request %(number)s is approved"))
    return current


@transaction.atomic
def request_reject(*, request: WorkerRequest, by: User, reason: str, version: int | None = None) -> WorkerRequest:
    if not (reason or "").strip():
        raise DomainError(_("Give the reason: the employer will read it."), field="reason")
    current, previous, kind = _transition(request, "reject", by, version=version)
    current.status_reason = reason.strip()
    _bump(current, "status", "status_reason")
    event = _event(current, kind, by=by, from_status=previous, to_status=current.status, reason=reason.strip())
    _notify_employer(current, event, _("Your request %(number)s was not approved"))
    return current


@transaction.atomic
def request_cancel(*, request: WorkerRequest, by: User, reason: str = "", version: int | None = None) -> WorkerRequest:
    current, previous, kind = _transition(request, "cancel", by, version=version)
    current.status_reason = reason.strip()
    _bump(current, "status", "status_reason")
    _event(current, kind, by=by, from_status=previous, to_status=current.status, reason=reason.strip())
    return current


@transaction.atomic
def request_amend(*, request: WorkerRequest, by: User, version: int, reason: str = "", **fields) -> WorkerRequest:
    """Change the dates or the number of workers of an approved request: the change is recorded
    (old and new values) and the request goes back to review."""
    current, previous, kind = _transition(request, "amend", by, version=version)
    changes = {name: [str(getattr(current, name)), str(value)] for name, value in fields.items()
               if name in AMENDABLE_FIELDS and getattr(current, name) != value}
    _fill(current, fields, AMENDABLE_FIELDS)
    if not changes:
        raise DomainError(_("Nothing changed: change the dates or the number of workers."))
    _check(current, submitting=True)
    current.submitted_at = timezone.now()
    current.status_reason = reason.strip()
    _bump(current, "status", "status_reason", "submitted_at", "season", *fields)
    event = _event(current, kind, by=by, from_status=previous, to_status=current.status, reason=reason.strip(),
                   details={"changes": changes})
    _notify_consulate_submitted(current, event)
    return current


@transaction.atomic
def request_copy(*, request: WorkerRequest, by: User, season: int | None = None) -> WorkerRequest:
    """A new draft with the same terms, moved to ``season`` (default: :func:`copy_season`), with
    the same named workers: returning employers file nearly the same request every year. Nothing
    of the original's history is copied."""
    if not _owner_or_administrator(by, request):
        raise PermissionDenied
    source = WorkerRequest.objects.select_related("program", "worksite", "employer").get(pk=request.pk)
    season = season or copy_season(source)
    years = season - source.season
    if years < 0 or years > MAX_COPY_YEARS:
        raise DomainError(_("Copy into this season or one of the next five."), field="season")
    copy = WorkerRequest(
        employer=source.employer, created_by=by, copied_from=source,
        **{name: getattr(source, name) for name in REQUEST_FIELDS},
    )
    copy.start_date = _shift_years(source.start_date, years)
    copy.end_date = _shift_years(source.end_date, years)
    copy.season = copy.start_date.year
    # A copy is a draft: its dates are checked when it is edited and submitted, not now, so a
    # request copied late in the year can still be moved to a later start.
    copy.save()
    copy.required_schemes.set(source.required_schemes.all())
    NamedWorker.objects.bulk_create([
        NamedWorker(request=copy, worker_id=worker_id, added_by=by)
        for worker_id in source.named_workers.values_list("worker_id", flat=True)
    ])
    _event(copy, RequestEvent.Kind.COPIED, by=by, to_status=S.DRAFT,
           details={"from": str(source.public_id), "number": source.number})
    return copy


MAX_COPY_YEARS = 5


def copy_season(source: WorkerRequest) -> int:
    """The season a copy goes to by default: the first after the original's whose start date can
    still be filed (past the lead time), at most five seasons later."""
    earliest = source.program.earliest_request_start()
    for years in range(1, MAX_COPY_YEARS + 1):
        if _shift_years(source.start_date, years) >= earliest:
            return source.season + years
    return source.season + 1


def _shift_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --- Named workers ---------------------------------------------------------------------------

@dataclass(frozen=True)
class NamedWorkerCheck:
    """One named worker and whether they can be placed on the request. Employers are shown only
    ``available``; staff also ``reasons``."""

    named: NamedWorker
    available: bool
    reasons: tuple


# Where "employed before" comes from, each a function (employer, before_season) returning rows of
# worker_id, last_season, last_end. Employers own the stand-in below (workers named on their
# approved requests of earlier seasons, for data from before contracts); contracts adds its own.
FORMER_WORKER_SOURCES: list = []


def _named_on_earlier_requests(employer, before_season):
    return (NamedWorker.objects.filter(request__employer=employer, request__status__in=ALLOCATABLE_STATUSES,
                                       request__season__lt=before_season)
            .values("worker_id").annotate(last_season=Max("request__season"), last_end=Max("request__end_date")))


FORMER_WORKER_SOURCES.append(_named_on_earlier_requests)


def former_workers(employer: Employer) -> list[dict]:
    """The workers an employer may name: those it employed in earlier seasons, each with its last
    season and end date, newest first."""
    this_season = timezone.localdate().year
    last: dict[int, dict] = {}
    for source in FORMER_WORKER_SOURCES:
        for row in source(employer, this_season):
            known = last.get(row["worker_id"])
            if known is None or (row["last_season"], row["last_end"]) > (known["last_season"], known["last_end"]):
                last[row["worker_id"]] = row
    workers = Worker.objects.filter(pk__in=list(last), is_active=True).only(
        "id", "public_id", "first_names", "paternal_surname", "maternal_surname")
    return sorted(
        ({"worker": worker, "last_season": last[worker.pk]["last_season"], "last_end": last[worker.pk]["last_end"]}
         for worker in workers),
        key=lambda row: (-row["last_season"], row["worker"].paternal_surname, row["worker"].first_names),
    )


def _requirements(request: WorkerRequest) -> Requirements:
    return Requirements(
        # .all(): a season allocation prefetches them for every request at once.
        certification_scheme_ids=tuple(sorted(scheme.pk for scheme in request.required_schemes.all())),
        language_codes=tuple(request.required_languages),
    )


def named_worker_checks(request: WorkerRequest) -> list[NamedWorkerCheck]:
    """Each named worker checked separately against the request's program, dates and requirements."""
    requirements = _requirements(request)
    named = (request.named_workers.select_related("worker")
             .prefetch_related(*prefetch_for_eligibility("worker__")))
    checks = []
    for row in named:
        result = check_eligibility(worker=row.worker, program=request.program, start=request.start_date,
                                   end=request.end_date, requirements=requirements)
        checks.append(NamedWorkerCheck(named=row, available=result.is_eligible, reasons=result.reasons))
    return checks


NAMEABLE_STATUSES = (S.DRAFT, S.SUBMITTED)


def nameable_workers(request: WorkerRequest, user: User):
    """The workers staff may name on ``request`` by CURP: any active worker for whoever reviews
    the request (an administrator or the consulate over its worksite: the employer asks for
    people the consulate may never have placed before), otherwise the workers the staff member
    sees (a state office naming its own workers). Employers and service accounts: none."""
    if not user.is_program_staff or user.is_service_account:
        return Worker.objects.none()
    if _governs(user, request):
        return Worker.objects.active()
    return Worker.objects.visible_to(user)


@transaction.atomic
def named_worker_add(*, request: WorkerRequest, worker: Worker, by: User) -> NamedWorker:
    """Name a worker on a draft or submitted request. Employers name only their former workers
    (see :func:`former_workers`); staff who see the worker may name anyone."""
    current = _locked(request)
    if _is_owner(by, current):
        if worker.pk not in {row["worker"].pk for row in former_workers(current.employer)}:
            # The same answer whether or not the worker exists: employers never learn that.
            raise DomainError(_("Choose one of the workers you employed in earlier seasons."), field="worker")
    elif not (WorkerRequest.objects.visible_to(by).filter(pk=current.pk).exists()
              and nameable_workers(current, by).filter(pk=worker.pk).exists()):
        raise PermissionDenied
    if current.status not in NAMEABLE_STATUSES:
        raise InvalidTransition(current=current.status, action="name-worker", allowed=allowed_actions(current, by))
    if current.named_workers.filter(worker=worker).exists():
        raise DomainError(_("This worker is already named on the request."), field="worker")
    if current.named_workers.count() >= current.workers_requested:
        raise DomainError(_("You cannot name more workers than you request (%(count)s).") % {
            "count": current.workers_requested}, field="worker")
    named = NamedWorker.objects.create(request=current, worker=worker, added_by=by)
    _event(current, RequestEvent.Kind.WORKER_NAMED, by=by,
           details={"worker": str(worker.public_id), "name": worker.full_name})
    return named


@transaction.atomic
def named_worker_remove(*, request: WorkerRequest, worker: Worker, by: User) -> None:
    current = _locked(request)
    if not (_is_owner(by, current) or (by.is_program_staff and not by.is_service_account)):
        raise PermissionDenied
    if current.status not in NAMEABLE_STATUSES:
        raise InvalidTransition(current=current.status, action="unname-worker",
                                allowed=allowed_actions(current, by))
    deleted, _rows = current.named_workers.filter(worker=worker).delete()
    if deleted:
        _event(current, RequestEvent.Kind.WORKER_UNNAMED, by=by,
               details={"worker": str(worker.public_id), "name": worker.full_name})


# --- Notifications ---------------------------------------------------------------------------

def _notify_employer(request: WorkerRequest, event: RequestEvent, subject) -> None:
    for user in employer_users(request.employer):
        notification_enqueue(
            key=f"request:{request.pk}:event:{event.pk}:user:{user.pk}", kind=f"request-{event.kind}",
            recipient=user,
            subject=_lazy_percent(subject, number=request.number),
            body=format_lazy("{subject}\n\n{reason}", subject=_lazy_percent(subject, number=request.number),
                             reason=event.reason),
        )


def _notify_consulate_submitted(request: WorkerRequest, event: RequestEvent) -> None:
    subject = _("Request %(number)s waits for review")
    for user in consulate_staff(request.worksite.region):
        notification_enqueue(
            key=f"request:{request.pk}:event:{event.pk}:user:{user.pk}", kind=f"request-{event.kind}",
            recipient=user, subject=_lazy_percent(subject, number=request.number),
            body=format_lazy("{subject}: {employer}, {count} × {occupation}, {start} – {end}",
                             subject=_lazy_percent(subject, number=request.number),
                             employer=request.employer.legal_name, count=request.workers_requested,
                             occupation=request.occupation.code, start=request.start_date.isoformat(),
                             end=request.end_date.isoformat()),
        )


class _lazy_percent:
    """A lazy translation with %-placeholders, rendered in the language active when str() is
    called (notification_enqueue renders in the recipient's language)."""

    def __init__(self, message, **values):
        self.message, self.values = message, values

    def __str__(self):
        return str(self.message) % self.values
