"""Bulk import of a training session's attendance list: CURP, completed (yes/no) and score.

A CURP outside the importer's scope, or unknown, gets the one generic out-of-scope message. Per
batch: the session, the batch's visible workers, their current attendance (locked), then at most
one insert and one update.
"""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from certification.models import Attendance, TrainingSession
from twp.imports import OUT_OF_SCOPE, ROW_ERRORS, Importer, RowOutcome, RowResult, register
from workers.models import Worker
from workers.validators import normalize_curp, validate_curp

YES = {"yes", "y", "sí", "si", "s", "true", "1", "x"}
NO = {"no", "n", "false", "0"}
SCORE_RANGE = (Decimal(0), Decimal(100))


def parse_completed(text: str) -> bool:
    value = text.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValidationError(_("Write yes or no."))


def parse_score(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        score = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValidationError(_("Enter a number between 0 and 100.")) from None
    if not score.is_finite() or not SCORE_RANGE[0] <= score <= SCORE_RANGE[1]:
        raise ValidationError(_("Enter a number between 0 and 100."))
    if score.as_tuple().exponent < -2:
        raise ValidationError(_("Give the score with at most two decimals."))
    return score


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, session):
        return str(session)


class AttendanceImporter(Importer):
    kind = "attendance"
    label = _("Attendance list of a training session")
    columns = ("curp", "completed", "score")
    required_columns = ("curp", "completed")

    def option_fields(self, user) -> dict:
        return {"session": SessionChoiceField(
            label=_("Training session (for attendance lists)"), required=False, to_field_name="public_id",
            queryset=TrainingSession.objects.visible_to(user).select_related("scheme").order_by("-starts_on", "-id"),
        )}

    def clean_options(self, *, user, options):
        session_id = options.get("session")
        if isinstance(session_id, TrainingSession):
            session_id = session_id.public_id
        try:
            session_id = uuid.UUID(str(session_id))
        except ValueError:
            session_id = None
        session = (TrainingSession.objects.visible_to(user).filter(public_id=session_id).first()
                   if session_id else None)
        if session is None:
            raise ValidationError({"session": [_("Choose a training session your office runs.")]})
        return {"session": str(session.public_id)}

    def import_batch(self, *, job, rows, by):
        session = TrainingSession.objects.get(public_id=job.options["session"])
        curps = [normalize_curp(record.get("curp", "")) for _row, record in rows]
        curp_counts = Counter(curps)
        workers = dict(Worker.objects.visible_to(by).filter(curp__in=set(curps)).values_list("curp", "id"))
        current = {
            attendance.worker_id: attendance
            for attendance in Attendance.objects.select_for_update().filter(
                session=session, worker_id__in=list(workers.values()))
        }
        results, new, changed_rows = [], [], []
        for (row, record), curp in zip(rows, curps, strict=True):
            errors = {}
            try:
                validate_curp(curp)
            except ValidationError as error:
                errors["curp"] = error.messages
            try:
                completed = parse_completed(record.get("completed", ""))
            except ValidationError as error:
                errors["completed"] = error.messages
            try:
                score = parse_score(record.get("score", ""))
            except ValidationError as error:
                errors["score"] = error.messages
            if not errors and curp_counts[curp] > 1:
                errors["curp"] = [_("This CURP appears more than once in the file.")]
            if errors:
                results.append(RowResult.rejected(row, curp, errors))
                continue
            worker_id = workers.get(curp)
            if worker_id is None:
                results.append(RowResult.rejected(row, curp, {ROW_ERRORS: [OUT_OF_SCOPE]}))
                continue
            attendance = current.get(worker_id)
            if attendance is None:
                new.append(Attendance(session=session, worker_id=worker_id, completed=completed, score=score))
                results.append(RowResult(row=row, key=curp, outcome=RowOutcome.ACCEPTED))
                continue
            changed = [name for name, value in (("completed", completed), ("score", score))
                       if getattr(attendance, name) != value]
            if not changed:
                results.append(RowResult(row=row, key=curp, outcome=RowOutcome.UNCHANGED))
                continue
            attendance.completed, attendance.score = completed, score
            changed_rows.append(attendance)
            results.append(RowResult(row=row, key=curp, outcome=RowOutcome.UPDATED, changed=changed))
        if new:
            Attendance.objects.bulk_create(new)
        if changed_rows:
            Attendance.objects.bulk_update(changed_rows, ["completed", "score"])
        return results


register(AttendanceImporter())
