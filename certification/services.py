"""Issuing and revoking certificates, running training sessions, and what verification reveals."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certification.models import Attendance, Certificate, CertificateStatus, Scheme, TrainingSession
from twp.exceptions import DomainError
from twp.models import User
from workers.models import Worker


@transaction.atomic
def certificate_issue(*, worker: Worker, scheme: Scheme, issued_on: datetime.date, by: User,
                      score: Decimal | None = None, session: TrainingSession | None = None) -> Certificate:
    """Issue a certificate valid for the scheme's months from ``issued_on`` (end exclusive)."""
    if not scheme.is_active:
        raise DomainError(_("This scheme no longer issues certificates."), field="scheme")
    if issued_on > timezone.localdate():
        raise DomainError(_("A certificate cannot be issued in the future."), field="issued_on")
    certificate = Certificate(
        worker=worker, scheme=scheme, session=session, issued_on=issued_on, score=score, issued_by=by,
        expires_on=issued_on + relativedelta(months=scheme.validity_months) - datetime.timedelta(days=1),
    )
    certificate.full_clean()
    certificate.save()
    return certificate


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, by: User, reason: str) -> Certificate:
    """Revoke a certificate for good, with the reason on record. Revoking twice is refused."""
    if not reason.strip():
        raise DomainError(_("Give the reason for revoking this certificate."), field="reason")
    changed = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by, revocation_reason=reason.strip()
    )
    if changed != 1:
        raise DomainError(_("This certificate is already revoked."))
    certificate.refresh_from_db()
    return certificate


@transaction.atomic
def attendance_record(*, session: TrainingSession, worker: Worker, completed: bool, by: User,
                      score: Decimal | None = None) -> Attendance:
    """Put a worker on a session's list, or update their result (idempotent per session and worker)."""
    attendance, _created = Attendance.objects.update_or_create(
        session=session, worker=worker, defaults={"completed": completed, "score": score}
    )
    return attendance


VERIFICATION_STATUSES = [*CertificateStatus.choices, ("unknown", _("Unknown"))]


@dataclass(frozen=True)
class Verification:
    """What anyone may learn from a code: the holder's name, the scheme and validity. Nothing else,
    and the same shape when the code is unknown (so codes cannot be probed for existence)."""

    code: str
    status: str  # valid, expired, revoked or unknown
    holder_name: str | None
    scheme: str | None
    issued_on: datetime.date | None
    expires_on: datetime.date | None


def certificate_verify(*, code: str) -> Verification:
    normalized = "".join(code.split()).upper()[:32]
    certificate = (Certificate.objects.select_related("worker", "scheme")
                   .filter(verification_code=normalized).first())
    if certificate is None:
        return Verification(code=normalized, status="unknown", holder_name=None, scheme=None, issued_on=None,
                            expires_on=None)
    return Verification(
        code=normalized, status=certificate.status, holder_name=certificate.worker.full_name,
        scheme=certificate.scheme.name, issued_on=certificate.issued_on, expires_on=certificate.expires_on,
    )
