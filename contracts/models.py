"""Contracts: one worker placed on one request, and their events.

A worker never holds two contracts whose half-open ranges [start, effective end) overlap, for
every contract not cancelled: the database enforces it (``contract_no_overlap``)."""

import datetime
import zoneinfo

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import Exists, F, Func, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from employers.models import WorkerRequest, _staff_regions
from twp import audit
from twp.models import Program, PublicIdModel, Role, TimestampedModel


class DateRange(Func):
    function = "DATERANGE"
    output_field = DateRangeField()


class ContractStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    SIGNED = "signed", _("Signed")
    DEPARTED = "departed", _("Departed")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")
    TERMINATED_EARLY = "terminated_early", _("Terminated early")
    TRANSFERRED = "transferred", _("Transferred")
    CANCELLED = "cancelled", _("Cancelled")
    ABSCONDED = "absconded", _("Absconded")
    RETURNED = "returned", _("Returned")


class TerminationReason(models.TextChoices):
    """Why a contract ended before its end date (``terminate``)."""

    WORKER_REQUEST = "worker_request", _("The worker asked to go home")
    FAMILY_EMERGENCY = "family_emergency", _("Family emergency")
    MEDICAL = "medical", _("Illness or injury")
    LACK_OF_WORK = "lack_of_work", _("Not enough work (weather, crop)")
    BREACH_BY_WORKER = "breach_by_worker", _("Breach of the contract by the worker")
    BREACH_BY_EMPLOYER = "breach_by_employer", _("Breach of the contract by the employer")
    TRIAL_FAILED = "trial_failed", _("The transfer's trial period did not work out")
    OTHER = "other", _("Other (explained in the note)")


# Contracts that hold a place on their request (and a range in the worker's calendar).
LIVE = Q(~Q(status=ContractStatus.CANCELLED))
# Contracts a worker has actually worked: what "employed before" means for named requests.
WORKED_STATUSES = (ContractStatus.ENDED, ContractStatus.TERMINATED_EARLY, ContractStatus.TRANSFERRED,
                   ContractStatus.ABSCONDED, ContractStatus.RETURNED)


class ContractQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Administrators see every contract; office staff those whose worksite is in their
        regions and those of the workers of their Mexican states; employers their own."""
        if not user.is_authenticated:
            return self.none()
        role = user.viewing_role
        if role == Role.ADMINISTRATOR:
            return self
        if role == Role.STAFF and user.office_id:
            return self.filter(Q(request__worksite__region__in=_staff_regions(user))
                               | Q(worker__state_of_origin__in=user.office.mexican_states))
        if role == Role.EMPLOYER:
            return self.filter(request__employer__memberships__user=user)
        return self.none()

    def live(self):
        return self.filter(LIVE)

    def overlapping(self, start, end):
        """Live contracts whose [start, effective end) meets [start, end)."""
        return self.live().filter(start_date__lt=end).filter(
            Q(effective_end__isnull=True, end_date__gt=start) | Q(effective_end__gt=start))


@audit.track()
class Contract(PublicIdModel, TimestampedModel):
    request = models.ForeignKey(WorkerRequest, verbose_name=_("request"), on_delete=models.PROTECT,
                                related_name="contracts")
    worker = models.ForeignKey("workers.Worker", verbose_name=_("worker"), on_delete=models.PROTECT,
                               related_name="contracts")
    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+")
    season = models.PositiveSmallIntegerField(_("season"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    # Set when a termination, transfer or absence report ends the contract before end_date: the
    # tail of the range is free again for another contract.
    effective_end = models.DateField(_("effective end"), null=True, blank=True)
    wage_amount = models.DecimalField(_("hourly wage"), max_digits=8, decimal_places=2)
    wage_currency = models.CharField(_("currency"), max_length=3)
    hours_per_week = models.PositiveSmallIntegerField(_("hours per week"))
    status = models.CharField(_("status"), max_length=20, choices=ContractStatus.choices,
                              default=ContractStatus.PROPOSED, editable=False)
    # The worker's status before selection, restored when their only live contract is cancelled.
    worker_status_before = models.CharField(max_length=20, editable=False)
    # The parts of the ranking score when the worker was chosen: why this worker, on record.
    score = models.JSONField(_("ranking score"), default=dict, blank=True, editable=False)
    # Plain data until the contract-life and returns issues build evaluations and returns.
    returned_on_time = models.BooleanField(_("came home on time"), null=True, blank=True, editable=False)
    employer_rating = models.PositiveSmallIntegerField(_("employer's rating of the worker"), null=True,
                                                       blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+",
                                   editable=False)
    # Recorded by ``sign`` (both signatures, on paper at the office) and ``terminate``.
    worker_signed_on = models.DateField(_("signed by the worker on"), null=True, blank=True, editable=False)
    employer_signed_on = models.DateField(_("signed by the employer on"), null=True, blank=True, editable=False)
    # Defaults in the database too: allocation and the data generator insert contracts in raw SQL.
    termination_reason = models.CharField(_("termination reason"), max_length=30, blank=True, editable=False,
                                          choices=TerminationReason.choices, default="", db_default="")
    status_note = models.TextField(_("note on the last status change"), blank=True, editable=False, default="",
                                   db_default="")
    # A transfer: the contract this one continues (the worker's consent is recorded on it), and
    # the end of the trial with the new employer.
    transferred_from = models.OneToOneField("self", verbose_name=_("continues the contract"), null=True,
                                            blank=True, on_delete=models.PROTECT, related_name="transferred_to",
                                            editable=False)
    trial_until = models.DateField(_("trial until"), null=True, blank=True, editable=False)
    transfer_consent_on = models.DateField(_("worker consented to the transfer on"), null=True, blank=True,
                                           editable=False)
    # The worker's voluntary savings rate (percent of gross pay) for this contract, within the
    # program's bounds; empty until they choose, when the program's default applies.
    savings_rate = models.DecimalField(_("savings rate (%)"), max_digits=5, decimal_places=2, null=True,
                                       blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(name="contract_savings_rate_0_to_25",
                                   condition=Q(savings_rate__isnull=True)
                                   | Q(savings_rate__gte=0, savings_rate__lte=25)),
            ExclusionConstraint(
                name="contract_no_overlap",
                expressions=[
                    ("worker", RangeOperators.EQUAL),
                    (DateRange("start_date", Coalesce("effective_end", "end_date"), RangeBoundary()),
                     RangeOperators.OVERLAPS),
                ],
                condition=~Q(status="cancelled"),
                violation_error_message=_("The worker already has a contract over these dates."),
            ),
            models.CheckConstraint(name="contract_end_after_start", condition=Q(end_date__gt=F("start_date"))),
            models.CheckConstraint(
                name="contract_effective_end_inside",
                condition=Q(effective_end__isnull=True)
                | Q(effective_end__gte=F("start_date"), effective_end__lte=F("end_date")),
            ),
            models.CheckConstraint(name="contract_status_valid",
                                   condition=Q(status__in=[choice.value for choice in ContractStatus])),
            models.CheckConstraint(name="contract_wage_positive", condition=Q(wage_amount__gt=0)),
            models.CheckConstraint(name="contract_rating_range",
                                   condition=Q(employer_rating__isnull=True) | Q(employer_rating__range=(1, 5))),
        ]
        indexes = [
            models.Index(fields=["request", "status"], name="contract_request_idx"),
            models.Index(fields=["worker", "-end_date"], name="contract_worker_idx"),
            models.Index(fields=["program", "season", "status"], name="contract_season_idx"),
            # The nightly jobs (contracts.jobs) read running contracts by end date: the expiry's
            # "ended by today" and the reminders' "ends in N days" are range scans of this, a few
            # percent of the table; status is indexed already, so no HOT update is lost.
            models.Index(fields=["program", "end_date", "id"], condition=Q(status__in=["departed", "active"]),
                         name="contract_running_end_idx"),
        ]

    def __str__(self):
        return f"{self.worker} @ {self.request}"

    @property
    def savings_rate_in_force(self):
        """The rate deductions are checked against: the worker's choice, else the program's default."""
        return self.savings_rate if self.savings_rate is not None else self.program.savings_rate_default

    @property
    def last_day(self):
        return self.effective_end or self.end_date


class ContractStatusChange(models.Model):
    """One line of a contract's history: who moved it from which status to which, and why."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    reason = models.TextField(_("reason"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["contract", "id"], name="contract_status_change_idx")]

    def __str__(self):
        return f"{self.contract_id}: {self.from_status or '∅'} → {self.to_status}"


class WorkHistory(models.Model):
    """A worker's contracts worked, summed up: what the ranking's upper bounds read
    (``contracts.ranking.candidates``) instead of aggregating every worked contract per request.

    Kept by the database (a statement trigger on ``contracts_contract``, migration 0003): every
    path that inserts, changes or deletes a contract, bulk loads included, keeps it current.
    Nothing in the application writes it. Each change bumps a version (migration 0004), so
    processes keep a copy in memory (``contracts.ranking.WorkHistoryCache``)."""

    worker = models.OneToOneField("workers.Worker", primary_key=True, on_delete=models.CASCADE, related_name="+")
    last_end = models.DateField()
    on_time = models.BooleanField()
    best_rating = models.PositiveSmallIntegerField(null=True)

    class Meta:
        verbose_name = _("work history")
        verbose_name_plural = _("work histories")

    def __str__(self):
        return f"{self.worker_id}: last end {self.last_end}"


def placed_in_regions(regions) -> Exists:
    """Workers with a contract (past included) whose worksite is in ``regions``."""
    return Exists(Contract.objects.filter(worker=OuterRef("pk"), request__worksite__region__in=list(regions)))


class RankingWeights(models.Model):
    """How much each part of a candidate's score weighs, per program: data an administrator
    tunes, never code constants. See ``contracts.ranking`` for what each part measures."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="ranking_weights")
    named = models.PositiveIntegerField(_("named by the employer"), default=1000)
    returned_on_time = models.PositiveIntegerField(_("came home on time before"), default=100)
    same_employer = models.PositiveIntegerField(_("worked for this employer before"), default=50)
    evaluation = models.PositiveIntegerField(_("per point of the last evaluation"), default=10)
    certification = models.PositiveIntegerField(_("per required certification held"), default=20)
    occupation = models.PositiveIntegerField(_("has the requested occupation"), default=30)
    language = models.PositiveIntegerField(_("per required language spoken"), default=10)
    waited_month = models.PositiveIntegerField(_("per month waited since the last contract"), default=2)
    waited_cap_months = models.PositiveIntegerField(_("months waited counted at most"), default=36)
    state_balance = models.PositiveIntegerField(
        _("less per worker of the same state already on the request"), default=15)

    class Meta:
        verbose_name = _("ranking weights")
        verbose_name_plural = _("ranking weights")

    def __str__(self):
        return str(self.program)

    @classmethod
    def for_program(cls, program) -> "RankingWeights":
        weights, _created = cls.objects.get_or_create(program=program)
        return weights


class AllocationRunQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Season allocation is an administrator's action: only administrators see runs."""
        if not user.is_authenticated or not user.is_administrator:
            return self.none()
        return self


class AllocationRun(PublicIdModel, TimestampedModel):
    """One allocation of a whole season of a program (``contracts.season``): its progress and
    its report, one entry per request, filled or not and why."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+")
    season = models.PositiveSmallIntegerField(_("season"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING,
                              editable=False)
    language = models.CharField(_("language"), max_length=8, default="es")
    total = models.PositiveIntegerField(_("requests"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    added = models.PositiveIntegerField(_("contracts added"), default=0)
    # One entry per request, in the order they were allocated: see contracts.season.season_allocate.
    report = models.JSONField(_("report"), default=list, blank=True, editable=False)
    error = models.CharField(_("error"), max_length=500, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT,
                                   related_name="+")
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = AllocationRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("season allocation")
        verbose_name_plural = _("season allocations")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(name="allocationrun_status_valid",
                                   condition=Q(status__in=["pending", "running", "done", "failed"])),
            models.CheckConstraint(name="allocationrun_processed_within_total", condition=Q(processed__lte=F("total"))),
            # One open run per season of a program: two would race for the same workers.
            models.UniqueConstraint(fields=["program", "season"], condition=Q(status__in=["pending", "running"]),
                                    name="allocationrun_one_open",
                                    violation_error_message=_("This season is already being allocated.")),
        ]

    def __str__(self):
        return f"{self.program} {self.season} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else (100 if self.is_finished else 0)


class AbsenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Whoever sees the contract sees its absences: administrators all, office staff those of
        the contracts they see, employers their own (the serializer hides the staff-only notes)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(contract__in=Contract.objects.visible_to(user).values("pk"))

    def open(self):
        return self.filter(stage__in=Absence.OPEN_STAGES)


class Absence(PublicIdModel, TimestampedModel):
    """A worker not at work, reported by the employer or staff: a staged status with a consular
    welfare check before anything is called absconding (DESIGN.md). Only ``reported`` sets the
    contract ``absconded``; ``found`` closes it with the contract as it was."""

    class Stage(models.TextChoices):
        LATE = "late", _("Late: not at work")
        MISSING = "missing", _("Missing")
        REPORTED = "reported", _("Reported to the authorities")
        FOUND = "found", _("Found")

    OPEN_STAGES = (Stage.LATE, Stage.MISSING)

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.PROTECT,
                                 related_name="absences")
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.LATE, editable=False)
    last_seen_on = models.DateField(_("last seen at work on"))
    note = models.TextField(_("note"), blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    editable=False)
    missing_since = models.DateTimeField(_("missing since"), null=True, blank=True, editable=False)
    welfare_checked_at = models.DateTimeField(_("welfare check on"), null=True, blank=True, editable=False)
    welfare_checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                           blank=True, related_name="+", editable=False)
    welfare_check_note = models.TextField(_("welfare check"), blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True, editable=False)
    # Set by the daily deadline job (``contracts.absences.absence_deadlines``) or when reported:
    # the employer reported after the program's deadline; staff missed the welfare-check deadline.
    reported_late = models.BooleanField(_("reported late by the employer"), default=False, editable=False)
    welfare_check_overdue_on = models.DateField(_("welfare check overdue since"), null=True, blank=True,
                                                editable=False)
    # Set by the deadline job when it told the consulate of a late report: the job's sweep stays
    # bounded to reports not yet told (and a rerun tells no one twice).
    reported_late_notified_on = models.DateField(_("late report notified on"), null=True, blank=True,
                                                 editable=False)
    # Staff's note when the absence ends (found, or reported): may say why the worker left (e.g. a
    # complaint against the employer), so it is never shown to the employer.
    closing_note = models.TextField(_("closing note"), blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = AbsenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-id"]
        constraints = [
            # One open absence per contract: a second report while one is open is a conflict.
            models.UniqueConstraint(fields=["contract"], condition=Q(stage__in=["late", "missing"]),
                                    name="absence_one_open_per_contract",
                                    violation_error_message=_("This worker's absence is already reported.")),
            models.CheckConstraint(name="absence_stage_valid", condition=Q(stage__in=["late", "missing", "reported",
                                                                                      "found"])),
            # Nothing is called absconding before the consulate checked on the worker.
            models.CheckConstraint(name="absence_reported_after_welfare_check",
                                   condition=~Q(stage="reported") | Q(welfare_checked_at__isnull=False)),
            models.CheckConstraint(name="absence_closed_when_final",
                                   condition=Q(stage__in=["reported", "found"], closed_at__isnull=False)
                                   | Q(stage__in=["late", "missing"], closed_at__isnull=True)),
            models.CheckConstraint(name="absence_notified_only_when_late",
                                   condition=Q(reported_late_notified_on__isnull=True) | Q(reported_late=True)),
        ]
        indexes = [
            models.Index(fields=["stage", "id"], name="absence_stage_idx"),
            models.Index(fields=["id"], condition=Q(reported_late=True, reported_late_notified_on__isnull=True),
                         name="absence_late_unnotified_idx"),
        ]

    def __str__(self):
        return f"{self.contract_id}: {self.stage}"


class EvaluationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see the evaluations, both ways, of the contracts they see; employers only their
        own evaluations of their workers: a worker's rating of an employer reaches the employer
        only as an average over enough ratings (``contracts.evaluations.employer_averages``)."""
        if not user.is_authenticated:
            return self.none()
        role = user.viewing_role
        if role == Role.ADMINISTRATOR:
            return self
        if role == Role.STAFF:
            return self.filter(contract__in=Contract.objects.visible_to(user))
        if role == Role.EMPLOYER:
            return self.filter(direction=Evaluation.Direction.OF_WORKER,
                               contract__request__employer__memberships__user=user)
        return self.none()


class Evaluation(PublicIdModel, TimestampedModel):
    """One evaluation per contract and direction: the employer's of the worker (criteria 1–5 and
    whether it would re-hire; feeds the ranking) or the worker's of the employer (recorded by
    staff, as SAWP's paper forms are). A worker may see their evaluation and contest it; the
    contest is shown to staff beside it."""

    class Direction(models.TextChoices):
        OF_WORKER = "of_worker", _("The employer's evaluation of the worker")
        OF_EMPLOYER = "of_employer", _("The worker's evaluation of the employer")

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.PROTECT,
                                 related_name="evaluations")
    direction = models.CharField(_("direction"), max_length=12, choices=Direction.choices)
    scores = models.JSONField(_("scores"), default=dict)  # criterion -> 1..5 (contracts.evaluations.CRITERIA)
    overall = models.PositiveSmallIntegerField(_("overall rating"))
    would_repeat = models.BooleanField(_("would work together again"))
    comment = models.TextField(_("comment"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    shown_to_worker_at = models.DateTimeField(_("shown to the worker on"), null=True, blank=True, editable=False)
    contest = models.TextField(_("the worker's contest"), blank=True, editable=False)
    contested_at = models.DateTimeField(_("contested on"), null=True, blank=True, editable=False)
    contest_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                            blank=True, related_name="+", editable=False)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "direction"], name="evaluation_once_per_contract",
                                    violation_error_message=_("This contract already has this evaluation.")),
            models.CheckConstraint(name="evaluation_direction_valid",
                                   condition=Q(direction__in=["of_worker", "of_employer"])),
            models.CheckConstraint(name="evaluation_overall_range", condition=Q(overall__range=(1, 5))),
            models.CheckConstraint(name="evaluation_contest_only_by_the_worker",
                                   condition=Q(contest="") | Q(direction="of_worker")),
        ]

    def __str__(self):
        return f"{self.contract_id}: {self.direction} {self.overall}"


def _by_program_day(condition) -> Q:
    """``condition(today)`` for each time zone the programs use, today being counted in that
    zone: "overdue" turns at midnight where the program runs, not where the server is."""
    by_zone = Q(pk__in=[])
    for zone in Program.objects.order_by().values_list("time_zone", flat=True).distinct():
        today = datetime.datetime.now(tz=zoneinfo.ZoneInfo(zone)).date()
        by_zone |= Q(contract__program__time_zone=zone) & condition(today)
    return by_zone


class ReturnState(models.TextChoices):
    """Where an expected return stands (the returns list's ``state``)."""

    EXPECTED = "expected", _("Expected")
    OVERDUE = "overdue", _("Overdue")
    CONFIRMED = "confirmed", _("Confirmed")


class ExpectedReturnQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Whoever sees the contract sees its expected return: administrators all, office staff
        those of the contracts of their regions and of their states' workers, employers those of
        their own contracts (the serializer hides the identity document from them)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(contract__in=Contract.objects.visible_to(user).values("pk"))

    def open(self):
        """Not confirmed yet."""
        return self.filter(confirmed_at__isnull=True)

    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def expected(self):
        """Open and due today or later (in the program's time zone): the worker is not late yet."""
        return self.open().filter(_by_program_day(lambda today: Q(due_on__gte=today)))

    def due_within(self, days: int):
        """Open and due from today to ``days`` - 1 days from now (``7``: this week)."""
        return self.open().filter(_by_program_day(
            lambda today: Q(due_on__gte=today, due_on__lt=today + datetime.timedelta(days=days))))

    def overdue(self):
        """Open and past due (in the program's time zone): the worker should be home by now."""
        return self.open().filter(_by_program_day(lambda today: Q(due_on__lt=today)))

    def in_state(self, state: str):
        """The expected returns in ``state`` (a ``ReturnState``)."""
        return {ReturnState.EXPECTED: self.expected, ReturnState.OVERDUE: self.overdue,
                ReturnState.CONFIRMED: self.confirmed}[state]()


class ExpectedReturn(PublicIdModel, TimestampedModel):
    """The worker is expected home: opened in the same transaction as ``end`` or ``terminate``
    (a transfer's successor opens its own), due on the effective end plus the program's grace
    days. Confirming it records when and where the worker was seen home and the identity
    document checked; the contract and the worker are then ``returned`` (the fact the savings
    ledger checks before any payout). An ``absconded`` contract may still be confirmed later."""

    class Place(models.TextChoices):
        CONSULATE = "consulate", _("Consulate")
        PORT_OF_ENTRY = "port_of_entry", _("Port of entry")
        HOME_OFFICE = "home_office", _("Home state office")

    class IdentityDocument(models.TextChoices):
        PASSPORT = "passport", _("Passport")
        VOTER_CARD = "voter_card", _("Voter card (INE)")
        CONSULAR_ID = "consular_id", _("Consular ID (matrícula consular)")
        OTHER = "other", _("Other official identity document")

    contract = models.OneToOneField(Contract, verbose_name=_("contract"), on_delete=models.PROTECT,
                                    related_name="expected_return")
    due_on = models.DateField(_("due home by"))
    seen_home_on = models.DateField(_("seen home on"), null=True, blank=True, editable=False)
    place = models.CharField(_("where"), max_length=20, choices=Place.choices, blank=True, editable=False)
    identity_document = models.CharField(_("identity document checked"), max_length=20,
                                         choices=IdentityDocument.choices, blank=True, editable=False)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", editable=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, editable=False)
    # Set by the reminder job (contracts.jobs) in the transaction that told the office staff of the
    # overdue return, and the administrators later: its sweep then skips the return. The messages
    # themselves are once per person by their unique keys.
    overdue_notified_on = models.DateField(_("office told of the overdue return on"), null=True, blank=True,
                                           editable=False)
    escalated_on = models.DateField(_("administrators told of the overdue return on"), null=True, blank=True,
                                    editable=False)

    objects = ExpectedReturnQuerySet.as_manager()

    class Meta:
        verbose_name = _("expected return")
        verbose_name_plural = _("expected returns")
        ordering = ["due_on", "id"]
        constraints = [
            # A confirmation is whole: the day, the place, the document, who and when, or nothing.
            models.CheckConstraint(
                name="expected_return_confirmation_whole",
                condition=Q(seen_home_on__isnull=True, place="", identity_document="", confirmed_by__isnull=True,
                            confirmed_at__isnull=True)
                | Q(seen_home_on__isnull=False, confirmed_by__isnull=False, confirmed_at__isnull=False)
                & ~Q(place="") & ~Q(identity_document=""),
            ),
        ]
        indexes = [
            # The jobs and the check-in lists read the open ones by due date.
            models.Index(fields=["due_on", "id"], condition=Q(confirmed_at__isnull=True),
                         name="expected_return_open_idx"),
        ]

    def __str__(self):
        return f"{self.contract_id}: due {self.due_on}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def days_late(self) -> int | None:
        """Days between the due date and the day the worker was seen home (negative: early)."""
        return (self.seen_home_on - self.due_on).days if self.seen_home_on else None
