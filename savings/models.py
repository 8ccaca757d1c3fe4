"""The savings ledger: accounts, transactions and their entries, and employers' contributions.

Double entry: every ``LedgerTransaction`` has entries that sum to zero per currency; entries and
transactions are never updated or deleted (a correction is a reversing transaction). PostgreSQL
enforces both (triggers in migration 0001): an unbalanced transaction fails at commit, an UPDATE or
DELETE of an entry fails at once. A worker account's stored ``available`` and ``held`` are kept by
a statement trigger in the transaction that inserts the entries, on rows the posting service has
locked; ``manage.py reconcile_savings`` proves they equal the sums.

Sign: a worker account's balance is what the program owes the worker (a contribution adds to it);
the system accounts carry the other side, so their balances run negative.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models
from django.db.models import Func, Q
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract
from employers.models import Employer
from savings.money import DECIMAL_PLACES, MAX_DIGITS, Money
from twp.models import PublicIdModel, Role, TimestampedModel
from workers.models import Worker


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs)


ISO_CODE = Q(currency__regex=r"^[A-Z]{3}$")


class Source(models.TextChoices):
    """How a posting reached the ledger (with ``reference``: the token or the file)."""

    PORTAL = "portal", _("Employer portal")
    API = "api", _("REST client")
    IMPORT = "import", _("File upload")
    STAFF = "staff", _("Office staff")
    SYSTEM = "system", _("The system (a confirmed return, a job)")


class AccountQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see the accounts of the workers they see; administrators all; employers and
        integration clients none (DESIGN.md: employers never see savings). System accounts:
        administrators only."""
        if not user.is_authenticated:
            return self.none()
        role = user.viewing_role
        if role == Role.ADMINISTRATOR:
            return self
        if role == Role.STAFF:
            return self.filter(kind=Account.Kind.WORKER, worker__in=Worker.objects.visible_to(user))
        return self.none()

    def of_workers(self):
        return self.filter(kind=Account.Kind.WORKER)


class Account(PublicIdModel, TimestampedModel):
    """A worker's savings in one currency (held money per contract plus available money), or a
    system account of the program (employer remittances in transit, payouts in transit)."""

    class Kind(models.TextChoices):
        WORKER = "worker", _("Worker's savings")
        REMITTANCES_IN_TRANSIT = "remittances", _("Employer remittances in transit")
        PAYOUTS_IN_TRANSIT = "payouts", _("Payouts in transit")
        # Money that has left the program for the worker (a posted payout); a failed bank payout
        # comes back from here.
        PAID_OUT = "paid_out", _("Paid out to workers")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    worker = models.ForeignKey(Worker, verbose_name=_("worker"), on_delete=models.PROTECT, null=True, blank=True,
                               related_name="savings_accounts")
    currency = models.CharField(_("currency"), max_length=3)
    # Kept by the entries' statement trigger (worker accounts only: a system account's balance is
    # summed when asked, so every posting does not queue on one hot row).
    available = money_field(_("available"), default=0, editable=False)
    held = money_field(_("held"), default=0, editable=False)

    objects = AccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("savings account")
        verbose_name_plural = _("savings accounts")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["worker", "currency"], condition=Q(kind="worker"),
                                    name="savings_one_account_per_worker_currency"),
            models.UniqueConstraint(fields=["kind", "currency"], condition=~Q(kind="worker"),
                                    name="savings_one_system_account_per_currency"),
            models.CheckConstraint(name="savings_account_worker_iff_worker_kind",
                                   condition=Q(kind="worker", worker__isnull=False)
                                   | (~Q(kind="worker") & Q(worker__isnull=True))),
            models.CheckConstraint(name="savings_account_currency_iso", condition=ISO_CODE),
            # What the program owes a worker is never negative: a payout beyond it fails here too.
            models.CheckConstraint(name="savings_worker_balances_not_negative",
                                   condition=~Q(kind="worker") | Q(available__gte=0, held__gte=0)),
        ]

    def __str__(self):
        if self.kind == self.Kind.WORKER:
            return f"{self.worker} · {self.currency}"
        return f"{self.get_kind_display()} · {self.currency}"

    @property
    def balance(self) -> Money:
        return Money(self.available + self.held, self.currency)


class LedgerTransaction(PublicIdModel):
    """One movement of money: its entries sum to zero per currency. Immutable."""

    class Kind(models.TextChoices):
        CONTRIBUTION = "contribution", _("Contribution")
        REVERSAL = "reversal", _("Reversal")
        RELEASE = "release", _("Release on return")
        # An administrator's release of an absconded contract's held money (savings.releases).
        HELD_RELEASE = "held_release", _("Release by an administrator")
        # Payouts (savings.payouts): reserve moves available money to payouts in transit; post
        # pays it out; void (or expiry) brings it back; a failed bank payout reverses a post.
        PAYOUT_RESERVE = "payout_reserve", _("Payout reserved")
        PAYOUT_POST = "payout_post", _("Payout paid")
        PAYOUT_VOID = "payout_void", _("Payout voided or expired")
        PAYOUT_FAILURE = "payout_failure", _("Payout failed at the bank")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # A transaction is reversed at most once (the unique one-to-one).
    reverses = models.OneToOneField("self", verbose_name=_("reverses"), on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="reversed_by")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, null=True,
                           blank=True, related_name="+")
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    # The token (its id prefix), the uploaded file (name and SHA-256) or the job.
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    class Meta:
        db_table = "savings_transaction"
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.public_id}"


class EntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(account__in=Account.objects.visible_to(user))


class Entry(models.Model):
    """One line of a transaction on one account: signed amount, its currency, and for a worker's
    account the contract it was deducted under and whether it is held (until that contract's
    return is confirmed) or available. Append-only."""

    # No index of their own on the foreign keys: the indexes in Meta lead with them (one index
    # fewer to write per entry each).
    transaction = models.ForeignKey(LedgerTransaction, verbose_name=_("transaction"), on_delete=models.PROTECT,
                                    related_name="entries", db_index=False)
    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="entries",
                                db_index=False)
    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="savings_entries", db_index=False)
    held = models.BooleanField(_("held"), default=False)
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        db_table = "savings_entry"
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["id"]
        indexes = [
            # The ledger page (keyset on id within an account).
            models.Index(fields=["account", "id"], name="savings_entry_account_idx"),
            # Reconciliation (savings.reconciliation) reads the entries twice, each time in an
            # index's order so that PostgreSQL aggregates them as a stream, and only from the index
            # (an index-only scan): per account, held flag, contract and currency (the stored
            # balances, held money per contract, currencies; one balance's sum too), and per
            # transaction and currency (each transaction balances; the deferred check at commit).
            models.Index(fields=["account", "held", "contract", "currency"], include=["amount"],
                         name="savings_entry_balance_idx"),
            models.Index(fields=["transaction", "currency"], include=["amount"], name="savings_entry_transaction_idx"),
            # A confirmed return's release (held money of its contracts) and the contracts' foreign key.
            models.Index(fields=["contract"], name="savings_entry_contract_idx", condition=Q(contract__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(name="savings_entry_amount_not_zero", condition=~Q(amount=0)),
            models.CheckConstraint(name="savings_entry_currency_iso", condition=ISO_CODE),
            models.CheckConstraint(name="savings_entry_held_has_contract",
                                   condition=Q(held=False) | Q(contract__isnull=False)),
        ]

    def __str__(self):
        return f"{self.account}: {self.money}"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


class DateRange(Func):
    function = "daterange"
    output_field = DateRangeField()


class ContributionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Employers (and their clients) see the lines they posted; staff those of contracts they
        see; administrators all."""
        if not user.is_authenticated:
            return self.none()
        role = user.viewing_role
        if role == Role.ADMINISTRATOR:
            return self
        if role == Role.STAFF:
            return self.filter(contract__in=Contract.objects.visible_to(user))
        if role == Role.EMPLOYER:
            return self.filter(employer__memberships__user=user)
        return self.none()

    def live(self):
        return self.filter(status=Contribution.Status.POSTED)

    def flagged(self):
        return self.live().filter(is_flagged=True)


class Contribution(PublicIdModel):
    """A payroll deduction an employer posted for one contract and pay period: its ledger
    transaction credits the worker's account (held against the contract). A contract has at most
    one live contribution per pay period; a correction reverses it and posts a new one."""

    class Status(models.TextChoices):
        POSTED = "posted", _("Posted")
        REVERSED = "reversed", _("Reversed")

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.PROTECT,
                                 related_name="contributions")
    # Who posted it (the contract's employer at the time): what employers are scoped by.
    employer = models.ForeignKey(Employer, verbose_name=_("employer"), on_delete=models.PROTECT,
                                 related_name="contributions")
    period_start = models.DateField(_("pay period from"))
    period_end = models.DateField(_("pay period to"))
    gross_pay = money_field(_("gross pay"))
    amount = money_field(_("deduction"))
    currency = models.CharField(_("currency"), max_length=3)
    savings_rate = models.DecimalField(_("savings rate (%)"), max_digits=5, decimal_places=2)
    expected_amount = money_field(_("expected deduction"))
    # The deduction differs from rate × pay by more than the currency's minor unit: staff look.
    is_flagged = models.BooleanField(_("flagged for staff"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.POSTED)
    transaction = models.OneToOneField(LedgerTransaction, on_delete=models.PROTECT, related_name="contribution")
    reversal = models.OneToOneField(LedgerTransaction, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="reversed_contribution")
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    objects = ContributionQuerySet.as_manager()

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["-id"]
        indexes = [models.Index(fields=["employer", "-id"], name="savings_contrib_employer_idx")]
        constraints = [
            ExclusionConstraint(
                name="savings_one_live_contribution_per_period",
                expressions=[("contract", RangeOperators.EQUAL),
                             (DateRange("period_start", "period_end", models.Value("[]")), RangeOperators.OVERLAPS)],
                condition=Q(status="posted"),
                violation_error_message=_("This contract already has a contribution for this pay period."),
            ),
            models.CheckConstraint(name="savings_contribution_period_order", condition=Q(period_end__gte=models.F(
                "period_start"))),
            models.CheckConstraint(name="savings_contribution_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(name="savings_contribution_pay_positive", condition=Q(gross_pay__gt=0)),
            models.CheckConstraint(name="savings_contribution_currency_iso", condition=ISO_CODE),
            models.CheckConstraint(name="savings_contribution_reversal_iff_reversed",
                                   condition=Q(status="posted", reversal__isnull=True)
                                   | Q(status="reversed", reversal__isnull=False)),
        ]

    def __str__(self):
        return f"{self.contract} {self.period_start}–{self.period_end}: {self.money}"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


class ReconciliationRunQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Reconciliation is the administrators' alarm: only they see its runs."""
        if not user.is_authenticated or not user.is_administrator:
            return self.none()
        return self

    def drifted(self):
        return self.filter(is_clean=False)


class ReconciliationRun(PublicIdModel):
    """One proof that the ledger adds up (``manage.py reconcile_savings``, nightly): stored worker
    balances equal their entries, every transaction balances and has entries, every entry is in
    its account's currency, no contract's held money is below zero. A run never changes the
    ledger; a run that is not clean lists what drifted in ``findings`` and alerts the
    administrators."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    is_clean = models.BooleanField(_("clean"))
    # What was checked (accounts, transactions, entries) and how many findings of each kind.
    counts = models.JSONField(_("counts"), default=dict)
    # One object per finding (savings.reconciliation.Finding), at most FINDINGS_KEPT of them.
    findings = models.JSONField(_("findings"), default=list)

    objects = ReconciliationRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("savings reconciliation")
        verbose_name_plural = _("savings reconciliations")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(name="savings_reconciliation_finished_after_start",
                                   condition=Q(finished_at__gte=models.F("started_at"))),
        ]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {'clean' if self.is_clean else 'DRIFT'}"


class PayoutQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see the payouts of the workers they see; administrators all; employers and
        integration clients none (DESIGN.md: employers never see savings)."""
        if not user.is_authenticated:
            return self.none()
        role = user.viewing_role
        if role == Role.ADMINISTRATOR:
            return self
        if role == Role.STAFF:
            return self.filter(worker__in=Worker.objects.visible_to(user))
        return self.none()

    def open(self):
        return self.filter(status=Payout.Status.RESERVED)


class Payout(PublicIdModel, TimestampedModel):
    """Available savings paid to a worker (or, after a death, to the beneficiary on the worker's
    record): to a Mexican bank account (CLABE) or in cash at the worker's home state office.

    Two phases in the ledger (savings.payouts): the request reserves the money (available →
    payouts in transit) exactly once; then it is paid (posted), or voided, or expires. Above the
    program's threshold a second person approves before it can be paid, never the requester; a
    change of the destination after approval withdraws the approval. A bank payout that fails
    after it was paid is reversed (the money is available again) and shows for follow-up. The
    bank's conversion to pesos is recorded as a fact; the ledger never converts."""

    class Method(models.TextChoices):
        BANK = "bank", _("Bank transfer (CLABE)")
        CASH = "cash", _("Cash at the state office")

    class Status(models.TextChoices):
        RESERVED = "reserved", _("Reserved")
        PAID = "paid", _("Paid")
        VOIDED = "voided", _("Voided")
        EXPIRED = "expired", _("Expired")
        FAILED = "failed", _("Failed at the bank")

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="payouts")
    # The account's worker, kept here so that payouts are scoped like workers without a join.
    worker = models.ForeignKey(Worker, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="payouts")
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    clabe = models.CharField(_("CLABE"), max_length=18, blank=True)
    payee_name = models.CharField(_("paid to"), max_length=200)
    to_beneficiary = models.BooleanField(_("to the beneficiary"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RESERVED)
    needs_approval = models.BooleanField(_("needs a second person's approval"), default=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"),
                                    on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("reservation expires at"))
    # The ledger transactions of each phase: a payout reserves exactly once (the one-to-one).
    reservation = models.OneToOneField(LedgerTransaction, verbose_name=_("reservation"), on_delete=models.PROTECT,
                                       related_name="payout_reserved")
    settlement = models.OneToOneField(LedgerTransaction, verbose_name=_("payment"), on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="payout_settled")
    release = models.OneToOneField(LedgerTransaction, verbose_name=_("money returned"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="payout_released")
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("paid by"), on_delete=models.PROTECT,
                                null=True, blank=True, related_name="+")
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # Cash: the identity document checked at the counter and the number on the signed receipt.
    identity_document = models.CharField(_("identity document checked"), max_length=200, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=40, blank=True)
    # Bank: the bank's reference, and its conversion to pesos as the bank reported it.
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    received_currency = models.CharField(_("currency received"), max_length=3, blank=True)
    received_amount = models.DecimalField(_("amount received"), max_digits=18, decimal_places=2, null=True,
                                          blank=True)
    exchange_rate = models.DecimalField(_("exchange rate"), max_digits=18, decimal_places=8, null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("voided by"), on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Why it was voided, or what the bank said when it failed.
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # Failed bank payouts stay on the follow-up list until staff mark them followed up.
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)

    objects = PayoutQuerySet.as_manager()

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["worker", "-id"], name="savings_payout_worker_idx"),
            # The expiry job reads the open reservations by their deadline.
            models.Index(fields=["expires_at"], name="savings_payout_open_idx", condition=Q(status="reserved")),
            models.Index(fields=["-id"], name="savings_payout_failed_idx",
                         condition=Q(status="failed", followed_up_at__isnull=True)),
        ]
        constraints = [
            models.CheckConstraint(name="savings_payout_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(name="savings_payout_currency_iso", condition=ISO_CODE),
            # Four eyes: whoever approves is never whoever asked.
            models.CheckConstraint(name="savings_payout_four_eyes",
                                   condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("requested_by"))),
            models.CheckConstraint(name="savings_payout_approval_complete",
                                   condition=Q(approved_by__isnull=True, approved_at__isnull=True)
                                   | Q(approved_by__isnull=False, approved_at__isnull=False)),
            models.CheckConstraint(name="savings_payout_destination",
                                   condition=Q(method="bank", clabe__regex=r"^[0-9]{18}$")
                                   | Q(method="cash", clabe="")),
            # Each status has exactly the ledger transactions of its phases.
            models.CheckConstraint(name="savings_payout_phases", condition=(
                Q(status="reserved", settlement__isnull=True, release__isnull=True)
                | Q(status="paid", settlement__isnull=False, release__isnull=True, paid_at__isnull=False)
                | Q(status__in=["voided", "expired"], settlement__isnull=True, release__isnull=False,
                    closed_at__isnull=False)
                | Q(status="failed", method="bank", settlement__isnull=False, release__isnull=False,
                    closed_at__isnull=False))),
            # Nothing above the threshold is paid without the second person.
            models.CheckConstraint(name="savings_payout_paid_only_approved",
                                   condition=~Q(status="paid") | Q(needs_approval=False)
                                   | Q(approved_by__isnull=False)),
            models.CheckConstraint(name="savings_payout_cash_paid_has_identity",
                                   condition=~Q(status="paid", method="cash") | ~Q(identity_document="")),
            models.CheckConstraint(name="savings_payout_conversion_all_or_none",
                                   condition=Q(received_currency="", received_amount__isnull=True,
                                               exchange_rate__isnull=True)
                                   | Q(received_currency__regex=r"^[A-Z]{3}$", received_amount__gt=0,
                                       exchange_rate__gt=0)),
        ]

    def __str__(self):
        return f"{self.worker} · {self.money} · {self.get_status_display()}"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


class HeldReleaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(account__in=Account.objects.visible_to(user))


class HeldRelease(PublicIdModel):
    """An administrator's release of the money held against an absconded contract (savings.releases),
    with the reason on record: e.g. the worker died (then it is paid to the beneficiary on the
    worker's record, whose name is kept here as it was)."""

    class Reason(models.TextChoices):
        DEATH = "death", _("The worker died")
        RETURNED_UNRECORDED = "returned", _("The worker came home; the return was not recorded in time")
        OTHER = "other", _("Other (explained)")

    contract = models.OneToOneField(Contract, verbose_name=_("contract"), on_delete=models.PROTECT,
                                    related_name="held_release")
    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT,
                                related_name="held_releases")
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    explanation = models.TextField(_("explanation"))
    beneficiary_name = models.CharField(_("beneficiary"), max_length=200, blank=True)
    transaction = models.OneToOneField(LedgerTransaction, verbose_name=_("transaction"), on_delete=models.PROTECT,
                                       related_name="held_release")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT,
                           related_name="+")
    created_at = models.DateTimeField(_("released at"), auto_now_add=True)

    objects = HeldReleaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("release of held money")
        verbose_name_plural = _("releases of held money")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(name="savings_held_release_explained", condition=~Q(explanation="")),
            models.CheckConstraint(name="savings_held_release_death_has_beneficiary",
                                   condition=~Q(reason="death") | ~Q(beneficiary_name="")),
        ]

    def __str__(self):
        return f"{self.contract}: {self.get_reason_display()}"
