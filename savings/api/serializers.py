"""Savings over REST: accounts, their ledger entries, contributions. Amounts are decimal strings
with the currency's decimals (``"125.50"`` CAD, ``"1200"`` JPY), never numbers: a float loses cents.

The input serializers of contributions describe the body for the OpenAPI document; the lines
themselves are checked by ``savings.contributions``, which refuses each line field by field (and
a number where a decimal string belongs)."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import get_attribute

from savings.contributions import MAX_LINES
from savings.models import Account, Contribution, Entry, HeldRelease, LedgerTransaction, Payout, Source
from savings.money import Money
from twp.models import ImportJob


def money_text(amount: Decimal | None, currency: str) -> str | None:
    return None if amount is None else Money(amount, currency).text


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^-?\d+(?:\.\d+)?$",
                      "example": "125.50"})
class MoneyField(serializers.Field):
    """A read-only amount of the row's ``currency`` as a decimal string with its decimals."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        return instance

    def to_representation(self, row):
        return money_text(get_attribute(row, self.source_attrs), row.currency)


class AccountWorkerSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class AccountSerializer(serializers.ModelSerializer):
    """A savings account: a worker's savings in one currency (what is held against contracts
    until the worker's return is confirmed, and what is available), or a system account of the
    program (administrators only; its balance is the sum of its entries)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    kind = serializers.ChoiceField(choices=Account.Kind.choices, read_only=True)
    worker = serializers.SerializerMethodField()
    available = MoneyField(source="shown_available", help_text=_("Paid out only from here."))
    held = MoneyField(source="shown_held", help_text=_("Held against contracts until the worker's return is "
                                                       "confirmed."))
    balance = MoneyField(source="shown_balance", help_text=_("Available plus held."))

    class Meta:
        model = Account
        fields = ["id", "kind", "worker", "currency", "available", "held", "balance", "created_at"]
        read_only_fields = fields

    @extend_schema_field(AccountWorkerSerializer(allow_null=True))
    def get_worker(self, account) -> dict | None:
        worker = account.worker
        return None if worker is None else {"id": str(worker.public_id), "name": worker.full_name}


class EntrySerializer(serializers.ModelSerializer):
    """One line of an account's ledger: what its transaction moved on this account."""

    transaction = serializers.UUIDField(source="transaction.public_id", read_only=True)
    kind = serializers.ChoiceField(source="transaction.kind", choices=LedgerTransaction.Kind.choices, read_only=True)
    posted_at = serializers.DateTimeField(source="created_at", read_only=True)
    amount = MoneyField(help_text=_("Signed: positive adds to the account, negative takes from it."))
    held = serializers.BooleanField(read_only=True, help_text=_(
        "True: held against the contract until the worker's return is confirmed; false: available."))
    contract = serializers.UUIDField(source="contract.public_id", read_only=True, allow_null=True)
    source = serializers.ChoiceField(source="transaction.source", choices=Source.choices, read_only=True)
    actor = serializers.CharField(source="transaction.by.username", read_only=True, allow_null=True,
                                  help_text=_("Who posted it (a user name), or null for the system."))
    reference = serializers.CharField(source="transaction.reference", read_only=True, help_text=_(
        "The token (its first characters), the file (name and SHA-256) or the job it came from."))
    memo = serializers.CharField(source="transaction.memo", read_only=True)

    class Meta:
        model = Entry
        fields = ["transaction", "kind", "posted_at", "amount", "currency", "held", "contract", "source", "actor",
                  "reference", "memo"]
        read_only_fields = fields


class ContributionSerializer(serializers.ModelSerializer):
    """A payroll deduction an employer posted for one contract and pay period. Employers see the
    lines they posted, never the worker's savings balance."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    contract = serializers.UUIDField(source="contract.public_id", read_only=True)
    employer = serializers.CharField(source="employer.legal_name", read_only=True)
    gross_pay = MoneyField()
    amount = MoneyField(help_text=_("The deduction."))
    expected_amount = MoneyField(help_text=_("The savings rate of the gross pay, rounded to the currency's unit."))
    savings_rate = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True,
                                            help_text=_("The contract's rate in force when it was posted (percent)."))
    is_flagged = serializers.BooleanField(read_only=True, help_text=_(
        "The deduction differs from the expected amount by more than the currency's smallest unit: staff "
        "look at it."))
    status = serializers.ChoiceField(choices=Contribution.Status.choices, read_only=True)
    transaction = serializers.UUIDField(source="transaction.public_id", read_only=True)
    reversal = serializers.UUIDField(source="reversal.public_id", read_only=True, allow_null=True,
                                     help_text=_("The transaction that reversed it, or null."))
    posted_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Contribution
        fields = ["id", "contract", "employer", "period_start", "period_end", "gross_pay", "amount", "currency",
                  "savings_rate", "expected_amount", "is_flagged", "status", "transaction", "reversal", "posted_at"]
        read_only_fields = fields


# --- Request bodies -----------------------------------------------------------------------------
class ContributionLineSerializer(serializers.Serializer):
    """One payroll line (the body of ``POST savings/contributions/``, or one of a payroll's)."""

    contract = serializers.UUIDField(help_text=_("The id of one of your contracts whose work has begun."))
    period_start = serializers.DateField(help_text=_("The pay period's first day, inside the contract."))
    period_end = serializers.DateField(help_text=_("Its last day: a period is at most 31 days, and a contract "
                                                   "has one contribution per period."))
    gross_pay = serializers.CharField(help_text=_(
        "The gross pay of the period, a decimal string in the contract's currency, e.g. “1000.00”."))
    amount = serializers.CharField(help_text=_(
        "The deduction, a decimal string with no more decimals than the currency has (nothing is rounded)."))
    currency = serializers.CharField(required=False, help_text=_(
        "The contract's currency (ISO 4217); optional, refused if it differs."))


class PayrollSerializer(serializers.Serializer):
    """A payroll as JSON: its lines, every one posted or none."""

    lines = serializers.ListField(child=serializers.JSONField(), min_length=1, max_length=MAX_LINES)


class PayrollDocumentSerializer(serializers.Serializer):
    """What the OpenAPI document shows of a JSON payroll (``PayrollSerializer`` parses it)."""

    lines = ContributionLineSerializer(many=True, min_length=1, max_length=MAX_LINES)


class PayrollFileSerializer(serializers.Serializer):
    """A payroll as a CSV file."""

    file = serializers.FileField(help_text=_(
        "CSV with a header row contract,period_start,period_end,gross_pay,amount[,currency]; at most 5,000 "
        "lines."))
    encoding = serializers.ChoiceField(choices=ImportJob.Encoding.choices, default=ImportJob.Encoding.UTF8,
                                       help_text=_("The file's encoding: UTF-8 (with or without a BOM) or "
                                                   "Latin-1."))


class ReversalSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text=_("Why the contribution is reversed (kept with the "
                                                               "ledger transaction)."))


class SavingsRateSerializer(serializers.Serializer):
    savings_rate = serializers.DecimalField(max_digits=5, decimal_places=2, help_text=_(
        "The worker's chosen rate, percent of gross pay, within the program's bounds, e.g. “12.50”."))
    version = serializers.IntegerField(required=False, min_value=1,
                                       help_text=_("The version you last read: an older one is refused (409)."))


# --- Payouts, unclaimed savings, releases (issue 12) ---------------------------------------------
class PayoutSerializer(serializers.ModelSerializer):
    """A payout of a worker's available savings: reserved, then paid, or voided, expired, or failed
    at the bank (the money is then available again)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    worker = serializers.SerializerMethodField()
    account = serializers.UUIDField(source="account.public_id", read_only=True)
    amount = MoneyField()
    method = serializers.ChoiceField(choices=Payout.Method.choices, read_only=True)
    status = serializers.ChoiceField(choices=Payout.Status.choices, read_only=True)
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    approved_by = serializers.CharField(source="approved_by.username", read_only=True, allow_null=True)
    paid_by = serializers.CharField(source="paid_by.username", read_only=True, allow_null=True)
    received_amount = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True, allow_null=True,
                                               coerce_to_string=True)
    exchange_rate = serializers.DecimalField(max_digits=18, decimal_places=8, read_only=True, allow_null=True,
                                             coerce_to_string=True)

    class Meta:
        model = Payout
        fields = ["id", "worker", "account", "amount", "currency", "method", "clabe", "payee_name", "to_beneficiary",
                  "status", "needs_approval", "requested_by", "approved_by", "approved_at", "expires_at", "paid_by",
                  "paid_at", "identity_document", "receipt_number", "bank_reference", "received_currency",
                  "received_amount", "exchange_rate", "reason", "closed_at", "followed_up_at", "created_at"]
        read_only_fields = fields

    @extend_schema_field(AccountWorkerSerializer)
    def get_worker(self, payout) -> dict:
        return {"id": str(payout.worker.public_id), "name": payout.worker.full_name}


class PayoutRequestSerializer(serializers.Serializer):
    worker = serializers.UUIDField(help_text=_("The worker, of your state office."))
    amount = serializers.CharField(max_length=30, help_text=_(
        "A decimal string in the account's currency, at most what is available, e.g. “250.00”."))
    currency = serializers.CharField(max_length=3, help_text=_("The account's currency (ISO 4217), e.g. CAD."))
    method = serializers.ChoiceField(choices=Payout.Method.choices)
    clabe = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                  help_text=_("For a bank transfer: the 18-digit CLABE."))
    to_beneficiary = serializers.BooleanField(required=False, default=False, help_text=_(
        "Pay the beneficiary on the worker's record instead of the worker."))


class PayoutPaySerializer(serializers.Serializer):
    identity_document = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                              help_text=_("Cash: the identity document checked at the counter."))
    receipt_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    bank_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class PayoutReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class PayoutDestinationSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=Payout.Method.choices)
    clabe = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class PayoutConversionSerializer(serializers.Serializer):
    received_currency = serializers.CharField(max_length=3, default="MXN")
    received_amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=Decimal("0.01"),
                                               coerce_to_string=True)
    exchange_rate = serializers.DecimalField(max_digits=18, decimal_places=8, min_value=Decimal("0.00000001"),
                                             coerce_to_string=True)


class UnclaimedSerializer(serializers.Serializer):
    """An account whose available savings nobody claimed since the worker came home."""

    account = serializers.UUIDField(source="public_id")
    worker = serializers.SerializerMethodField()
    state_of_origin = serializers.CharField(source="worker.state_of_origin")
    currency = serializers.CharField()
    available = MoneyField()
    returned_on = serializers.DateField()
    days_since_return = serializers.IntegerField()

    @extend_schema_field(AccountWorkerSerializer)
    def get_worker(self, account) -> dict:
        return {"id": str(account.worker.public_id), "name": account.worker.full_name}


class HeldReleaseSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    contract = serializers.UUIDField(source="contract.public_id", read_only=True)
    account = serializers.UUIDField(source="account.public_id", read_only=True)
    reason = serializers.ChoiceField(choices=HeldRelease.Reason.choices, read_only=True)
    transaction = serializers.UUIDField(source="transaction.public_id", read_only=True)
    by = serializers.CharField(source="by.username", read_only=True)

    class Meta:
        model = HeldRelease
        fields = ["id", "contract", "account", "reason", "explanation", "beneficiary_name", "transaction", "by",
                  "created_at"]
        read_only_fields = fields


class HeldReleaseRequestSerializer(serializers.Serializer):
    contract = serializers.UUIDField(help_text=_("An absconded contract with money held against it."))
    reason = serializers.ChoiceField(choices=HeldRelease.Reason.choices)
    explanation = serializers.CharField(max_length=2000)
