"""Employers, worksites and worker requests over REST. Serializers parse and render; every rule
on the terms lives in ``employers.services`` and ``employers.worker_requests``."""

import uuid

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from certification.models import Scheme
from employers import worker_requests
from employers.models import Employer, RequestEvent, WorkerRequest, Worksite
from employers.services import employer_allowed_actions
from twp.models import Program
from workers.api.serializers import CurpField, ReasonOutSerializer
from workers.models import Occupation

# What an employer learns about a named worker who cannot go: never why (DESIGN.md).
NOT_AVAILABLE_MESSAGE = _("Cannot be placed this season; the office will contact you.")
# The service's answer to an employer naming a worker it never employed, also for a CURP it sends.
CHOOSE_FORMER_WORKER_MESSAGE = _("Choose one of the workers you employed in earlier seasons.")
# Dates far beyond any season are typing mistakes (and would overflow date arithmetic).
LATEST_YEAR = 2100
EARLIEST_YEAR = 2000


def _caller(serializer):
    return serializer.context["request"].user


class PublicIdRelatedField(serializers.RelatedField):
    """A related object named by its public UUID, looked up in ``queryset`` (narrowed per caller by
    ``scoped_queryset``): an id outside the caller's scope reads as one that does not exist."""

    default_error_messages = {
        "does_not_exist": _("No such object, or not one you may use."),
        "invalid": _("Give the object's id (a UUID)."),
    }

    def __init__(self, *, scoped_queryset=None, **kwargs):
        self.scoped_queryset = scoped_queryset
        super().__init__(**kwargs)

    def get_queryset(self):
        if self.scoped_queryset is not None:
            return self.scoped_queryset(_caller(self))
        return super().get_queryset()

    def to_internal_value(self, data):
        try:
            public_id = uuid.UUID(str(data))
        except (TypeError, ValueError, AttributeError):
            self.fail("invalid")
        instance = self.get_queryset().filter(public_id=public_id).first()
        if instance is None:
            self.fail("does_not_exist")
        return instance

    def to_representation(self, value):
        return str(value.public_id)


extend_schema_field(OpenApiTypes.UUID)(PublicIdRelatedField)


class PlausibleDateField(serializers.DateField):
    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise serializers.ValidationError(
                _("Give a date between %(first)s and %(last)s.") % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
            )
        return day


def _version_field():
    return serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1,
        help_text=_("The version you read; required to update. A stale one answers 409."),
    )


def _require_version(serializer, attrs):
    if serializer.instance is not None and "version" not in attrs:
        raise serializers.ValidationError({"version": [serializers.Field.default_error_messages["required"]]})


# --- Employers and worksites -------------------------------------------------------------------

class EmployerSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    version = _version_field()
    allowed_actions = serializers.SerializerMethodField(
        help_text=_("The status actions (approve, reject, suspend) you may take now."))

    class Meta:
        model = Employer
        fields = ["id", "legal_name", "country", "region", "business_number", "sector", "contact_name",
                  "contact_email", "contact_phone", "status", "status_reason", "version", "allowed_actions"]
        read_only_fields = ["status", "status_reason"]

    def get_allowed_actions(self, employer) -> list[str]:
        return employer_allowed_actions(employer, _caller(self))

    def validate(self, attrs):
        _require_version(self, attrs)
        return attrs


class StatusReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="",
                                   help_text=_("Why: the employer reads it. Required to reject or suspend."))


class WorksiteSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Worksite
        fields = ["id", "name", "address", "city", "region", "postal_code", "housing_capacity",
                  "housing_inspected_on", "housing_inspection_result", "housing_valid_until"]
        extra_kwargs = {"housing_capacity": {"max_value": 10000}}


# --- Worker requests -----------------------------------------------------------------------------

class ProgramField(serializers.PrimaryKeyRelatedField):
    def __init__(self, **kwargs):
        super().__init__(pk_field=serializers.IntegerField(min_value=1, max_value=2**31 - 1), **kwargs)

    def get_queryset(self):
        return Program.objects.visible_to(_caller(self)).active()


class FlatListField(serializers.ListField):
    """A list whose errors are one flat list of messages for the field (the API's error format has
    no nesting), not a message per position."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            detail = error.detail
            if isinstance(detail, dict):
                messages = [str(message) for messages in detail.values() for message in messages]
                raise serializers.ValidationError(list(dict.fromkeys(messages))) from error
            raise


@extend_schema_serializer(component_name="WorkerRequestRecord")  # "WorkerRequest" is the worker's input
class WorkerRequestSerializer(serializers.ModelSerializer):
    """A request as its employer and the staff see it; status changes only through the actions."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    number = serializers.CharField(read_only=True, help_text=_("Season and row number, e.g. 2027-00042."))
    employer = PublicIdRelatedField(
        scoped_queryset=Employer.objects.visible_to, required=False,
        help_text=_("The employer's id. Employer users leave it out (their own); administrators give it."),
    )
    program = ProgramField(help_text=_("The program's id."))
    worksite = PublicIdRelatedField(scoped_queryset=Worksite.objects.visible_to,
                                    help_text=_("The id of one of the employer's worksites."))
    occupation = serializers.SlugRelatedField(slug_field="code", queryset=Occupation.objects.all(),
                                              help_text=_("The occupation's code, e.g. 45-2092."))
    start_date = PlausibleDateField()
    end_date = PlausibleDateField(help_text=_("The first day no longer worked."))
    wage_currency = serializers.RegexField(r"^[A-Z]{3}$", max_length=3, required=False,
                                           help_text=_("ISO 4217; the program's currency when left out."))
    required_schemes = serializers.SlugRelatedField(
        slug_field="code", queryset=Scheme.objects.all(), many=True, required=False,
        help_text=_("Codes of the certification schemes every worker needs."))
    required_languages = FlatListField(
        child=serializers.RegexField(r"^[a-z]{2,3}$", max_length=3), max_length=10, required=False,
        help_text=_("ISO 639 codes, e.g. en, fr."))
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    version = _version_field()
    allowed_actions = serializers.SerializerMethodField(
        help_text=_("What you may do now: submit, approve, reject, cancel, amend, edit, copy."))

    class Meta:
        model = WorkerRequest
        fields = ["id", "number", "employer", "program", "worksite", "occupation", "workers_requested",
                  "start_date", "end_date", "season", "wage_amount", "wage_currency", "hours_per_week",
                  "required_schemes", "required_languages", "labour_market_reference", "no_substitutes", "notes",
                  "status", "status_reason", "submitted_at", "version", "allowed_actions", "created_at",
                  "updated_at"]
        read_only_fields = ["season", "status", "status_reason", "submitted_at", "created_at", "updated_at"]
        extra_kwargs = {
            "workers_requested": {"max_value": 10000},
            "hours_per_week": {"max_value": 168},
        }

    def get_allowed_actions(self, request) -> list[str]:
        return worker_requests.allowed_actions(request, _caller(self))

    def validate(self, attrs):
        _require_version(self, attrs)
        if self.instance is not None and "employer" in attrs:
            raise serializers.ValidationError({"employer": [_("A request stays with its employer.")]})
        return attrs


class AmendmentSerializer(serializers.Serializer):
    workers_requested = serializers.IntegerField(min_value=0, max_value=10000, required=False)
    start_date = PlausibleDateField(required=False)
    end_date = PlausibleDateField(required=False)
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1,
                                       help_text=_("The version you read. A stale one answers 409."))
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class TransitionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False,
                                       help_text=_("The version you read; when given, a stale one answers 409."))
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="",
                                   help_text=_("Why: the employer reads it. Required to reject."))


class CopySerializer(serializers.Serializer):
    season = serializers.IntegerField(min_value=EARLIEST_YEAR, max_value=LATEST_YEAR, required=False,
                                      help_text=_("The season of the copy; the next one when left out."))


class FormerWorkerSerializer(serializers.Serializer):
    """A worker the employer employed before: by name and last contract, never by CURP."""

    id = serializers.UUIDField(help_text=_("Send it to named-workers/ to name this worker."))
    name = serializers.CharField()
    last_season = serializers.IntegerField()
    last_end = serializers.DateField()

    def to_representation(self, row):
        worker = row["worker"]
        return {"id": str(worker.public_id), "name": worker.full_name, "last_season": row["last_season"],
                "last_end": row["last_end"].isoformat()}


class NameWorkerSerializer(serializers.Serializer):
    worker = serializers.UUIDField(required=False, help_text=_("The id of a worker from former-workers/."))
    curp = CurpField(max_length=24, required=False, help_text=_("Staff only: the worker's CURP."))

    def validate(self, attrs):
        if ("worker" in attrs) == ("curp" in attrs):
            raise serializers.ValidationError({"worker": [_("Give either the worker's id or the CURP.")]})
        return attrs


class NamedWorkerSerializer(serializers.Serializer):
    """One named worker and whether they can be placed. Employers get ``available`` and a general
    message; staff also get ``reasons`` (omitted for employers)."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    available = serializers.BooleanField()
    message = serializers.CharField(allow_null=True)
    reasons = ReasonOutSerializer(many=True, required=False, help_text=_("Staff only: why not."))

    def to_representation(self, check):
        worker = check.named.worker
        row = {"id": str(worker.public_id), "name": worker.full_name, "available": check.available,
               "message": None if check.available else str(NOT_AVAILABLE_MESSAGE)}
        if _caller(self).is_program_staff:
            row["reasons"] = [{"code": reason.code, "message": str(reason.message)} for reason in check.reasons]
        return row


class RequestEventSerializer(serializers.Serializer):
    """One line of a request's timeline (``from`` and ``to`` are statuses, empty when unchanged)."""

    kind = serializers.ChoiceField(choices=RequestEvent.Kind.choices)
    label = serializers.CharField(source="get_kind_display")
    reason = serializers.CharField()
    details = serializers.DictField(help_text=_("Amendments: field → [old, new]; named workers: id and name."))
    at = serializers.DateTimeField()
    by = serializers.SerializerMethodField(help_text=_("Staff only: who acted (null for employers)."))

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_by(self, event):
        if not _caller(self).is_program_staff or event.by is None:
            return None
        return event.by.get_full_name() or event.by.username


# "from" and "to" are Python keywords, so they cannot be written as class attributes.
_event_fields = RequestEventSerializer._declared_fields
RequestEventSerializer._declared_fields = {
    "kind": _event_fields["kind"], "label": _event_fields["label"],
    "from": serializers.CharField(source="from_status"), "to": serializers.CharField(source="to_status"),
    **{name: _event_fields[name] for name in ("reason", "details", "at", "by")},
}
