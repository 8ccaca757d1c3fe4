from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from workers.models import Document, DocumentKind, Occupation, Worker, WorkerLanguage, WorkerStatus
from workers.validators import normalize_curp


class CurpField(serializers.CharField):
    """Accepts the CURP however typed (lower case, dashes, spaces) and stores it normalized, so
    the uniqueness check compares like with like."""

    def to_internal_value(self, data):
        return normalize_curp(super().to_internal_value(data))


class WorkerLanguageSerializer(serializers.ModelSerializer):
    language = serializers.RegexField(r"^[a-z]{2,3}$", max_length=3,
                                      help_text=_("ISO 639-1 code, e.g. en, fr, nah."))

    class Meta:
        model = WorkerLanguage
        fields = ["language", "level"]


class WorkerSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    curp = CurpField(max_length=24)
    full_name = serializers.CharField(read_only=True)
    occupations = serializers.SlugRelatedField(
        slug_field="code", queryset=Occupation.objects.all(), many=True, required=False
    )
    languages = WorkerLanguageSerializer(many=True, required=False)
    version = serializers.IntegerField(
        required=False, min_value=1,
        help_text=_("The version you read; required to update. A stale one answers 409."),
    )

    class Meta:
        model = Worker
        fields = [
            "id", "curp", "full_name", "first_names", "paternal_surname", "maternal_surname", "birth_date", "sex",
            "state_of_origin", "nss", "phone", "email", "preferred_language", "occupations", "languages",
            "years_of_experience", "dependents", "beneficiary_name", "beneficiary_relation", "beneficiary_contact",
            "status", "status_reason", "is_active", "version", "created_at", "updated_at",
        ]
        read_only_fields = ["status", "status_reason", "is_active", "created_at", "updated_at"]
        extra_kwargs = {
            "years_of_experience": {"max_value": 80},
            "dependents": {"max_value": 30},
        }

    def validate_languages(self, languages):
        codes = [language["language"] for language in languages]
        if len(codes) != len(set(codes)):
            raise serializers.ValidationError(_("Each language once, please."))
        return languages

    def validate(self, attrs):
        if self.instance is not None:
            if "version" not in attrs:
                raise serializers.ValidationError({"version": [self.fields["version"].error_messages["required"]]})
            if "curp" in attrs and attrs["curp"] != self.instance.curp:
                raise serializers.ValidationError(
                    {"curp": [_("Use the correct-curp action to record a CURP that RENAPO reissued.")]}
                )
        return attrs


class WorkerSummarySerializer(serializers.ModelSerializer):
    """What a list shows: enough to recognise the worker, nothing more."""

    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Worker
        fields = ["id", "curp", "full_name", "birth_date", "sex", "state_of_origin", "status", "is_active", "version"]

    # The columns a row reads: what list querysets load (``.only``), nothing more.
    COLUMNS = ("public_id", "curp", "first_names", "paternal_surname", "maternal_surname", "birth_date", "sex",
               "state_of_origin", "status", "is_active", "version")

    def to_representation(self, worker):
        # The same JSON as the declared fields give, written out: a page of 50 rows costs ~0.5 ms
        # instead of ~4 (every field's get_attribute and to_representation), a quarter of the
        # list's CPU (bench/RESULTS.md); tests/workers/test_api.py checks it against the fields' output.
        return {"id": str(worker.public_id), "curp": worker.curp, "full_name": worker.full_name,
                "birth_date": worker.birth_date.isoformat(), "sex": worker.sex,
                "state_of_origin": worker.state_of_origin, "status": worker.status, "is_active": worker.is_active,
                "version": worker.version}


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=WorkerStatus.choices)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class CurpCorrectionSerializer(serializers.Serializer):
    curp = CurpField(max_length=24)
    reason = serializers.CharField(max_length=300)


class CurpLookupSerializer(serializers.Serializer):
    curp = CurpField(max_length=24)


class EligibilityQuerySerializer(serializers.Serializer):
    program = serializers.IntegerField(min_value=1)
    start = serializers.DateField()
    end = serializers.DateField()

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": [_("The end must come after the start.")]})
        return attrs


class ReasonOutSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class EligibilitySerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    reasons = ReasonOutSerializer(many=True)


class DocumentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    verified_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    file = serializers.FileField(write_only=True, required=False)
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id", "kind", "number", "issued_on", "expires_on", "notes", "file", "has_file", "file_type",
            "verified_by", "verified_at", "created_at",
        ]
        read_only_fields = ["file_type", "verified_at", "created_at"]

    def get_has_file(self, document) -> bool:
        return bool(document.file)

    def validate(self, attrs):
        if attrs.get("expires_on") and attrs.get("issued_on") and attrs["expires_on"] <= attrs["issued_on"]:
            raise serializers.ValidationError({"expires_on": [_("A document must expire after it was issued.")]})
        return attrs
