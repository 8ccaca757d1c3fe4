"""Workers, their documents, and the facts eligibility is decided on."""

import unicodedata

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import StrIndex
from django.utils.translation import gettext_lazy as _

from twp import audit
from twp.models import Language, PublicIdModel, Role, TimestampedModel, User
from twp.regions import MEXICAN_STATES
from workers.validators import validate_curp, validate_nss


def search_text(*parts: str) -> str:
    """Upper case without accents, words separated by one space, so "Pérez" and "PEREZ" find each
    other and the name splits into its words (NAME_WORDS)."""
    text = " ".join(part for part in parts if part)
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(char for char in decomposed if not unicodedata.combining(char)).upper().split())


# The words of a worker's name, e.g. {MARIA,GARCIA,LOPEZ}: what whole-word name search looks up in
# GIN indexes (WorkerQuerySet.search).
NAME_WORDS = Func(F("search_name"), Value(" "), function="string_to_array", output_field=ArrayField(models.TextField()))


class Occupation(models.Model):
    """An occupation from a seeded vocabulary (US SOC 2018 detailed codes used by employers abroad)."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name_es = models.CharField(_("name (Spanish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")
        ordering = ["code"]

    def __str__(self):
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "es").startswith("en") else self.name_es


class WorkerStatus(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    ELIGIBLE = "eligible", _("Eligible")
    SELECTED = "selected", _("Selected")
    ABROAD = "abroad", _("Abroad")
    RETURNED = "returned", _("Returned")
    INELIGIBLE = "ineligible", _("Ineligible")
    SUSPENDED = "suspended", _("Suspended")


class Sex(models.TextChoices):
    MALE = "H", _("Man")
    FEMALE = "M", _("Woman")
    NON_BINARY = "X", _("Non-binary")


# Apps to the right widen what office staff see: contracts adds the workers placed in the
# office's destination regions. Each entry takes the office and returns a Q (or None).
STAFF_SCOPE_EXTENSIONS: list = []


class WorkerQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Administrators see every worker; office staff those whose state of origin is one of
        their office's Mexican states, plus what ``STAFF_SCOPE_EXTENSIONS`` add (workers placed in
        the office's destination regions), and so does a service account scoped to that office;
        employers and everyone else see none here."""
        if not user.is_authenticated:
            return self.none()
        role = user.viewing_role
        if role == Role.ADMINISTRATOR:
            return self
        if role == Role.STAFF and user.office_id:
            office = user.office
            scopes = [Q(state_of_origin__in=office.mexican_states)] if office.mexican_states else []
            scopes += [scope for extend in STAFF_SCOPE_EXTENSIONS if (scope := extend(office)) is not None]
            if not scopes:
                return self.none()
            combined = scopes[0]
            for scope in scopes[1:]:
                combined |= scope
            return self.filter(combined)
        return self.none()

    def active(self):
        return self.filter(is_active=True)

    def search(self, term: str):
        """By CURP (exact) when the term is one, otherwise by name: the workers whose name holds the
        typed words in full, in that order ("garcia lopez" finds MARIA GARCIA LOPEZ); when none
        does, a word was typed in part ("garc lop"), and any part of the name matches.

        Call it after every other filter: which of the two applies is decided among the rows the
        other filters keep, by one EXISTS query. Lists shown a page at a time spare that query:
        see search_in_steps() and WorkerFilterSet.first_page_found."""
        found, in_part = self.search_in_steps(term)
        if in_part is None or found.exists():
            return found
        return in_part

    def search_in_steps(self, term: str):
        """(the search by CURP or by whole words, the search by any part of the name or None): the
        second is for when the first finds nobody; None when there is nothing to fall back to."""
        from workers.validators import CURP_PATTERN, normalize_curp

        curp = normalize_curp(term)
        if CURP_PATTERN.match(curp):
            return self.filter(curp=curp), None
        phrase = search_text(term)
        if not phrase:
            return self, None
        return self.with_name_words(phrase), self.filter(search_name__contains=phrase)

    def with_name_words(self, phrase: str):
        """The workers whose name has the words of ``phrase`` (normalised by search_text) in full,
        next to each other in that order, found through a word index."""
        # strpos() checks the order, as a LIKE would; not a LIKE, which the planner could answer
        # with the trigram index, the slow way for common names (bench/RESULTS.md).
        return self.alias(name_words=NAME_WORDS, phrase_at=StrIndex("search_name", Value(phrase))).filter(
            name_words__contains=phrase.split(" "), phrase_at__gt=0,
        )


@audit.track()
class Worker(PublicIdModel, TimestampedModel):
    """A Mexican worker registered for the program, identified by CURP."""

    # Unique through a constraint (Meta), not unique=True, which adds a second, pattern-ops index
    # that exact lookups never use.
    curp = models.CharField(_("CURP"), max_length=18, validators=[validate_curp])
    first_names = models.CharField(_("first names"), max_length=100)
    paternal_surname = models.CharField(_("first surname"), max_length=100)
    maternal_surname = models.CharField(_("second surname"), max_length=100, blank=True)
    # Upper case, unaccented full name (search_text): what name search matches, by whole words
    # (NAME_WORDS) or, for words typed in part, by any substring (trigram index).
    search_name = models.CharField(max_length=310, editable=False)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    state_of_origin = models.CharField(_("state of origin"), max_length=4, choices=MEXICAN_STATES)
    nss = models.CharField(
        _("NSS (IMSS number)"), max_length=11, blank=True, validators=[validate_nss],
        help_text=_("11 digits; leave empty if the worker has none yet."),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.SPANISH
    )
    occupations = models.ManyToManyField(Occupation, verbose_name=_("occupations"), blank=True, related_name="+")
    years_of_experience = models.PositiveSmallIntegerField(_("years of experience"), default=0)
    dependents = models.PositiveSmallIntegerField(
        _("dependents"), default=0, help_text=_("People covered by the worker's health insurance.")
    )
    beneficiary_name = models.CharField(_("beneficiary's name"), max_length=200, blank=True)
    beneficiary_relation = models.CharField(_("beneficiary's relation"), max_length=100, blank=True)
    beneficiary_contact = models.CharField(_("beneficiary's contact"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=WorkerStatus.choices, default=WorkerStatus.APPLICANT, editable=False
    )
    status_reason = models.CharField(_("status reason"), max_length=300, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True, editable=False)
    # Optimistic locking: an edit based on an older version is refused (HTTP 409).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = WorkerQuerySet.as_manager()

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        ordering = ["-id"]
        indexes = [
            # Staff lists: their states, newest first (PERFORMANCE.md G6).
            models.Index(fields=["state_of_origin", "-id"], name="worker_state_id_idx"),
            models.Index(fields=["status", "-id"], name="worker_status_id_idx"),
            GinIndex(fields=["search_name"], opclasses=["gin_trgm_ops"], name="worker_name_trgm_idx"),
            # Name search by whole words (WorkerQuerySet.search): one index per state for staff,
            # whose scope is their states, and one over every worker. GARCIA is in 99,000 names of
            # 1,000,000 and TLA in 108,000: a GIN over (state, words) intersects such long lists
            # (9 ms for GARCIA LOPEZ in TLA); TLA's own index holds ~10,000 GARCIA (1.5 ms).
            *[
                GinIndex(NAME_WORDS, condition=Q(state_of_origin=code), name=f"worker_words_{code.lower()}_idx")
                for code, _name in MEXICAN_STATES
            ],
            GinIndex(NAME_WORDS, name="worker_words_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["curp"], name="worker_curp_unique"),
            models.UniqueConstraint(fields=["nss"], condition=~Q(nss=""), name="worker_nss_unique"),
            models.CheckConstraint(
                name="worker_curp_shape", condition=Q(curp__regex=r"^[A-Z]{4}[0-9]{6}[HMX][A-Z]{5}[0-9A-Z][0-9]$")
            ),
            models.CheckConstraint(name="worker_nss_digits", condition=Q(nss="") | Q(nss__regex=r"^[0-9]{11}$")),
            models.CheckConstraint(name="worker_sex_valid", condition=Q(sex__in=["H", "M", "X"])),
            models.CheckConstraint(
                name="worker_status_valid", condition=Q(status__in=[choice.value for choice in WorkerStatus])
            ),
            models.CheckConstraint(
                name="worker_blocked_has_reason",
                condition=~Q(status__in=["ineligible", "suspended"]) | ~Q(status_reason=""),
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in [self.first_names, self.paternal_surname, self.maternal_surname] if part)

    def clean(self):
        """The CURP spells the birth date and the sex: the record must agree with it."""
        from django.core.exceptions import ValidationError

        from workers.validators import curp_birth_date, curp_sex, normalize_curp, validate_curp

        self.curp = normalize_curp(self.curp)
        try:
            validate_curp(self.curp)
        except ValidationError:
            return  # the field's own validator reports it on the CURP field
        errors = {}
        if self.birth_date and self.birth_date != curp_birth_date(self.curp):
            errors["birth_date"] = _("The birth date does not match the CURP (%(date)s).") % {
                "date": curp_birth_date(self.curp).isoformat()
            }
        if self.sex and self.sex != curp_sex(self.curp):
            errors["sex"] = _("The sex does not match the CURP.")
        if errors:
            raise ValidationError(errors)


class WorkerStatusChange(models.Model):
    """One change of a worker's status: who, when, from, to and why (written by services only)."""

    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=20, choices=WorkerStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=WorkerStatus.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    changed_by = models.ForeignKey(User, verbose_name=_("changed by"), on_delete=models.PROTECT, null=True,
                                   related_name="+")
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("worker status change")
        verbose_name_plural = _("worker status changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.worker_id}: {self.from_status} → {self.to_status}"


class CurpCorrection(models.Model):
    """RENAPO reissued a worker's CURP: the same worker, a corrected key, on the record."""

    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="curp_corrections")
    old_curp = models.CharField(_("previous CURP"), max_length=18)
    new_curp = models.CharField(_("new CURP"), max_length=18)
    reason = models.CharField(_("reason"), max_length=300)
    corrected_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    corrected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("CURP correction")
        verbose_name_plural = _("CURP corrections")
        ordering = ["-corrected_at"]

    def __str__(self):
        return f"{self.old_curp} → {self.new_curp}"


class WorkerLanguage(models.Model):
    """A language the worker speaks, with a CEFR-style level."""

    class Level(models.TextChoices):
        BASIC = "basic", _("Basic")
        INTERMEDIATE = "intermediate", _("Intermediate")
        ADVANCED = "advanced", _("Advanced")
        NATIVE = "native", _("Native")

    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(_("language"), max_length=8, help_text=_("ISO 639-1 code, e.g. en, fr, nah."))
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)

    class Meta:
        verbose_name = _("language spoken")
        verbose_name_plural = _("languages spoken")
        constraints = [models.UniqueConstraint(fields=["worker", "language"], name="worker_language_unique")]

    def __str__(self):
        return f"{self.language} ({self.level})"


class DocumentKind(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    MEDICAL = "medical", _("Medical approval")
    BACKGROUND_CHECK = "background_check", _("Background check")
    WORK_PERMIT = "work_permit", _("Work permit or visa")


class DocumentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A document is visible with its worker."""
        return self.filter(worker__in=Worker.objects.visible_to(user))

    def verified(self):
        return self.filter(verified_at__isnull=False)


def document_upload_path(document, filename):
    # Never the original name (it may carry personal data); files are served only through a view
    # that checks who asks.
    return f"documents/{document.worker.public_id}/{document.public_id}"


@audit.track()
class Document(PublicIdModel, TimestampedModel):
    """A worker's identity or eligibility document as seen and verified by staff."""

    worker = models.ForeignKey(Worker, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    number = models.CharField(_("number"), max_length=40, blank=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=document_upload_path, blank=True)
    file_type = models.CharField(max_length=40, blank=True, editable=False)
    verified_by = models.ForeignKey(User, verbose_name=_("verified by"), on_delete=models.PROTECT, null=True,
                                    blank=True, editable=False, related_name="+")
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["kind", "-issued_on", "-id"]
        indexes = [models.Index(fields=["worker", "kind", "-issued_on"], name="document_worker_kind_idx")]
        constraints = [
            models.CheckConstraint(
                name="document_kind_valid", condition=Q(kind__in=[choice.value for choice in DocumentKind])
            ),
            models.CheckConstraint(
                name="document_expires_after_issue",
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("issued_on")),
                violation_error_message=_("A document must expire after it was issued."),
            ),
            models.CheckConstraint(
                name="document_verification_complete",
                condition=Q(verified_at__isnull=True, verified_by__isnull=True)
                | Q(verified_at__isnull=False, verified_by__isnull=False),
            ),
            models.CheckConstraint(
                name="document_passport_has_number_and_expiry",
                condition=~Q(kind__in=["passport", "work_permit"]) | (~Q(number="") & Q(expires_on__isnull=False)),
                violation_error_message=_("A passport or work permit needs its number and expiry date."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}".strip()

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None
