from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from certification.models import Attendance, Certificate, CertificateStatus, Scheme, TrainingSession
from certification.services import VERIFICATION_STATUSES
from workers.models import Worker


class SchemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Scheme
        fields = ["id", "code", "name_es", "name_en", "description_es", "description_en", "validity_months",
                  "issuer", "is_active"]
        extra_kwargs = {"validity_months": {"min_value": 1, "max_value": 120}}


class WorkerRefField(serializers.SlugRelatedField):
    """A worker by its public id, looked up among the workers the caller may see (else: does not exist)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="public_id", **kwargs)

    def get_queryset(self):
        return Worker.objects.visible_to(self.context["request"].user)


class CertificateSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    worker = WorkerRefField()
    worker_name = serializers.CharField(source="worker.full_name", read_only=True)
    scheme = serializers.SlugRelatedField(slug_field="code", queryset=Scheme.objects.all())
    session = serializers.SlugRelatedField(slug_field="public_id", queryset=TrainingSession.objects.all(),
                                           required=False, allow_null=True)
    status = serializers.ChoiceField(choices=CertificateStatus.choices, read_only=True)
    score = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False,
                                     allow_null=True)

    class Meta:
        model = Certificate
        fields = ["id", "worker", "worker_name", "scheme", "session", "issued_on", "expires_on", "score", "status",
                  "verification_code", "revoked_at", "revocation_reason", "created_at"]
        read_only_fields = ["expires_on", "verification_code", "revoked_at", "revocation_reason", "created_at"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["session"].queryset = TrainingSession.objects.visible_to(request.user)
        return fields


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class TrainingSessionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    scheme = serializers.SlugRelatedField(slug_field="code", queryset=Scheme.objects.active())

    class Meta:
        model = TrainingSession
        fields = ["id", "scheme", "office", "place", "starts_on", "ends_on", "trainer"]
        read_only_fields = ["office"]

    def validate(self, attrs):
        if attrs.get("starts_on") and attrs.get("ends_on") and attrs["ends_on"] < attrs["starts_on"]:
            raise serializers.ValidationError({"ends_on": [_("A session cannot end before it starts.")]})
        return attrs


class AttendanceSerializer(serializers.ModelSerializer):
    worker = WorkerRefField()
    score = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False,
                                     allow_null=True)

    class Meta:
        model = Attendance
        fields = ["worker", "completed", "score"]
        validators = []  # the service updates an existing row instead of refusing it


class VerificationSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=VERIFICATION_STATUSES)
    holder_name = serializers.CharField(allow_null=True)
    scheme = serializers.CharField(allow_null=True)
    issued_on = serializers.DateField(allow_null=True)
    expires_on = serializers.DateField(allow_null=True)
