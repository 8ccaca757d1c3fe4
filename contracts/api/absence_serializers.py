"""Absences over REST. Serializers parse and render; the stages live in ``contracts.absences``."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts.models import Absence


def _is_staff(serializer) -> bool:
    return serializer.context["request"].user.is_program_staff


class AbsenceWorkerSerializer(serializers.Serializer):
    """The absent worker: the id and the name, what the employer already knows."""

    id = serializers.UUIDField()
    name = serializers.CharField()


class AbsenceSerializer(serializers.ModelSerializer):
    """An absence and its stage. The welfare check's and the closing note are staff only (null for
    employers): they may say why the worker left. The stage changes only through the actions."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    contract = serializers.UUIDField(source="contract.public_id", read_only=True)
    employer = serializers.CharField(source="contract.request.employer.legal_name", read_only=True)
    worksite = serializers.CharField(source="contract.request.worksite.name", read_only=True)
    worker = serializers.SerializerMethodField()
    welfare_check_note = serializers.SerializerMethodField(help_text=_("Staff only: what the welfare check found."))
    closing_note = serializers.SerializerMethodField(help_text=_("Staff only: the note when the absence ended."))
    welfare_check_overdue_on = serializers.SerializerMethodField(
        help_text=_("Staff only: the day the welfare check was found overdue."))

    class Meta:
        model = Absence
        fields = ["id", "contract", "employer", "worksite", "worker", "stage", "last_seen_on", "note",
                  "reported_late", "missing_since", "welfare_checked_at", "welfare_check_note",
                  "welfare_check_overdue_on", "closed_at", "closing_note", "version", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(AbsenceWorkerSerializer)
    def get_worker(self, absence) -> dict:
        worker = absence.contract.worker
        return {"id": str(worker.public_id), "name": worker.full_name}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_welfare_check_note(self, absence) -> str | None:
        return absence.welfare_check_note if _is_staff(self) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_closing_note(self, absence) -> str | None:
        return absence.closing_note if _is_staff(self) else None

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_welfare_check_overdue_on(self, absence):
        return absence.welfare_check_overdue_on if _is_staff(self) else None


class AbsenceReportSerializer(serializers.Serializer):
    """The body of ``contracts/{id}/report-absence/``."""

    last_seen_on = serializers.DateField(help_text=_("The last day the worker was seen at work."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                 help_text=_("What is known (e.g. who last saw the worker)."))
    version = serializers.IntegerField(required=False, min_value=1,
                                       help_text=_("The contract's version you last read: an older one is refused "
                                                   "(409)."))


class AbsenceActionSerializer(serializers.Serializer):
    """The body of an absence action; each reads what it needs (``contracts.absences``)."""

    version = serializers.IntegerField(required=False, min_value=1,
                                       help_text=_("The version you last read: an older one is refused (409)."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                 help_text=_("welfare-check: what the check found (required); found, reported: a "
                                             "note for staff."))


class EmployerAbsencesQuerySerializer(serializers.Serializer):
    program = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text=_("The program's id."))
    season = serializers.IntegerField(min_value=2000, max_value=2100, help_text=_("The season (a year)."))


class EmployerAbsencesSerializer(serializers.Serializer):
    """An employer with unusually many absences reported in the season."""

    employer = serializers.UUIDField(source="employer.public_id")
    legal_name = serializers.CharField(source="employer.legal_name")
    absences = serializers.IntegerField(help_text=_("Absences reported on its contracts of the season."))
