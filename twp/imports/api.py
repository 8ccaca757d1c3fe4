"""REST for imports: start one with a multipart upload, then follow it by its id."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from twp.imports import kind_choices
from twp.imports.services import import_job_start
from twp.models import ImportJob


class IsProgramStaff(permissions.BasePermission):
    """Administrators and office staff; employers and other accounts are refused (403)."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_program_staff)


class ImportJobSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportJob
        fields = ["id", "kind", "file_name", "file_format", "encoding", "status", "total", "processed", "percent",
                  "accepted", "updated", "unchanged", "rejected", "error", "created_by", "created_at",
                  "started_at", "finished_at"]
        read_only_fields = fields


class ImportJobCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[])
    file = serializers.FileField(help_text="CSV (UTF-8 or Latin-1) or XLSX; up to 50,000 rows and 20 MB.")
    encoding = serializers.ChoiceField(choices=ImportJob.Encoding.choices, default=ImportJob.Encoding.UTF8)
    session = serializers.UUIDField(required=False, help_text="The training session (attendance lists only).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices()


class ImportJobViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Bulk imports of workers or attendance lists. Files up to 1,000 rows are imported at once (the
    answer shows the counts); larger ones run in the background: poll the job until it is `done`.
    A job is seen by whoever started it (administrators see all)."""

    permission_classes = [IsProgramStaff]
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_queryset(self):
        return ImportJob.objects.visible_to(self.request.user).select_related("created_by")

    @extend_schema(request={"multipart/form-data": ImportJobCreateSerializer}, responses={201: ImportJobSerializer})
    def create(self, request, *args, **kwargs):
        body = ImportJobCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        options = {"session": str(data["session"])} if data.get("session") else {}
        job = import_job_start(by=request.user, kind=data["kind"], file=data["file"], encoding=data["encoding"],
                               options=options)
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)
