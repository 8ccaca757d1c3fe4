"""Every change to a worker or a document goes through one of these functions."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from twp.exceptions import DomainError, InvalidTransition, StaleVersion
from twp.models import User
from workers.models import (
    CurpCorrection,
    Document,
    Occupation,
    Worker,
    WorkerLanguage,
    WorkerStatus,
    WorkerStatusChange,
    search_text,
)
from workers.uploads import inspect_upload
from workers.validators import normalize_curp

# Worker fields staff may edit; status, activity and CURP have their own services.
EDITABLE_FIELDS = (
    "first_names", "paternal_surname", "maternal_surname", "birth_date", "sex", "state_of_origin", "nss",
    "phone", "email", "preferred_language", "years_of_experience", "dependents",
    "beneficiary_name", "beneficiary_relation", "beneficiary_contact",
)

# Status changes staff make by hand. selected/abroad/returned follow contracts and are set by the
# contracts services; ineligible and suspended always carry a reason.
MANUAL_STATUS_TRANSITIONS = {
    WorkerStatus.APPLICANT: {WorkerStatus.ELIGIBLE, WorkerStatus.INELIGIBLE, WorkerStatus.SUSPENDED},
    WorkerStatus.ELIGIBLE: {WorkerStatus.APPLICANT, WorkerStatus.INELIGIBLE, WorkerStatus.SUSPENDED},
    WorkerStatus.RETURNED: {WorkerStatus.ELIGIBLE, WorkerStatus.INELIGIBLE, WorkerStatus.SUSPENDED},
    WorkerStatus.INELIGIBLE: {WorkerStatus.APPLICANT},
    WorkerStatus.SUSPENDED: {WorkerStatus.APPLICANT},
    WorkerStatus.SELECTED: set(),
    WorkerStatus.ABROAD: set(),
}
REASON_REQUIRED = {WorkerStatus.INELIGIBLE, WorkerStatus.SUSPENDED}


def _validated(worker: Worker, *, exclude: list[str] | None = None) -> None:
    worker.search_name = search_text(worker.first_names, worker.paternal_surname, worker.maternal_surname)
    worker.full_clean(exclude=exclude)


def _set_languages(worker: Worker, languages: list[dict] | None) -> None:
    if languages is None:
        return
    WorkerLanguage.objects.filter(worker=worker).delete()
    WorkerLanguage.objects.bulk_create(
        [WorkerLanguage(worker=worker, language=item["language"], level=item["level"]) for item in languages]
    )


@transaction.atomic
def worker_register(*, by: User, occupations: list[Occupation] | None = None, languages: list[dict] | None = None,
                    **fields) -> Worker:
    """Register a worker as an applicant. Raises ValidationError with a message per field."""
    worker = Worker(**{name: value for name, value in fields.items() if name in (*EDITABLE_FIELDS, "curp")})
    worker.curp = normalize_curp(worker.curp)
    _validated(worker)
    worker.save()
    if occupations:
        worker.occupations.set(occupations)
    _set_languages(worker, languages)
    WorkerStatusChange.objects.create(
        worker=worker, from_status="", to_status=worker.status, reason=str(_("Registered")), changed_by=by
    )
    return worker


@transaction.atomic
def worker_update(*, worker: Worker, by: User, version: int, occupations: list[Occupation] | None = None,
                  languages: list[dict] | None = None, **fields) -> Worker:
    """Change a worker's personal data, if nobody changed it since ``version`` was read."""
    current = Worker.objects.select_for_update().get(pk=worker.pk)
    if current.version != version:
        raise StaleVersion()
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise DomainError(_("This field cannot be changed here."), field=name)
        setattr(current, name, value)
    _validated(current)
    current.version = F("version") + 1
    current.save()
    if occupations is not None:
        current.occupations.set(occupations)
    _set_languages(current, languages)
    current.refresh_from_db()
    return current


@transaction.atomic
def worker_correct_curp(*, worker: Worker, new_curp: str, by: User, reason: str) -> Worker:
    """Record a CURP that RENAPO reissued: the same worker keeps its history under the new key."""
    if not reason.strip():
        raise DomainError(_("Say why the CURP changes (e.g. RENAPO's correction)."), field="reason")
    current = Worker.objects.select_for_update().get(pk=worker.pk)
    old_curp = current.curp
    current.curp = normalize_curp(new_curp)
    if current.curp == old_curp:
        raise DomainError(_("The new CURP is the same as the current one."), field="curp")
    # The birth date and sex follow the corrected CURP; a correction that changes them is deliberate.
    from workers.validators import curp_birth_date, curp_sex, validate_curp

    try:
        validate_curp(current.curp)
    except ValidationError as error:
        raise ValidationError({"curp": error.messages}) from error
    current.birth_date = curp_birth_date(current.curp)
    current.sex = curp_sex(current.curp)
    _validated(current)
    current.version = F("version") + 1
    current.save()
    CurpCorrection.objects.create(worker=current, old_curp=old_curp, new_curp=current.curp, reason=reason,
                                  corrected_by=by)
    current.refresh_from_db()
    return current


def _set_status(*, worker: Worker, to: str, by: User | None, reason: str, allowed: set) -> Worker:
    """Compare-and-set the status and write the status-change row, in the caller's transaction."""
    if to not in allowed:
        raise InvalidTransition(current=worker.status, action=to, allowed=sorted(allowed))
    changed = Worker.objects.filter(pk=worker.pk, status=worker.status).update(
        status=to, status_reason=reason if to in REASON_REQUIRED else "", version=F("version") + 1
    )
    if changed != 1:
        raise StaleVersion()
    WorkerStatusChange.objects.create(worker=worker, from_status=worker.status, to_status=to, reason=reason,
                                      changed_by=by)
    worker.refresh_from_db()
    return worker


@transaction.atomic
def worker_change_status(*, worker: Worker, to: str, by: User, reason: str = "") -> Worker:
    """Move a worker between the statuses staff set by hand (see MANUAL_STATUS_TRANSITIONS)."""
    if to in REASON_REQUIRED and not reason.strip():
        raise DomainError(_("Give the reason for this status."), field="reason")
    return _set_status(worker=worker, to=to, by=by, reason=reason,
                       allowed=MANUAL_STATUS_TRANSITIONS.get(worker.status, set()))


@transaction.atomic
def worker_deactivate(*, worker: Worker, by: User, reason: str) -> Worker:
    """Take a worker out of every list and allocation; records are never deleted."""
    if not reason.strip():
        raise DomainError(_("Give the reason for deactivating this record."), field="reason")
    Worker.objects.filter(pk=worker.pk).update(is_active=False, version=F("version") + 1)
    WorkerStatusChange.objects.create(worker=worker, from_status=worker.status, to_status=worker.status,
                                      reason=str(_("Deactivated: %(reason)s") % {"reason": reason}), changed_by=by)
    worker.refresh_from_db()
    return worker


@transaction.atomic
def document_record(*, worker: Worker, by: User, kind: str, issued_on: datetime.date,
                    expires_on: datetime.date | None = None, number: str = "", notes: str = "",
                    file=None) -> Document:
    """Record a document a staff member has seen. Uploaded files are checked by their content."""
    document = Document(worker=worker, kind=kind, number=number.strip().upper(), issued_on=issued_on,
                        expires_on=expires_on, notes=notes)
    if file:
        document.file_type = inspect_upload(file)
        document.file = file
    document.full_clean(exclude=["file"])
    document.save()
    return document


@transaction.atomic
def document_verify(*, document: Document, by: User) -> Document:
    """Mark a document as checked against the original by ``by``, now. Verifying twice is a no-op."""
    Document.objects.filter(pk=document.pk, verified_at__isnull=True).update(verified_by=by,
                                                                             verified_at=timezone.now())
    document.refresh_from_db()
    return document


def workers_follow_contracts(*, workers: list[Worker], to: str, by: User | None, reason: str | dict[int, str]) -> None:
    """Set the status of workers whose contracts moved (selected, abroad, returned), set-based:
    one UPDATE and one INSERT of status-change rows, in the caller's transaction. The caller has
    locked the worker rows; workers already in ``to`` are left as they are. ``reason``: one for
    all, or one per worker id."""
    moving = [worker for worker in workers if worker.status != to]
    if not moving:
        return
    Worker.objects.filter(pk__in=[worker.pk for worker in moving]).update(status=to, status_reason="",
                                                                           version=F("version") + 1)
    # One INSERT from arrays: a season's allocation moves 10,000 workers at once.
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO workers_workerstatuschange
                (worker_id, from_status, to_status, reason, changed_by_id, changed_at)
            SELECT c.worker_id, c.from_status, %s, c.reason, %s, now()
            FROM unnest(%s::bigint[], %s::varchar[], %s::text[]) AS c(worker_id, from_status, reason)
        """, [to, by.pk if by is not None else None, [worker.pk for worker in moving],
              [worker.status for worker in moving],
              [(reason[worker.pk] if isinstance(reason, dict) else reason)[:300] for worker in moving]])
    for worker in moving:
        worker.status = to
