"""Qualification schemes, training sessions, and the certificates workers earn (anyone can verify them)."""

import datetime
import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from twp import audit
from twp.models import Office, PublicIdModel, Role, TimestampedModel, User
from workers.models import Worker

# 16 characters of an alphabet without look-alikes (no 0/O, 1/I/L): 80 bits, unguessable, easy to type.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class SchemeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def visible_to(self, user):
        """Schemes are public knowledge inside the program."""
        return self if user.is_authenticated else self.none()


@audit.track()
class Scheme(TimestampedModel):
    """A qualification workers can be certified in (e.g. dairy milk-quality training)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_es = models.CharField(_("name (Spanish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_es = models.TextField(_("description (Spanish)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    validity_months = models.PositiveSmallIntegerField(_("validity (months)"))
    issuer = models.CharField(_("issuer"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    objects = SchemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("certification scheme")
        verbose_name_plural = _("certification schemes")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(name="scheme_validity_range", condition=Q(validity_months__range=(1, 120))),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "es").startswith("en") else self.name_es

    @property
    def description(self) -> str:
        return self.description_en if (get_language() or "es").startswith("en") else self.description_es


class TrainingSessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Administrators see all sessions; office staff the ones their office runs."""
        if not user.is_authenticated:
            return self.none()
        role = user.viewing_role
        if role == Role.ADMINISTRATOR:
            return self
        if role == Role.STAFF and user.office_id:
            return self.filter(office_id=user.office_id)
        return self.none()


@audit.track()
class TrainingSession(PublicIdModel, TimestampedModel):
    """A course of a scheme, given by an office at a place and on dates, with an attendance list."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="sessions")
    office = models.ForeignKey(Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="+")
    place = models.CharField(_("place"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    trainer = models.CharField(_("trainer"), max_length=200)

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(name="session_ends_after_start", condition=Q(ends_on__gte=models.F("starts_on")),
                                   violation_error_message=_("A session cannot end before it starts.")),
        ]

    def __str__(self):
        return f"{self.scheme} — {self.place} ({self.starts_on})"


class Attendance(models.Model):
    """A worker on a session's list, and whether they completed it."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="attendance")
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="+")
    completed = models.BooleanField(_("completed"), default=False)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "worker"], name="attendance_once_per_session"),
            models.CheckConstraint(name="attendance_score_range",
                                   condition=Q(score__isnull=True) | Q(score__range=(0, 100))),
        ]

    def __str__(self):
        return f"{self.worker_id} @ {self.session_id}"


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class CertificateQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A certificate is visible with its worker."""
        return self.filter(worker__in=Worker.objects.visible_to(user))

    def valid_on(self, day: datetime.date):
        """Not revoked, issued on or before ``day`` and not expired then."""
        return self.filter(revoked_at__isnull=True, issued_on__lte=day, expires_on__gte=day)


@audit.track()
class Certificate(PublicIdModel, TimestampedModel):
    """A worker's certificate in a scheme, with the public code anyone can verify it by."""

    worker = models.ForeignKey(Worker, verbose_name=_("worker"), on_delete=models.PROTECT,
                               related_name="certificates")
    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(TrainingSession, verbose_name=_("training session"), on_delete=models.PROTECT,
                                null=True, blank=True, related_name="certificates")
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    verification_code = models.CharField(_("verification code"), max_length=CODE_LENGTH, unique=True,
                                         default=new_verification_code, editable=False)
    issued_by = models.ForeignKey(User, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(User, verbose_name=_("revoked by"), on_delete=models.PROTECT, null=True,
                                   blank=True, editable=False, related_name="+")
    revocation_reason = models.CharField(_("revocation reason"), max_length=300, blank=True, editable=False)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["worker", "scheme", "-expires_on"], name="certificate_worker_scheme_idx")]
        constraints = [
            models.CheckConstraint(name="certificate_expires_after_issue",
                                   condition=Q(expires_on__gt=models.F("issued_on"))),
            models.CheckConstraint(name="certificate_score_range",
                                   condition=Q(score__isnull=True) | Q(score__range=(0, 100))),
            models.CheckConstraint(
                name="certificate_revocation_complete",
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True, revocation_reason="")
                | (Q(revoked_at__isnull=False, revoked_by__isnull=False) & ~Q(revocation_reason="")),
            ),
        ]

    def __str__(self):
        return f"{self.scheme} — {self.worker}"

    def status_on(self, day: datetime.date | None = None) -> str:
        day = day or timezone.localdate()
        if self.revoked_at:
            return CertificateStatus.REVOKED
        if self.expires_on < day:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID

    @property
    def status(self) -> str:
        return self.status_on()

    def get_status_display(self) -> str:
        return CertificateStatus(self.status).label
