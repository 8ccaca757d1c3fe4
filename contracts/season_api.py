"""REST for season allocation (administrators): start a run, then follow it by its id."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response

from contracts.models import AllocationRun
from contracts.season import season_run_start
from twp.models import Program


class IsAdministrator(permissions.BasePermission):
    """Administrators only; office staff and employers are refused (403)."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_administrator)


class AllocationRunSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    program = serializers.IntegerField(source="program_id", read_only=True)
    started_by = serializers.CharField(source="started_by.username", read_only=True)
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = AllocationRun
        fields = ["id", "program", "season", "status", "total", "processed", "percent", "added", "report", "error",
                  "started_by", "created_at", "started_at", "finished_at"]
        read_only_fields = fields


class AllocationRunCreateSerializer(serializers.Serializer):
    program = serializers.PrimaryKeyRelatedField(
        queryset=Program.objects.active(), help_text=_("The program's id."),
        pk_field=serializers.IntegerField(min_value=1, max_value=2**31 - 1))
    season = serializers.IntegerField(min_value=2000, max_value=2100)


class AllocationRunViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Season allocation: every approved request of a program's season gets its workers, by the
    candidates' ranking, in a background task. Poll the run until it is `done`; its `report` has
    one entry per request (outcome, places, reasons). One open run per season (409 otherwise)."""

    permission_classes = [IsAdministrator]
    serializer_class = AllocationRunSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_queryset(self):
        return AllocationRun.objects.visible_to(self.request.user).select_related("started_by")

    @extend_schema(request=AllocationRunCreateSerializer, responses={202: AllocationRunSerializer})
    def create(self, request, *args, **kwargs):
        body = AllocationRunCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = season_run_start(program=body.validated_data["program"], season=body.validated_data["season"],
                               by=request.user)
        return Response(AllocationRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)
