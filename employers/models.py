"""Employers abroad, their worksites, the people who act for them, and their worker requests."""

import hashlib

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from twp import audit
from twp.models import Office, Program, PublicIdModel, Role, TimestampedModel
from twp.regions import DESTINATION_REGIONS


def _staff_regions(user) -> list[str]:
    office = user.office if user.office_id else None
    return list(office.destination_regions) if office else []


def employer_of(user):
    """The employer an employer user (or an employer-scoped service account) acts for, or None."""
    membership = getattr(user, "employer_membership", None) if user.is_authenticated else None
    return membership.employer if membership else None


class EmployerQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Administrators see every employer; office staff those with a worksite in their
        office's destination regions; an employer user (or a service account scoped to an
        employer) its own."""
        if not user.is_authenticated:
            return self.none()
        role = user.viewing_role
        if role == Role.ADMINISTRATOR:
            return self
        if role == Role.STAFF:
            regions = _staff_regions(user)
            return self.filter(Exists(Worksite.objects.filter(employer=OuterRef("pk"), region__in=regions)))
        if role == Role.EMPLOYER:
            return self.filter(memberships__user=user)
        return self.none()

    def governed_by(self, user):
        """The employers ``user`` may approve, reject or suspend: administrators all, consulate
        staff those with a worksite in their regions (service accounts never)."""
        if not user.is_authenticated or user.is_service_account:
            return self.none()
        if user.is_administrator:
            return self
        if user.role == Role.STAFF:
            return self.visible_to(user)
        return self.none()


class Sector(models.TextChoices):
    AGRICULTURE = "agriculture", _("Agriculture (field crops, fruit, vegetables)")
    GREENHOUSE = "greenhouse", _("Greenhouses and nurseries")
    LIVESTOCK = "livestock", _("Livestock and dairy")
    FOOD_PROCESSING = "food_processing", _("Food processing")
    FORESTRY = "forestry", _("Forestry")
    CONSTRUCTION = "construction", _("Construction")
    HOSPITALITY = "hospitality", _("Hospitality")


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
    region = models.CharField(_("province/state"), max_length=5, choices=DESTINATION_REGIONS, blank=True)
    business_number = models.CharField(
        _("business number"), max_length=20, blank=True,
        help_text=_("Canada: the CRA business number (9 digits, e.g. 123456782). "
                    "United States: the EIN (e.g. 04-1234567)."),
    )
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING,
                              editable=False)
    status_reason = models.TextField(_("reason for the status"), blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

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
            # The region code starts with the country (CA-ON, US-WA).
            models.CheckConstraint(
                name="employer_region_in_country",
                condition=Q(region="") | Q(region__startswith=models.functions.Concat("country", models.Value("-"))),
            ),
            models.CheckConstraint(
                name="employer_refusal_has_reason",
                condition=~Q(status__in=["rejected", "suspended"]) | ~Q(status_reason=""),
            ),
            models.UniqueConstraint(
                fields=["country", "business_number"], condition=~Q(business_number=""),
                name="employer_business_number_unique",
                violation_error_message=_("An employer with this business number is already registered."),
            ),
        ]
        indexes = [models.Index(fields=["status", "id"], name="employer_status_idx")]

    def __str__(self):
        return self.legal_name

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    def clean(self):
        from employers.validators import business_number_errors

        errors = business_number_errors(self.country, self.business_number)
        if self.region and not self.region.startswith(f"{self.country}-"):
            errors["region"] = _("Choose a province or state of the employer's country.")
        if errors:
            raise ValidationError(errors)


class EmployerStatusChange(models.Model):
    """One row per change of an employer's status: who, when, from, to and why."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    reason = models.TextField(_("reason"), blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   related_name="+")
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.employer}: {self.from_status or '∅'} → {self.to_status}"


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


class EmployerInvitation(TimestampedModel):
    """An employer user's invitation of a colleague: a link, sent by e-mail, that creates an
    account of the same employer. Only a digest of the token is stored."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-id"]

    @staticmethod
    def digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class WorksiteQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A worksite is seen by whoever sees its employer, except that office staff see only
        the worksites in their own regions."""
        if not user.is_authenticated:
            return self.none()
        role = user.viewing_role
        if role == Role.ADMINISTRATOR:
            return self
        if role == Role.STAFF:
            return self.filter(region__in=_staff_regions(user))
        if role == Role.EMPLOYER:
            return self.filter(employer__memberships__user=user)
        return self.none()


@audit.track()
class Worksite(PublicIdModel, TimestampedModel):
    """Where workers work and live: its address decides which consulate looks after them, and a
    request needs housing whose inspection is valid on its start date."""

    class Inspection(models.TextChoices):
        PENDING = "pending", _("Not inspected yet")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")

    employer = models.ForeignKey(Employer, verbose_name=_("employer"), on_delete=models.PROTECT,
                                 related_name="worksites")
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("street address"), max_length=300)
    city = models.CharField(_("city"), max_length=120)
    region = models.CharField(_("province/state"), max_length=5, choices=DESTINATION_REGIONS)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    housing_capacity = models.PositiveSmallIntegerField(_("housing capacity (beds)"), null=True, blank=True)
    housing_inspected_on = models.DateField(_("housing inspected on"), null=True, blank=True)
    housing_inspection_result = models.CharField(
        _("housing inspection result"), max_length=10, choices=Inspection.choices, default=Inspection.PENDING
    )
    housing_valid_until = models.DateField(_("housing inspection valid until"), null=True, blank=True)

    objects = WorksiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("worksite")
        verbose_name_plural = _("worksites")
        ordering = ["employer", "name", "id"]
        constraints = [
            models.CheckConstraint(
                name="worksite_inspection_result_valid",
                condition=Q(housing_inspection_result__in=["pending", "passed", "failed"]),
            ),
            models.CheckConstraint(
                name="worksite_inspection_dates",
                condition=Q(housing_inspection_result="pending")
                | Q(housing_inspected_on__isnull=False, housing_valid_until__isnull=False,
                    housing_valid_until__gte=models.F("housing_inspected_on")),
                violation_error_message=_("An inspection needs its date and a validity that ends after it."),
            ),
        ]
        indexes = [models.Index(fields=["region", "employer"], name="worksite_region_idx")]

    def __str__(self):
        return f"{self.name} ({self.city}, {self.get_region_display()})"

    def housing_valid_on(self, day) -> bool:
        return (
            self.housing_inspection_result == self.Inspection.PASSED
            and self.housing_inspected_on is not None
            and self.housing_inspected_on <= day <= self.housing_valid_until
        )

    def clean(self):
        errors = {}
        if self.employer_id and self.region and not self.region.startswith(f"{self.employer.country}-"):
            errors["region"] = _("The worksite must be in the employer's country.")
        if self.housing_inspection_result != self.Inspection.PENDING:
            if not self.housing_inspected_on:
                errors["housing_inspected_on"] = _("Give the date of the inspection.")
            if not self.housing_valid_until:
                errors["housing_valid_until"] = _("Give the date until which the inspection is valid.")
            elif self.housing_inspected_on and self.housing_valid_until < self.housing_inspected_on:
                errors["housing_valid_until"] = _("The validity must end after the inspection date.")
        if errors:
            raise ValidationError(errors)


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    PARTIALLY_FILLED = "partially_filled", _("Partially filled")
    FILLED = "filled", _("Filled")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


# Requests every state office may read, because it allocates its own workers to them.
ALLOCATABLE_STATUSES = (RequestStatus.APPROVED, RequestStatus.PARTIALLY_FILLED, RequestStatus.FILLED)


class WorkerRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Administrators see every request; consulate staff those whose worksite is in their
        regions; state-office staff also every approved, partially filled or filled request
        (they allocate their workers to it); an employer its own."""
        if not user.is_authenticated:
            return self.none()
        role = user.viewing_role
        if role == Role.ADMINISTRATOR:
            return self
        if role == Role.STAFF:
            scope = Q(worksite__region__in=_staff_regions(user))
            if user.office_id and user.office.kind == Office.Kind.STATE_OFFICE:
                scope |= Q(status__in=ALLOCATABLE_STATUSES)
            return self.filter(scope)
        if role == Role.EMPLOYER:
            return self.filter(employer__memberships__user=user)
        return self.none()

    def governed_by(self, user):
        """The requests ``user`` may approve or reject: administrators all, consulate staff those
        whose worksite is in their regions (never service accounts)."""
        if not user.is_authenticated or user.is_service_account:
            return self.none()
        if user.is_administrator:
            return self
        if user.role == Role.STAFF:
            return self.filter(worksite__region__in=_staff_regions(user))
        return self.none()


@audit.track()
class WorkerRequest(PublicIdModel, TimestampedModel):
    """An employer's request for workers for one season: how many, which occupation, when, at
    what wage, and which returning workers by name."""

    employer = models.ForeignKey(Employer, verbose_name=_("employer"), on_delete=models.PROTECT,
                                 related_name="requests")
    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+")
    worksite = models.ForeignKey(Worksite, verbose_name=_("worksite"), on_delete=models.PROTECT,
                                 related_name="requests")
    occupation = models.ForeignKey("workers.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT,
                                   related_name="+")
    workers_requested = models.PositiveSmallIntegerField(_("number of workers"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), help_text=_("The first day no longer worked."))
    season = models.PositiveSmallIntegerField(_("season"), editable=False,
                                              help_text=_("The year in which the work starts."))
    wage_amount = models.DecimalField(_("hourly wage"), max_digits=8, decimal_places=2)
    wage_currency = models.CharField(_("currency"), max_length=3)
    hours_per_week = models.PositiveSmallIntegerField(_("hours per week"))
    required_schemes = models.ManyToManyField("certification.Scheme", verbose_name=_("required certifications"),
                                              blank=True, related_name="+")
    required_languages = ArrayField(models.CharField(max_length=8), verbose_name=_("required languages"),
                                    default=list, blank=True)
    labour_market_reference = models.CharField(
        _("labour-market approval"), max_length=40, blank=True,
        help_text=_("The LMIA number (Canada) or the DOL case number (United States)."),
    )
    no_substitutes = models.BooleanField(
        _("no substitutes"), default=False,
        help_text=_("Only the named workers: do not send others in their place."),
    )
    notes = models.TextField(_("notes for the office"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=RequestStatus.choices,
                              default=RequestStatus.DRAFT, editable=False)
    status_reason = models.TextField(_("reason for the status"), blank=True, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    copied_from = models.ForeignKey("self", verbose_name=_("copied from"), on_delete=models.SET_NULL, null=True,
                                    blank=True, editable=False, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = WorkerRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("worker request")
        verbose_name_plural = _("worker requests")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(name="request_workers_positive", condition=Q(workers_requested__gte=1)),
            models.CheckConstraint(name="request_end_after_start", condition=Q(end_date__gt=models.F("start_date")),
                                   violation_error_message=_("The end date must be after the start date.")),
            models.CheckConstraint(name="request_wage_positive", condition=Q(wage_amount__gt=0)),
            models.CheckConstraint(name="request_currency_iso", condition=Q(wage_currency__regex=r"^[A-Z]{3}$")),
            models.CheckConstraint(name="request_hours_range", condition=Q(hours_per_week__range=(1, 84))),
            models.CheckConstraint(
                name="request_status_valid",
                condition=Q(status__in=[choice.value for choice in RequestStatus]),
            ),
            models.CheckConstraint(name="request_rejection_has_reason",
                                   condition=~Q(status="rejected") | ~Q(status_reason="")),
            models.CheckConstraint(name="request_submitted_has_time",
                                   condition=Q(status="draft") | Q(status="cancelled") | Q(submitted_at__isnull=False)),
        ]
        indexes = [
            # Queues: status then oldest first; employer home: newest first.
            models.Index(fields=["status", "submitted_at", "id"], name="request_queue_idx"),
            models.Index(fields=["employer", "-id"], name="request_employer_idx"),
            models.Index(fields=["program", "season", "status"], name="request_season_idx"),
        ]

    def __str__(self):
        return _("Request %(number)s") % {"number": self.number}

    @property
    def number(self) -> str:
        """The number people quote on the phone: season and row id."""
        return f"{self.season}-{self.pk:05d}" if self.pk else "—"

    @property
    def weeks(self) -> float:
        return (self.end_date - self.start_date).days / 7

    @property
    def occupation_name(self) -> str:
        language = (get_language() or "es")[:2]
        return self.occupation.name_en if language == "en" else self.occupation.name_es


class NamedWorker(models.Model):
    """A returning worker the employer (or staff) asks for by name on a request."""

    request = models.ForeignKey(WorkerRequest, on_delete=models.CASCADE, related_name="named_workers")
    worker = models.ForeignKey("workers.Worker", on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("named worker")
        verbose_name_plural = _("named workers")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "worker"], name="named_worker_unique",
                                    violation_error_message=_("This worker is already named on the request.")),
        ]

    def __str__(self):
        return f"{self.worker} @ {self.request}"


class RequestEvent(models.Model):
    """One line of a request's timeline: a status change, an amendment, a named worker added or
    removed, and (later issues) each worker assigned and each contract event."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        COPIED = "copied", _("Copied from an earlier request")
        EDITED = "edited", _("Draft edited")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        AMENDED = "amended", _("Amended: back to review")
        WORKER_NAMED = "worker_named", _("Worker named")
        WORKER_UNNAMED = "worker_unnamed", _("Named worker removed")
        WORKER_ASSIGNED = "worker_assigned", _("Worker assigned")
        CONTRACT_CHANGED = "contract_changed", _("Contract status changed")

    request = models.ForeignKey(WorkerRequest, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # What changed (amendments: field → [old, new]) or whom it concerns (a worker's public id and
    # name, which the employer may see).
    details = models.JSONField(_("details"), default=dict, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "id"], name="request_event_idx")]

    def __str__(self):
        return f"{self.request}: {self.get_kind_display()}"

