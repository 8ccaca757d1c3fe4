"""Employers abroad and the people who act for them (the employers issue fills these out)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from twp import audit
from twp.models import PublicIdModel, Role, TimestampedModel


class EmployerQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Administrators see every employer; an employer user (or a service account scoped to
        an employer) sees its own.

        Office staff's half (employers with a worksite in the office's destination regions)
        arrives with worksites in the employers issue; until then staff see none."""
        if not user.is_authenticated:
            return self.none()
        role = user.viewing_role
        if role == Role.ADMINISTRATOR:
            return self
        if role == Role.EMPLOYER:
            return self.filter(memberships__user=user)
        return self.none()


@audit.track()
class Employer(PublicIdModel, TimestampedModel):
    """A farm, plant or company abroad that requests workers."""

    class Country(models.TextChoices):
        CANADA = "CA", _("Canada")
        UNITED_STATES = "US", _("United States")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        SUSPENDED = "suspended", _("Suspended")
        REJECTED = "rejected", _("Rejected")

    legal_name = models.CharField(_("legal name"), max_length=200)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)

    objects = EmployerQuerySet.as_manager()

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        ordering = ["legal_name", "id"]
        constraints = [
            models.CheckConstraint(name="employer_country_valid", condition=Q(country__in=["CA", "US"])),
            models.CheckConstraint(
                name="employer_status_valid",
                condition=Q(status__in=["pending", "approved", "suspended", "rejected"]),
            ),
        ]

    def __str__(self):
        return self.legal_name


class EmployerMembership(TimestampedModel):
    """Binds an employer user to the one employer it acts for (one row per user)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="employer_membership",
    )
    employer = models.ForeignKey(
        Employer, verbose_name=_("employer"), on_delete=models.PROTECT, related_name="memberships"
    )

    class Meta:
        verbose_name = _("employer membership")
        verbose_name_plural = _("employer memberships")

    def __str__(self):
        return f"{self.user} @ {self.employer}"
