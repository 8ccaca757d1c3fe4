"""Expected returns over REST. Serializers parse and render; the rules live in ``contracts.returns``."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts.models import ExpectedReturn, ReturnState


def _is_staff(serializer) -> bool:
    return serializer.context["request"].user.is_program_staff


def return_state(expected: ExpectedReturn) -> str:
    """Where the return stands today, in its program's time zone (the program is already read)."""
    if expected.is_confirmed:
        return ReturnState.CONFIRMED
    return ReturnState.OVERDUE if expected.due_on < expected.contract.program.today() else ReturnState.EXPECTED


class ReturnWorkerSerializer(serializers.Serializer):
    """The worker expected home: the id and the name, what the employer already knows."""

    id = serializers.UUIDField()
    name = serializers.CharField()


class ExpectedReturnSerializer(serializers.ModelSerializer):
    """A worker expected home after a contract, and the confirmation once staff record it. The
    identity document checked and who confirmed are staff only (null for employers)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    contract = serializers.UUIDField(source="contract.public_id", read_only=True)
    contract_status = serializers.CharField(source="contract.status", read_only=True)
    program = serializers.IntegerField(source="contract.program_id", read_only=True)
    season = serializers.IntegerField(source="contract.season", read_only=True)
    employer = serializers.CharField(source="contract.request.employer.legal_name", read_only=True)
    worker = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField(help_text=_(
        "expected: not confirmed, due today or later; overdue: not confirmed, past due; confirmed."))
    days_late = serializers.SerializerMethodField(help_text=_(
        "Confirmed: the day seen home minus the due date (negative: early). Overdue: the days past due "
        "so far. Otherwise null."))
    returned_on_time = serializers.BooleanField(source="contract.returned_on_time", read_only=True, allow_null=True)
    identity_document = serializers.SerializerMethodField(help_text=_("Staff only."))
    confirmed_by = serializers.SerializerMethodField(help_text=_("Staff only: who entered the confirmation."))

    class Meta:
        model = ExpectedReturn
        fields = ["id", "contract", "contract_status", "program", "season", "employer", "worker", "due_on", "state",
                  "days_late", "seen_home_on", "place", "identity_document", "returned_on_time", "confirmed_by",
                  "confirmed_at", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(ReturnWorkerSerializer)
    def get_worker(self, expected) -> dict:
        worker = expected.contract.worker
        return {"id": str(worker.public_id), "name": worker.full_name}

    @extend_schema_field(serializers.ChoiceField(choices=ReturnState.choices))
    def get_state(self, expected) -> str:
        return return_state(expected)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_days_late(self, expected):
        if expected.is_confirmed:
            return expected.days_late
        overdue_by = (expected.contract.program.today() - expected.due_on).days
        return overdue_by if overdue_by > 0 else None

    @extend_schema_field(serializers.ChoiceField(choices=ExpectedReturn.IdentityDocument.choices, allow_null=True,
                                                 allow_blank=True))
    def get_identity_document(self, expected):
        return expected.identity_document if _is_staff(self) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_confirmed_by(self, expected):
        if not _is_staff(self) or expected.confirmed_by is None:
            return None
        return expected.confirmed_by.get_full_name() or expected.confirmed_by.get_username()


class ReturnConfirmSerializer(serializers.Serializer):
    """The body of ``contracts/{id}/confirm-return/``."""

    seen_home_on = serializers.DateField(help_text=_(
        "The day the worker was seen home: not in the future, not before the contract's start."))
    place = serializers.ChoiceField(choices=ExpectedReturn.Place.choices, help_text=_("Where the worker was seen."))
    identity_document = serializers.ChoiceField(choices=ExpectedReturn.IdentityDocument.choices,
                                                help_text=_("The identity document checked."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                 help_text=_("A note kept with the status change."))
    version = serializers.IntegerField(required=False, min_value=1,
                                       help_text=_("The contract's version you last read: an older one is refused "
                                                   "(409)."))
