"""The program's backbone: users and their roles, offices, programs (rules as data), notifications."""

import datetime
import uuid
import zoneinfo
from calendar import monthrange
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.functions import RandomUUID
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from twp import audit
from twp.regions import DESTINATION_REGION_CODES, DESTINATION_REGIONS, MEXICAN_STATE_CODES, MEXICAN_STATES


def default_reminder_days() -> list[int]:
    """SAWP-like: the worker hears 14 and 3 days before the end of the contract."""
    return [14, 3]


def default_unclaimed_reminder_days() -> list[int]:
    """Unclaimed savings: the worker and the office hear 90, 180 and 365 days after the return."""
    return [90, 180, 365]


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class PublicIdModel(models.Model):
    """Rows that appear in URLs carry an unguessable public id; the integer key stays internal."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Program administrator")
    STAFF = "staff", _("Office staff")
    EMPLOYER = "employer", _("Employer")
    INTEGRATION = "integration", _("Integration client")


class ServiceScope(models.TextChoices):
    """What an integration client (a service account) may see: exactly one of these."""

    EMPLOYER = "employer", _("One employer")
    OFFICE = "office", _("One office")
    PUBLIC_STATISTICS = "public_statistics", _("Public statistics only")


class Language(models.TextChoices):
    SPANISH = "es", _("Spanish")
    ENGLISH = "en", _("English")


class OfficeQuerySet(models.QuerySet):
    def consulates(self):
        return self.filter(kind=Office.Kind.CONSULATE)

    def state_offices(self):
        return self.filter(kind=Office.Kind.STATE_OFFICE)

    def visible_to(self, user):
        """Offices are public knowledge inside the program: every signed-in user may read them
        (a service account limited to public statistics is not inside the program)."""
        if not user.is_authenticated or user.viewing_role is None:
            return self.none()
        return self


@audit.track()
class Office(TimestampedModel):
    """A consulate abroad (jurisdiction: destination provinces/states) or a Mexican state
    employment office (jurisdiction: Mexican states). Office staff see what falls in it."""

    class Kind(models.TextChoices):
        CONSULATE = "consulate", _("Consulate")
        STATE_OFFICE = "state_office", _("State employment office")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    mexican_states = ArrayField(
        models.CharField(max_length=4, choices=MEXICAN_STATES),
        verbose_name=_("Mexican states"),
        default=list,
        blank=True,
        help_text=_("Workers whose state of origin is one of these fall under this office."),
    )
    destination_regions = ArrayField(
        models.CharField(max_length=5, choices=DESTINATION_REGIONS),
        verbose_name=_("destination provinces/states"),
        default=list,
        blank=True,
        help_text=_("Employers, worksites and contracts in these regions fall under this office."),
    )
    email = models.EmailField(_("e-mail"), blank=True)

    objects = OfficeQuerySet.as_manager()

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="office_kind_valid",
                condition=Q(kind__in=["consulate", "state_office"]),
            ),
            models.CheckConstraint(
                name="office_has_jurisdiction",
                condition=(
                    Q(kind="consulate", destination_regions__len__gt=0)
                    | Q(kind="state_office", mexican_states__len__gt=0)
                ),
                violation_error_message=_(
                    "A consulate needs destination provinces/states; a state office needs Mexican states."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        unknown_states = set(self.mexican_states) - MEXICAN_STATE_CODES
        if unknown_states:
            errors["mexican_states"] = _("Unknown Mexican state: %(codes)s") % {
                "codes": ", ".join(sorted(unknown_states))
            }
        unknown_regions = set(self.destination_regions) - DESTINATION_REGION_CODES
        if unknown_regions:
            errors["destination_regions"] = _("Unknown province/state: %(codes)s") % {
                "codes": ", ".join(sorted(unknown_regions))
            }
        if self.kind == self.Kind.CONSULATE and not self.destination_regions:
            errors["destination_regions"] = _("A consulate needs at least one destination province/state.")
        if self.kind == self.Kind.STATE_OFFICE and not self.mexican_states:
            errors["mexican_states"] = _("A state office needs at least one Mexican state.")
        if errors:
            raise ValidationError(errors)


class TWPUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMINISTRATOR)
        return super().create_superuser(username, email, password, **extra_fields)


@audit.track(exclude=("password", "last_login"))
class User(AbstractUser):
    """A person or service account that signs in. The role decides what it may do; office staff
    belong to one office; an employer user belongs to one employer through
    ``employers.EmployerMembership`` (employers sit to the right of ``twp`` in the app order)."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.STAFF)
    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.SPANISH
    )
    # Integration clients only: whose view of the program the service account takes. The office
    # is ``office``; the employer is an ``employers.EmployerMembership`` row, as for employer users.
    service_scope = models.CharField(
        _("service account scope"), max_length=20, choices=ServiceScope.choices, blank=True, default=""
    )
    email_verified_at = models.DateTimeField(_("e-mail verified at"), null=True, blank=True)

    objects = TWPUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="user_role_valid",
                condition=Q(role__in=[choice.value for choice in Role]),
            ),
            # Office staff always belong to an office; administrators and employers never do.
            # Integration clients may be scoped to one office (the security issue adds the rest).
            models.CheckConstraint(
                name="user_office_matches_role",
                condition=Q(role="staff", office__isnull=False)
                | Q(role__in=["administrator", "employer"], office__isnull=True)
                | Q(role="integration"),
                violation_error_message=_(
                    "Office staff need an office; administrators and employer users have none."
                ),
            ),
            # A service account has exactly one scope: an office (and then its office is set),
            # an employer (through its membership) or public statistics; people have none.
            models.CheckConstraint(
                name="user_service_scope_matches_role",
                condition=Q(role="integration", service_scope="office", office__isnull=False)
                | Q(role="integration", service_scope__in=["employer", "public_statistics"], office__isnull=True)
                | (~Q(role="integration") & Q(service_scope="")),
                violation_error_message=_(
                    "A service account is scoped to exactly one office, one employer or public statistics."
                ),
            ),
        ]

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    @property
    def is_office_staff(self) -> bool:
        return self.role == Role.STAFF

    @property
    def is_employer_user(self) -> bool:
        return self.role == Role.EMPLOYER

    @property
    def is_service_account(self) -> bool:
        return self.role == Role.INTEGRATION

    @property
    def viewing_role(self) -> str | None:
        """The role whose view of the program this user takes; every ``visible_to`` asks this.

        People take their own role. A service account scoped to an office sees what that office's
        staff see, one scoped to an employer what that employer's users see, and one scoped to
        public statistics nothing but the public endpoints (None)."""
        if self.role != Role.INTEGRATION:
            return self.role
        return {ServiceScope.OFFICE: Role.STAFF, ServiceScope.EMPLOYER: Role.EMPLOYER}.get(self.service_scope)

    @property
    def is_program_staff(self) -> bool:
        """Administrators and office staff: the people who run the program in the browser."""
        return self.role in (Role.ADMINISTRATOR, Role.STAFF)


class ProgramQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def visible_to(self, user):
        """Programs and their rules are public inside the program."""
        if not user.is_authenticated or user.viewing_role is None:
            return self.none()
        return self


@audit.track()
class Program(TimestampedModel):
    """A corridor (e.g. SAWP Canada) and its rules. Rules are data, never code constants: every
    real programme changes them. Later issues add the rule fields they use."""

    class Country(models.TextChoices):
        CANADA = "CA", _("Canada")
        UNITED_STATES = "US", _("United States")

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    destination_country = models.CharField(_("destination country"), max_length=2, choices=Country.choices)
    currency = models.CharField(
        _("currency"), max_length=3, help_text=_("ISO 4217 code of wages and savings, e.g. CAD.")
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="America/Toronto")
    is_active = models.BooleanField(_("active"), default=True)
    # Contract length: at least min_weeks and min_total_hours, ending no later than start plus
    # max_months calendar months (end exclusive).
    min_contract_weeks = models.PositiveSmallIntegerField(_("minimum contract length (weeks)"))
    min_total_hours = models.PositiveIntegerField(_("minimum total hours"))
    max_contract_months = models.PositiveSmallIntegerField(_("maximum contract length (months)"))
    # Season window, the same every year: contracts lie inside [start, end] of their start year.
    season_start_month = models.PositiveSmallIntegerField(_("season start month"))
    season_start_day = models.PositiveSmallIntegerField(_("season start day"))
    season_end_month = models.PositiveSmallIntegerField(_("season end month"))
    season_end_day = models.PositiveSmallIntegerField(_("season end day"))
    return_grace_days = models.PositiveSmallIntegerField(
        _("return grace period (days)"),
        help_text=_("Days after the contract ends by which the worker must be confirmed home."),
    )
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), default=18)
    # Documents: a passport valid this many days past the contract's end; a medical approval no
    # older than this many days on the contract's start.
    passport_validity_margin_days = models.PositiveSmallIntegerField(
        _("passport validity past contract end (days)"), default=30
    )
    medical_approval_max_age_days = models.PositiveSmallIntegerField(
        _("maximum age of the medical approval (days)"), default=180
    )
    # Requests: submitted at least this many days before their start (consulates need the time
    # to review, allocate and get visas).
    request_lead_days = models.PositiveSmallIntegerField(
        _("request lead time (days)"), default=30,
        help_text=_("A request must be submitted at least this many days before its start."),
    )

    # Absences (contracts.absences): a worker not at work this many days is reported; the
    # employer has report_deadline days after that, the consulate welfare_check days after the
    # report. US H-2A counts 5 consecutive workdays and 2 workdays to report; SAWP-like defaults.
    absence_threshold_days = models.PositiveSmallIntegerField(_("absence: days away before it must be reported"),
                                                              default=5)
    absence_counts_workdays = models.BooleanField(_("absence: count workdays (Monday to Friday)"), default=True)
    absence_report_deadline_days = models.PositiveSmallIntegerField(_("absence: days the employer has to report"),
                                                                    default=2)
    absence_welfare_check_days = models.PositiveSmallIntegerField(
        _("absence: days the consulate has for the welfare check"), default=3)
    # Return reminders (contracts.jobs): to the worker these many days before the end and on the
    # due date; to office staff these many days after the due date; to administrators after these.
    reminder_days_before_end = ArrayField(models.PositiveSmallIntegerField(), default=default_reminder_days,
                                          verbose_name=_("reminders to the worker (days before the end)"))
    reminder_on_due_date = models.BooleanField(_("reminder to the worker on the due date"), default=True)
    overdue_staff_days = models.PositiveSmallIntegerField(_("overdue: days after the due date to tell the office"),
                                                          default=1)
    overdue_escalation_days = models.PositiveSmallIntegerField(
        _("overdue: days after the due date to tell the administrators"), default=14)
    # Documents lapsing before a contract ends are flagged this many days ahead (document alerts).
    document_alert_days = models.PositiveSmallIntegerField(_("document alerts: days ahead"), default=30)
    # Employers with at least this many absences reported in a season stand out to staff.
    absence_alert_count = models.PositiveSmallIntegerField(_("absence: reports in a season that flag an employer"),
                                                           default=3)
    # The worker's voluntary savings rate (percent of gross pay), chosen within these bounds and
    # recorded on the contract; the default applies until they choose.
    savings_rate_min = models.DecimalField(_("savings rate: lowest (%)"), max_digits=5, decimal_places=2,
                                           default=Decimal("0"), db_default=Decimal("0"))
    savings_rate_max = models.DecimalField(_("savings rate: highest (%)"), max_digits=5, decimal_places=2,
                                           default=Decimal("25"), db_default=Decimal("25"))
    savings_rate_default = models.DecimalField(_("savings rate: default (%)"), max_digits=5, decimal_places=2,
                                               default=Decimal("10"), db_default=Decimal("10"))
    # Payouts (savings.payouts): above this amount (in the account's currency) a second member of
    # the home state office or an administrator approves; a reservation not paid within these
    # many days expires and the money is available again.
    payout_approval_threshold = models.DecimalField(
        _("payouts: amount above which a second person approves"), max_digits=14, decimal_places=2,
        default=Decimal("1000"), db_default=Decimal("1000"))
    payout_reservation_days = models.PositiveSmallIntegerField(
        _("payouts: days a reservation stays open"), default=7, db_default=7)
    # Unclaimed savings (savings.unclaimed): available money of workers returned more than this
    # many days ago with no payout is reported; reminders go out at each of the steps (days after
    # the return), once per step.
    unclaimed_after_days = models.PositiveSmallIntegerField(
        _("unclaimed savings: days after the return"), default=90, db_default=90)
    unclaimed_reminder_days = ArrayField(models.PositiveSmallIntegerField(), default=default_unclaimed_reminder_days,
                                         verbose_name=_("unclaimed savings: reminders (days after the return)"))

    objects = ProgramQuerySet.as_manager()

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(name="program_country_valid", condition=Q(destination_country__in=["CA", "US"])),
            models.CheckConstraint(name="program_currency_iso", condition=Q(currency__regex=r"^[A-Z]{3}$")),
            models.CheckConstraint(name="program_savings_rates_in_order", condition=Q(
                savings_rate_min__gte=0, savings_rate_min__lte=F("savings_rate_default"),
                savings_rate_default__lte=F("savings_rate_max"), savings_rate_max__lte=25)),
            models.CheckConstraint(name="program_payout_threshold_not_negative",
                                   condition=Q(payout_approval_threshold__gte=0)),
            models.CheckConstraint(name="program_payout_reservation_days_positive",
                                   condition=Q(payout_reservation_days__gte=1)),
            models.CheckConstraint(name="program_min_weeks_positive", condition=Q(min_contract_weeks__gte=1)),
            models.CheckConstraint(name="program_min_hours_positive", condition=Q(min_total_hours__gte=1)),
            models.CheckConstraint(
                name="program_max_months_range", condition=Q(max_contract_months__gte=1, max_contract_months__lte=24)
            ),
            models.CheckConstraint(
                name="program_season_months_valid",
                condition=Q(season_start_month__range=(1, 12), season_end_month__range=(1, 12)),
            ),
            models.CheckConstraint(
                name="program_season_days_valid",
                condition=Q(season_start_day__range=(1, 31), season_end_day__range=(1, 31)),
            ),
            models.CheckConstraint(name="program_minimum_age_valid", condition=Q(minimum_age__gte=16)),
        ]

    def __str__(self):
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def season_window(self, year: int) -> tuple[date, date]:
        """The first and last day on which a contract starting in ``year`` may run."""
        return (
            date(year, self.season_start_month, self.season_start_day),
            date(year, self.season_end_month, self.season_end_day),
        )

    def today(self) -> date:
        """Today in the program's time zone: the day its deadlines are counted from."""
        return datetime.datetime.now(tz=self.zone).date()

    def earliest_request_start(self) -> date:
        return self.today() + datetime.timedelta(days=self.request_lead_days)

    def contract_period_errors(self, start: date, end: date, hours_per_week=None) -> dict[str, str]:
        """Why [start, end) with ``hours_per_week`` breaks this program's length and season rules,
        by field (empty when it does not). Requests and contracts both check their dates here.

        ``end`` is exclusive: a contract from 1 May to 1 July runs 61 days."""
        if end <= start:
            return {"end_date": _("The end date must be after the start date.")}
        errors = {}
        days = (end - start).days
        if days < 7 * self.min_contract_weeks:
            errors["end_date"] = _("A contract lasts at least %(weeks)s weeks.") % {"weeks": self.min_contract_weeks}
        elif end > add_months(start, self.max_contract_months):
            errors["end_date"] = _("A contract lasts at most %(months)s months.") % {
                "months": self.max_contract_months
            }
        season_start, season_end = self.season_window(start.year)
        if start < season_start:
            errors["start_date"] = _("The season starts on %(day)s.") % {"day": season_start.isoformat()}
        elif end > season_end and "end_date" not in errors:
            errors["end_date"] = _("The season ends on %(day)s: the contract must end by then.") % {
                "day": season_end.isoformat()
            }
        if hours_per_week is not None and "end_date" not in errors:
            total_hours = hours_per_week * days / 7
            if total_hours < self.min_total_hours:
                errors["hours_per_week"] = _(
                    "%(hours)s hours a week over these dates make %(total)s hours; the program asks at least "
                    "%(minimum)s."
                ) % {"hours": hours_per_week, "total": int(total_hours), "minimum": self.min_total_hours}
        return errors

    def minimum_wage(self, *, region: str, occupation_id: int | None, on: date):
        """The hourly minimum wage in force on ``on`` for an occupation in a region (an
        occupation's own row wins over the region's general one), or None if the table has none."""
        rows = self.minimum_wages.filter(region=region, effective_from__lte=on).filter(
            Q(occupation_id=occupation_id) | Q(occupation__isnull=True)
        )
        row = rows.order_by(models.F("occupation_id").asc(nulls_last=True), "-effective_from").first()
        return row.hourly_amount if row else None

    def clean(self):
        errors = {}
        try:
            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = _("Unknown time zone: %(zone)s") % {"zone": self.time_zone}
        if self.currency and not (len(self.currency) == 3 and self.currency.isalpha() and self.currency.isupper()):
            errors["currency"] = _("Use a three-letter ISO 4217 code in capitals, e.g. CAD.")
        try:
            # A leap year accepts every real day, 29 February included.
            start = date(2024, self.season_start_month, self.season_start_day)
            end = date(2024, self.season_end_month, self.season_end_day)
        except (TypeError, ValueError):
            errors["season_end_day"] = _("The season start and end must be real calendar days.")
        else:
            if end <= start:
                errors["season_end_day"] = _("The season must end after it starts, within one year.")
            elif (end - start).days < 7 * (self.min_contract_weeks or 0):
                errors["min_contract_weeks"] = _("The minimum contract length does not fit in the season.")
        if errors:
            raise ValidationError(errors)


class MinimumWage(TimestampedModel):
    """One row of a program's minimum wage table: the hourly wage in force from a date in a
    destination province/state, for one occupation or (occupation empty) for all of them."""

    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.CASCADE,
                                related_name="minimum_wages")
    region = models.CharField(_("province/state"), max_length=5, choices=DESTINATION_REGIONS)
    occupation = models.ForeignKey("workers.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    effective_from = models.DateField(_("effective from"))
    hourly_amount = models.DecimalField(_("hourly minimum wage"), max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("minimum wage")
        verbose_name_plural = _("minimum wages")
        ordering = ["program", "region", "-effective_from"]
        constraints = [
            models.CheckConstraint(name="minimum_wage_positive", condition=Q(hourly_amount__gt=0)),
            models.UniqueConstraint(
                fields=["program", "region", "occupation", "effective_from"], nulls_distinct=False,
                name="minimum_wage_unique",
            ),
        ]

    def __str__(self):
        return f"{self.program} {self.region} {self.occupation or '*'} {self.effective_from}: {self.hourly_amount}"


class NotificationQuerySet(models.QuerySet):
    def pending(self):
        """Rows still to be sent, due now or waiting for their next attempt."""
        return self.filter(status=Notification.Status.PENDING)

    def due(self, now: datetime.datetime):
        """Pending rows whose next attempt is due at ``now``: what the dispatcher sends."""
        return self.pending().filter(next_attempt_at__lte=now)

    def failed(self):
        """Rows given up on (attempts exhausted, or an address that can never work)."""
        return self.filter(status=Notification.Status.FAILED)

    def visible_to(self, user):
        """Delivery records carry people's addresses and messages: administrators only. (Office
        staff hear about their own failures from an administrator; a later issue may widen this.)"""
        if user.is_authenticated and user.is_administrator:
            return self
        return self.none()


class Notification(PublicIdModel, TimestampedModel):
    """One message to one person (an outbox row), written in the same transaction as its cause.

    ``key`` is unique: a cause that happens twice (a job rerun, a retried request) finds the row
    already there and sends nothing more. The dispatcher task sends pending rows once their
    ``next_attempt_at`` is due, through the channel's backend (``twp.messaging``); a failed attempt
    waits longer each time (exponential backoff) until the row is ``failed``, which an
    administrator may queue again. Columns a bulk insert may leave out have database defaults, so
    jobs can insert rows with ``INSERT … ON CONFLICT (key) DO NOTHING``."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    public_id = models.UUIDField(
        _("public id"), default=uuid.uuid4, db_default=RandomUUID(), unique=True, editable=False
    )
    key = models.CharField(_("key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=60)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL, db_default=Channel.EMAIL
    )
    recipient = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    address = models.CharField(_("address"), max_length=254)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, db_default=0)
    # Python's clock for rows the ORM creates (tests travel in time), the database's for the rest.
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now, db_default=Now())
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="", db_default="")
    provider_id = models.CharField(
        _("provider's message id"), max_length=200, blank=True, default="", db_default="",
        help_text=_("The id the e-mail server or SMS provider gave the message, to trace its delivery."),
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["id"]
        indexes = [
            # The dispatcher's sweep: pending rows by due time; sent and failed rows are never scanned.
            models.Index(
                fields=["next_attempt_at", "id"], condition=Q(status="pending"), name="notification_due_idx"
            ),
            # The administrators' list of failed deliveries, latest first.
            models.Index(
                fields=["-last_attempt_at", "-id"], condition=Q(status="failed"), name="notification_failed_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="notification_status_valid", condition=Q(status__in=["pending", "sent", "failed"])
            ),
            models.CheckConstraint(
                name="notification_sent_has_time", condition=~Q(status="sent") | Q(sent_at__isnull=False)
            ),
            models.CheckConstraint(name="notification_channel_valid", condition=Q(channel__in=["email", "sms"])),
        ]

    def __str__(self):
        return f"{self.kind} → {self.address} ({self.status})"


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An import job is seen by whoever started it; administrators see every job."""
        if not user.is_authenticated:
            return self.none()
        if user.is_administrator:
            return self
        if user.is_program_staff:
            return self.filter(created_by=user)
        return self.none()


def import_upload_path(job, filename):
    # Never the original name: it may carry personal data (the name is kept in ``file_name``).
    return f"uploads/imports/{job.public_id}"


class ImportJob(PublicIdModel, TimestampedModel):
    """A spreadsheet uploaded to create or update rows in bulk (workers, attendance lists...).

    The kinds are registered by the apps that own the rows (``twp.importing.register``); the job
    itself only knows the file, its progress and the per-row report (kept in ``ImportJobBatch``
    rows, one per batch, so a batch's writes and its report commit together)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Encoding(models.TextChoices):
        UTF8 = "utf-8", _("UTF-8")
        LATIN1 = "latin-1", _("Latin-1 (ISO-8859-1)")

    kind = models.CharField(_("kind"), max_length=40)
    file = models.FileField(_("file"), upload_to=import_upload_path)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_format = models.CharField(_("format"), max_length=10)  # csv or xlsx, from the content
    encoding = models.CharField(_("encoding"), max_length=10, choices=Encoding.choices, default=Encoding.UTF8)
    options = models.JSONField(_("options"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=8, default="es")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING,
                              editable=False)
    total = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_by = models.ForeignKey(User, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-id"]
        indexes = [models.Index(fields=["created_by", "-id"], name="importjob_creator_idx")]
        constraints = [
            models.CheckConstraint(name="importjob_status_valid",
                                   condition=Q(status__in=["pending", "running", "done", "failed"])),
            models.CheckConstraint(name="importjob_processed_within_total",
                                   condition=Q(processed__lte=models.F("total"))),
        ]

    def __str__(self):
        return f"{self.kind} {self.public_id}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else (100 if self.is_finished else 0)


class ImportJobBatch(models.Model):
    """The report of one batch of an import job: written with the batch's rows, once (the unique
    key makes a second run of the same batch a no-op)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="batches")
    number = models.PositiveIntegerField()
    report = models.JSONField(default=list)

    class Meta:
        ordering = ["job", "number"]
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="importjobbatch_once")]

    def __str__(self):
        return f"{self.job_id}#{self.number}"


class ExportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An export job and its file are seen by whoever asked for it; administrators see every job."""
        if not user.is_authenticated:
            return self.none()
        if user.is_administrator:
            return self
        return self.filter(owner=user)


def export_file_path(job, filename):
    # The public id, not a name built from the filters: the file is found through the job only.
    return f"exports/{job.public_id}.{job.file_format}"


class ExportJob(PublicIdModel, TimestampedModel):
    """A filtered list (workers, requests, contracts...) too long to download at once, written to a
    file by a Celery task. The task reads the list with the owner's scope when it runs, so the file
    holds what the owner may see then; only the owner (and administrators) may download it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    kind = models.CharField(_("list"), max_length=40)
    file_format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    filters = models.JSONField(_("filters"), default=dict, blank=True)  # the list page's query, {name: [values]}
    language = models.CharField(_("language"), max_length=8, default="es")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED,
                              editable=False)
    owner = models.ForeignKey(User, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+")
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to=export_file_path, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-id"]
        indexes = [models.Index(fields=["owner", "-id"], name="exportjob_owner_idx")]
        constraints = [
            models.CheckConstraint(name="exportjob_status_valid",
                                   condition=Q(status__in=["queued", "running", "done", "failed"])),
            models.CheckConstraint(name="exportjob_format_valid", condition=Q(file_format__in=["csv", "xlsx"])),
            models.CheckConstraint(name="exportjob_done_has_file", condition=~Q(status="done") | ~Q(file="")),
        ]

    def __str__(self):
        return f"{self.kind}.{self.file_format} {self.public_id}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, int(100 * self.rows_done / self.rows_total)) if self.rows_total else 0


class IdempotencyRecord(models.Model):
    """The first answer to a request sent with an ``Idempotency-Key`` (``twp.idempotency``): the same
    client sending the same key again gets this answer back and nothing is done twice. Kept at least
    ``IDEMPOTENCY_KEEP_DAYS`` days."""

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, the path and the body: the same key with another body is refused.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="idempotency_one_answer_per_key")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self):
        return f"{self.client_id}:{self.key}"
