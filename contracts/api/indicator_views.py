"""``employers/indicators/``: the employers' indicators (``contracts.indicators``) over the
contracts the caller sees. Staff and administrators only: anyone else gets 404, as on the page
(an employer must not learn how staff see it)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, pagination

from contracts import indicators
from contracts.api import indicator_serializers as serializers
from contracts.models import Contract
from employers.models import Employer


class IndicatorPagination(pagination.PageNumberPagination):
    """Numbered pages: the rows are groups (one per employer), with no id to hold a cursor on;
    there are as many as employers, so counting them is cheap."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class EmployerIndicatorsView(generics.ListAPIView):
    serializer_class = serializers.EmployerIndicatorsSerializer
    pagination_class = IndicatorPagination
    filter_backends = []
    queryset = Contract.objects.none()  # for the schema; the rows come from contracts.indicators

    @extend_schema(parameters=[serializers.EmployerIndicatorsQuerySerializer])
    def get(self, request, *args, **kwargs):
        """Per employer with contracts you see: placements, late and overdue returns, absences,
        transfers out, the average ratings both ways with their counts, contested evaluations, and
        whether a rate is above its threshold (staff only)."""
        return super().get(request, *args, **kwargs)

    def check_permissions(self, request):
        super().check_permissions(request)  # signed in (else 401)
        if not request.user.is_program_staff:  # before any method check: 404 whatever the method
            raise Http404

    def get_queryset(self):
        query = serializers.EmployerIndicatorsQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        facts = indicators.visible_facts(self.request.user)
        if data.get("search", "").strip():
            facts = facts.filter(employer_id__in=Employer.objects.filter(
                legal_name__icontains=data["search"].strip()).values("pk"))
        return indicators.employer_indicators(facts, program=data.get("program"), season=data.get("season"),
                                              sort=data["sort"])
