from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from twp.models import Program
from workers import services
from workers.api import serializers
from workers.eligibility import check_eligibility
from workers.filtersets import WorkerFilterSet
from workers.models import Document, Worker
from workers.permissions import IsProgramStaff
from workers.uploads import document_file_response

EDITABLE = set(services.EDITABLE_FIELDS)


class KeepFilterSetBackend(DjangoFilterBackend):
    """django-filter's backend, leaving the filterset on the view for its paginate_queryset()."""

    def get_filterset(self, request, queryset, view):
        view.filterset = super().get_filterset(request, queryset, view)
        return view.filterset


class WorkerViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
                    mixins.ListModelMixin, viewsets.GenericViewSet):
    """Workers of the staff member's scope. Records are deactivated, never deleted.

    `search` matches names; look a CURP up with `POST lookup/` so it never appears in a URL."""

    permission_classes = [IsProgramStaff]
    filterset_class = WorkerFilterSet
    filter_backends = [KeepFilterSetBackend]
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_queryset(self):
        workers = Worker.objects.visible_to(self.request.user)
        if self.action == "list":
            return workers.only(*serializers.WorkerSummarySerializer.COLUMNS).order_by("-id")
        return workers.prefetch_related("occupations", "languages")

    def paginate_queryset(self, queryset):
        # A name search shows the page of its whole words or, when empty, of parts of words.
        filterset = getattr(self, "filterset", None)
        if filterset is None:
            return super().paginate_queryset(queryset)
        return filterset.first_page_found(super().paginate_queryset)

    def get_serializer_class(self):
        return serializers.WorkerSummarySerializer if self.action == "list" else serializers.WorkerSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.worker_register(by=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version")
        data.pop("curp", None)
        occupations = data.pop("occupations", None)
        languages = data.pop("languages", None)
        serializer.instance = services.worker_update(
            worker=serializer.instance, by=self.request.user, version=version, occupations=occupations,
            languages=languages,
            **{name: value for name, value in data.items() if name in EDITABLE},
        )

    @extend_schema(request=serializers.CurpLookupSerializer, responses={200: serializers.WorkerSerializer})
    @action(detail=False, methods=["post"])
    def lookup(self, request):
        """Find one worker by CURP (sent in the body, never in the URL). Unknown or out of scope: 404."""
        query = serializers.CurpLookupSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        worker = get_object_or_404(self.get_queryset(), curp=query.validated_data["curp"])
        return Response(serializers.WorkerSerializer(worker).data)

    @extend_schema(request=serializers.StatusChangeSerializer, responses={200: serializers.WorkerSerializer})
    @action(detail=True, methods=["post"], url_path="change-status")
    def change_status(self, request, id=None):
        change = serializers.StatusChangeSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        worker = services.worker_change_status(worker=self.get_object(), by=request.user,
                                               to=change.validated_data["status"],
                                               reason=change.validated_data["reason"])
        return Response(serializers.WorkerSerializer(worker).data)

    @extend_schema(request=serializers.ReasonSerializer, responses={200: serializers.WorkerSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, id=None):
        body = serializers.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        worker = services.worker_deactivate(worker=self.get_object(), by=request.user,
                                            reason=body.validated_data["reason"])
        return Response(serializers.WorkerSerializer(worker).data)

    @extend_schema(request=serializers.CurpCorrectionSerializer, responses={200: serializers.WorkerSerializer})
    @action(detail=True, methods=["post"], url_path="correct-curp")
    def correct_curp(self, request, id=None):
        body = serializers.CurpCorrectionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        worker = services.worker_correct_curp(worker=self.get_object(), by=request.user,
                                              new_curp=body.validated_data["curp"],
                                              reason=body.validated_data["reason"])
        return Response(serializers.WorkerSerializer(worker).data)

    @extend_schema(parameters=[serializers.EligibilityQuerySerializer],
                   responses={200: serializers.EligibilitySerializer})
    @action(detail=True, methods=["get"])
    def eligibility(self, request, id=None):
        """Whether the worker may take a contract of a program between two dates, and why not."""
        query = serializers.EligibilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        program = get_object_or_404(Program.objects.visible_to(request.user), pk=query.validated_data["program"])
        worker = get_object_or_404(self.get_queryset().prefetch_related("documents"), public_id=id)
        result = check_eligibility(worker=worker, program=program, start=query.validated_data["start"],
                                   end=query.validated_data["end"])
        return Response({
            "eligible": result.is_eligible,
            "reasons": [{"code": reason.code, "message": str(reason.message)} for reason in result.reasons],
        })


class DocumentViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin,
                      viewsets.GenericViewSet):
    """A worker's documents. Files are never public: download them through `file/`."""

    permission_classes = [IsProgramStaff]
    serializer_class = serializers.DocumentSerializer
    queryset = Document.objects.none()  # for the schema; requests use get_queryset()
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    filterset_fields = ["kind"]

    def get_worker(self) -> Worker:
        if not hasattr(self, "_worker"):
            self._worker = get_object_or_404(Worker.objects.visible_to(self.request.user),
                                             public_id=self.kwargs["worker_id"])
        return self._worker

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Document.objects.none()
        return (Document.objects.visible_to(self.request.user).filter(worker=self.get_worker())
                .select_related("verified_by").order_by("-id"))

    def perform_create(self, serializer):
        serializer.instance = services.document_record(worker=self.get_worker(), by=self.request.user,
                                                       **serializer.validated_data)

    @extend_schema(request=None, responses={200: serializers.DocumentSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request, worker_id=None, id=None):
        document = services.document_verify(document=self.get_object(), by=request.user)
        return Response(self.get_serializer(document).data, status=status.HTTP_200_OK)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: OpenApiResponse()})
    @action(detail=True, methods=["get"])
    def file(self, request, worker_id=None, id=None):
        return document_file_response(self.get_object())
