"""Candidates, allocation and contracts over REST. Serializers parse and render; the ranking lives
in ``contracts.ranking`` and allocation in ``contracts.services``."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts.models import Contract, TerminationReason
from contracts.ranking import PARTS
from employers.api.serializers import FlatListField
from workers.api.serializers import ReasonOutSerializer
from workers.models import Worker

# Staff pick candidates from a page of at most this many; more at once is a typing mistake.
MAX_WORKERS_PER_ALLOCATION = 200


def _caller(serializer):
    return serializer.context["request"].user


class ScorePartsSerializer(serializers.Serializer):
    """Each part of a candidate's score (see ``contracts.ranking``); they sum to ``score``."""

    named = serializers.IntegerField(help_text=_("Named by the employer."))
    returned_on_time = serializers.IntegerField(help_text=_("Came home on time from an earlier contract."))
    same_employer = serializers.IntegerField(help_text=_("Worked for this employer before."))
    evaluation = serializers.IntegerField(help_text=_("The last employer rating, this employer's first."))
    certification = serializers.IntegerField(help_text=_("Valid certificates in the required schemes."))
    occupation = serializers.IntegerField(help_text=_("Registered with the requested occupation."))
    language = serializers.IntegerField(help_text=_("Required languages spoken."))
    waited = serializers.IntegerField(help_text=_("Months since the last contract (or registration), capped."))
    state_balance = serializers.IntegerField(
        help_text=_("Negative: workers of the same state of origin already on the request."))


assert set(ScorePartsSerializer().fields) == set(PARTS), "the schema lists every part of the score"


class CandidateSerializer(serializers.Serializer):
    """One ranked candidate (a ``contracts.ranking.Candidate``), best first."""

    id = serializers.UUIDField(help_text=_("The worker's id: send it to allocate/."))
    name = serializers.CharField()
    state_of_origin = serializers.CharField()
    score = serializers.IntegerField()
    parts = ScorePartsSerializer()

    def to_representation(self, candidate):
        worker = candidate.worker
        return {"id": str(worker.public_id), "name": worker.full_name, "state_of_origin": worker.state_of_origin,
                "score": candidate.score, "parts": {part: candidate.parts[part] for part in PARTS}}


class NamedUnavailableSerializer(serializers.Serializer):
    """A worker the employer named who cannot go, and every reason why."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    reasons = ReasonOutSerializer(many=True)

    def to_representation(self, check):
        worker = check.named.worker
        return {"id": str(worker.public_id), "name": worker.full_name,
                "reasons": [{"code": reason.code, "message": str(reason.message)} for reason in check.reasons]}


class CandidatesSerializer(serializers.Serializer):
    places_left = serializers.IntegerField(help_text=_("Places on the request not yet taken by a contract."))
    candidates = CandidateSerializer(many=True)
    named_unavailable = NamedUnavailableSerializer(many=True)


class CandidatesQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=200, default=50,
                                     help_text=_("How many candidates, best first (at most 200)."))


class AllocationSerializer(serializers.Serializer):
    workers = FlatListField(
        child=serializers.UUIDField(), min_length=1, max_length=MAX_WORKERS_PER_ALLOCATION,
        help_text=_("The ids of the workers chosen (from candidates/); each gets a proposed contract."))

    def validate_workers(self, ids):
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError(_("Each worker once."))
        return ids


class ContractWorkerSerializer(serializers.Serializer):
    """The worker of a contract. Employers get the id and the name only (DESIGN.md: what a
    placement needs); staff also the CURP, state of origin and status."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    curp = serializers.CharField(required=False, help_text=_("Staff only."))
    state_of_origin = serializers.CharField(required=False, help_text=_("Staff only."))
    status = serializers.CharField(required=False, help_text=_("Staff only."))


class ContractSerializer(serializers.ModelSerializer):
    """A contract. Its status changes only through its actions (``contracts/{id}/<action>/``)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    request = serializers.UUIDField(source="request.public_id", read_only=True)
    request_number = serializers.CharField(source="request.number", read_only=True)
    employer = serializers.CharField(source="request.employer.legal_name", read_only=True)
    worksite = serializers.CharField(source="request.worksite.name", read_only=True)
    occupation = serializers.CharField(source="request.occupation.code", read_only=True)
    worker = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField(
        help_text=_("Staff only: the parts of the ranking score when the worker was chosen."))
    termination_reason = serializers.CharField(
        read_only=True, help_text=_("Why it ended early (one of terminate's reasons), or empty."))
    transferred_from = serializers.UUIDField(source="transferred_from.public_id", read_only=True, allow_null=True,
                                             help_text=_("The contract this one continues after a transfer."))
    savings_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, read_only=True, allow_null=True,
        help_text=_("The worker's chosen savings rate (percent of gross pay), or null until chosen."))
    savings_rate_in_force = serializers.DecimalField(
        max_digits=5, decimal_places=2, read_only=True,
        help_text=_("The rate deductions are checked against: the worker's choice, else the program's default."))

    class Meta:
        model = Contract
        fields = ["id", "request", "request_number", "employer", "worksite", "occupation", "worker", "program",
                  "season", "start_date", "end_date", "effective_end", "wage_amount", "wage_currency",
                  "hours_per_week", "savings_rate", "savings_rate_in_force", "status", "worker_signed_on",
                  "employer_signed_on", "termination_reason", "status_note", "transferred_from", "trial_until",
                  "transfer_consent_on", "score", "version",
                  "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(ContractWorkerSerializer)
    def get_worker(self, contract) -> dict:
        worker: Worker = contract.worker
        row = {"id": str(worker.public_id), "name": worker.full_name}
        if _caller(self).is_program_staff:
            row.update(curp=worker.curp, state_of_origin=worker.state_of_origin, status=worker.status)
        return row

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField(), allow_null=True))
    def get_score(self, contract) -> dict | None:
        return contract.score if _caller(self).is_program_staff else None



class ContractActionSerializer(serializers.Serializer):
    """The body of a contract action; each action reads the fields it needs (``contracts.life``)."""

    version = serializers.IntegerField(required=False, min_value=1,
                                       help_text=_("The version you last read: an older one is refused (409)."))
    worker_signed_on = serializers.DateField(required=False, help_text=_("sign: the date the worker signed."))
    employer_signed_on = serializers.DateField(required=False, help_text=_("sign: the date the employer signed."))
    on = serializers.DateField(required=False, help_text=_(
        "terminate: the day the contract ends (default today); transfer: the day the worker moves."))
    reason = serializers.ChoiceField(choices=TerminationReason.choices, required=False,
                                     help_text=_("terminate: why the contract ends early."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                 help_text=_("A note kept with the status change."))
    request = serializers.UUIDField(required=False, help_text=_("transfer: the request the worker moves to."))
    consent_on = serializers.DateField(required=False,
                                       help_text=_("transfer: the date the worker agreed to the transfer."))
