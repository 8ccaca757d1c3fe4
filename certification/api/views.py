import dataclasses

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from certification import services
from certification.api import serializers
from certification.models import Certificate, Scheme, TrainingSession
from certification.pdf import certificate_pdf_response
from twp.exceptions import DomainError
from twp.permissions import IsAdministratorOrReadOnly
from workers.permissions import IsProgramStaff

NO_DELETE = ["get", "post", "put", "patch", "head", "options"]


class SchemeViewSet(viewsets.ModelViewSet):
    """Qualification schemes: everyone signed in reads them; administrators define them."""

    http_method_names = NO_DELETE
    serializer_class = serializers.SchemeSerializer
    permission_classes = [IsAdministratorOrReadOnly]
    filterset_fields = ["is_active"]

    def get_queryset(self):
        return Scheme.objects.visible_to(self.request.user).order_by("id")


class CertificateViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin,
                         viewsets.GenericViewSet):
    """Certificates of the workers in the caller's scope. Creating one issues it; revoking is recorded."""

    serializer_class = serializers.CertificateSerializer
    permission_classes = [IsProgramStaff]
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9a-f-]{36}"
    filterset_fields = ["scheme__code"]

    def get_queryset(self):
        return (Certificate.objects.visible_to(self.request.user)
                .select_related("worker", "scheme", "session").order_by("-id"))

    def perform_create(self, serializer):
        serializer.instance = services.certificate_issue(by=self.request.user, **serializer.validated_data)

    @extend_schema(request=serializers.RevokeSerializer, responses={200: serializers.CertificateSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, id=None):
        body = serializers.RevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        certificate = services.certificate_revoke(certificate=self.get_object(), by=request.user,
                                                  reason=body.validated_data["reason"])
        return Response(self.get_serializer(certificate).data)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, id=None):
        return certificate_pdf_response(self.get_object())


class TrainingSessionViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin,
                             viewsets.GenericViewSet):
    """Training sessions the caller's office runs, with their attendance lists."""

    serializer_class = serializers.TrainingSessionSerializer
    permission_classes = [IsProgramStaff]
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_queryset(self):
        return TrainingSession.objects.visible_to(self.request.user).select_related("scheme").order_by("-id")

    def perform_create(self, serializer):
        office = self.request.user.office
        if office is None:
            raise DomainError(_("Only office staff run training sessions."))
        serializer.save(office=office)

    @extend_schema(request=serializers.AttendanceSerializer, responses={200: serializers.AttendanceSerializer})
    @action(detail=True, methods=["get", "post"])
    def attendance(self, request, id=None):
        session = self.get_object()
        if request.method == "GET":
            rows = session.attendance.select_related("worker")
            return Response(serializers.AttendanceSerializer(rows, many=True, context={"request": request}).data)
        body = serializers.AttendanceSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        attendance = services.attendance_record(session=session, by=request.user, **body.validated_data)
        return Response(serializers.AttendanceSerializer(attendance, context={"request": request}).data)


class VerifyView(APIView):
    """Public: what a certificate code certifies. Unknown codes get the same shape, status `unknown`."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(responses={200: serializers.VerificationSerializer}, auth=[])
    def get(self, request, code):
        return Response(dataclasses.asdict(services.certificate_verify(code=code)))
