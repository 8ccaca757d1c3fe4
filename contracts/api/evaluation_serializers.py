"""Evaluations over REST. Serializers parse and render; every rule (who records which side, when,
once, the criteria) lives in ``contracts.evaluations``."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts.evaluations import CRITERIA
from contracts.models import Evaluation

D = Evaluation.Direction
# The scores are checked by the service, which names each criterion at fault; a typed child
# field here would answer nested errors ({"scores": {"x": [...]}}) instead of messages.
SCORES_HELP = format_lazy(
    _("One whole score from 1 to 5 per criterion. The employer's evaluation of the worker: {of_worker}; "
      "the worker's of the employer: {of_employer}."),
    of_worker=", ".join(CRITERIA[D.OF_WORKER]), of_employer=", ".join(CRITERIA[D.OF_EMPLOYER]))


def _caller(serializer):
    return serializer.context["request"].user


@extend_schema_field({"type": "object", "additionalProperties": {"type": "integer", "minimum": 1, "maximum": 5}})
class ScoresField(serializers.DictField):
    """criterion → 1..5 (``contracts.evaluations.CRITERIA``)."""


class EvaluationContestSerializer(serializers.Serializer):
    """The worker's contest of the employer's evaluation, as staff recorded it."""

    text = serializers.CharField()
    contested_at = serializers.DateTimeField()
    recorded_by = serializers.CharField()


class EvaluationSerializer(serializers.ModelSerializer):
    """One side's evaluation of a contract. Employers read only their own evaluations of their
    workers, and of them only what they gave: who recorded it, when it was shown to the worker
    and the worker's contest are for staff (null for employers)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    contract = serializers.UUIDField(source="contract.public_id", read_only=True)
    worker = serializers.UUIDField(source="contract.worker.public_id", read_only=True)
    worker_name = serializers.CharField(source="contract.worker.full_name", read_only=True)
    employer = serializers.UUIDField(source="contract.request.employer.public_id", read_only=True)
    employer_name = serializers.CharField(source="contract.request.employer.legal_name", read_only=True)
    season = serializers.IntegerField(source="contract.season", read_only=True)
    scores = ScoresField(read_only=True)
    recorded_by = serializers.SerializerMethodField(help_text=_("Staff only: the user who recorded it."))
    shown_to_worker_at = serializers.SerializerMethodField(
        help_text=_("Staff only: when staff showed it to the worker (only then may the worker contest it)."))
    contest = serializers.SerializerMethodField(help_text=_("Staff only: the worker's contest, if any."))

    class Meta:
        model = Evaluation
        fields = ["id", "contract", "worker", "worker_name", "employer", "employer_name", "season", "direction",
                  "scores", "overall", "would_repeat", "comment", "recorded_by", "shown_to_worker_at", "contest",
                  "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_recorded_by(self, evaluation) -> str | None:
        return evaluation.by.username if _caller(self).is_program_staff else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_shown_to_worker_at(self, evaluation):
        if not _caller(self).is_program_staff or evaluation.shown_to_worker_at is None:
            return None
        return serializers.DateTimeField().to_representation(evaluation.shown_to_worker_at)

    @extend_schema_field(EvaluationContestSerializer(allow_null=True))
    def get_contest(self, evaluation) -> dict | None:
        if not _caller(self).is_program_staff or evaluation.contested_at is None:
            return None
        return EvaluationContestSerializer({
            "text": evaluation.contest, "contested_at": evaluation.contested_at,
            "recorded_by": evaluation.contest_recorded_by.username}).data


class EvaluationCreateSerializer(serializers.Serializer):
    contract = serializers.UUIDField(help_text=_("The contract evaluated (it must have been worked)."))
    direction = serializers.ChoiceField(
        choices=D.choices, help_text=_("of_worker: the employer rates the worker (its users or staff record it); "
                                       "of_employer: the worker rates the employer (staff record it)."))
    scores = ScoresField(help_text=SCORES_HELP)
    would_repeat = serializers.BooleanField(
        help_text=_("Whether the employer would hire the worker again, or the worker would return to the employer."))
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class EvaluationContestInSerializer(serializers.Serializer):
    # Required, but by the service, which first says whether the caller may record a contest at all.
    text = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="",
                                 help_text=_("What the worker contests, in their words (required)."))


class EmployerAveragesQuerySerializer(serializers.Serializer):
    employer = serializers.UUIDField(help_text=_("The employer's id (an employer may ask only for its own)."))


class EmployerAveragesSerializer(serializers.Serializer):
    """The workers' ratings of an employer, as averages. An employer with fewer than 5 ratings
    sees none of them, not even how many there are."""

    employer = serializers.UUIDField()
    shown = serializers.BooleanField(help_text=_("False when withheld (an employer with fewer than 5 ratings): "
                                                 "every other field is then null."))
    count = serializers.IntegerField(allow_null=True, help_text=_("How many workers' evaluations."))
    overall = serializers.FloatField(allow_null=True, help_text=_("The mean overall rating, 1 to 5."))
    criteria = serializers.DictField(child=serializers.FloatField(allow_null=True), allow_null=True,
                                     help_text=_("The mean score per criterion."))
