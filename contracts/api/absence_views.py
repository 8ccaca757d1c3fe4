"""Absences over REST: ``absences/`` and its stage actions, and the employers that stand out.

Who sees an absence is ``Absence.objects.visible_to`` (outside it: 404, for reads and actions
alike). Every stage action is staff's: an employer gets 403 on its own absences. The rules live
in ``contracts.absences``; a step not allowed now is a 409 listing those that are."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from contracts.absences import absence_act, employers_with_many_absences
from contracts.api import absence_serializers as serializers
from contracts.api.filtersets import AbsenceFilterSet
from contracts.models import Absence
from employers.api.views import UUID_PATTERN
from employers.models import Employer
from twp.models import Program, Role


def absence_rows(absences):
    """What an absence's row shows, in the same query."""
    return absences.select_related("contract__worker", "contract__request__employer", "contract__request__worksite")


class AbsenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Absences the caller may see: administrators all; office staff those of the contracts they
    see; employers their own (without the staff-only notes). Open one with
    ``contracts/{id}/report-absence/``; its stage moves only through the actions below (staff)."""

    serializer_class = serializers.AbsenceSerializer
    filterset_class = AbsenceFilterSet
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        return absence_rows(Absence.objects.visible_to(self.request.user)).order_by("-id")

    def _act(self, request, action: str):
        body = serializers.AbsenceActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = absence_act(absence=self.get_object(), action=action, by=request.user, **body.validated_data)
        return Response(self.get_serializer(absence_rows(Absence.objects).get(pk=done.pk)).data)

    @extend_schema(request=serializers.AbsenceActionSerializer, responses={200: serializers.AbsenceSerializer})
    @action(detail=True, methods=["post"])
    def missing(self, request, id=None):
        """The worker is still not back (staff): late → missing."""
        return self._act(request, "missing")

    @extend_schema(request=serializers.AbsenceActionSerializer, responses={200: serializers.AbsenceSerializer})
    @action(detail=True, methods=["post"], url_path="welfare-check")
    def welfare_check(self, request, id=None):
        """Record the consulate's welfare check (staff), with a note on what it found; at late or
        missing, once. Nothing is reported to the authorities without it."""
        return self._act(request, "welfare-check")

    @extend_schema(request=serializers.AbsenceActionSerializer, responses={200: serializers.AbsenceSerializer})
    @action(detail=True, methods=["post"])
    def reported(self, request, id=None):
        """Report the worker to the authorities (staff): missing → reported, only after the welfare
        check (else 409). The contract becomes absconded, ending on the last day seen at work."""
        return self._act(request, "reported")

    @extend_schema(request=serializers.AbsenceActionSerializer, responses={200: serializers.AbsenceSerializer})
    @action(detail=True, methods=["post"])
    def found(self, request, id=None):
        """The worker turned up (staff): late or missing → found; the contract stays as it was."""
        return self._act(request, "found")

    @extend_schema(parameters=[serializers.EmployerAbsencesQuerySerializer],
                   responses={200: serializers.EmployerAbsencesSerializer(many=True)})
    @action(detail=False, methods=["get"], url_path="employers", pagination_class=None, filter_backends=[])
    def employers(self, request):
        """Employers you see with at least the program's alert count of absences reported in the
        season, most first (staff only)."""
        if request.user.viewing_role not in (Role.ADMINISTRATOR, Role.STAFF):
            raise PermissionDenied
        query = serializers.EmployerAbsencesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        program = Program.objects.visible_to(request.user).filter(pk=query.validated_data["program"]).first()
        if program is None:
            raise ValidationError({"program": [_("No such program.")]})
        rows = employers_with_many_absences(program=program, season=query.validated_data["season"],
                                            employers=Employer.objects.visible_to(request.user))
        body = [{"employer": employer, "absences": count} for employer, count in rows]
        return Response(serializers.EmployerAbsencesSerializer(body, many=True).data)
