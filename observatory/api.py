"""The public Observatory over REST: ``GET /api/v1/stats/`` lists the aggregates, ``GET
/api/v1/stats/{name}/?season=`` answers one, suppressed (observatory.stats). Anonymous clients
may read them (throttled as every anonymous client is)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from observatory.stats import AGGREGATES, MIN_CELL, seasons, table

CELL = inline_serializer("StatsCell", {
    "key": serializers.CharField(), "label": serializers.CharField(),
    "people": serializers.IntegerField(allow_null=True, help_text=_("Null when suppressed.")),
    "value": serializers.CharField(allow_null=True),
    "suppressed": serializers.ChoiceField(choices=["small", "secondary"], allow_null=True),
})
TABLE = inline_serializer("StatsTable", {
    "name": serializers.CharField(), "title": serializers.CharField(), "dimension": serializers.CharField(),
    "value_label": serializers.CharField(), "season": serializers.IntegerField(),
    "computed_at": serializers.CharField(), "min_cell": serializers.IntegerField(),
    "cells": serializers.ListField(child=CELL), "total": CELL,
})
ROOT = inline_serializer("StatsRoot", {
    "min_cell": serializers.IntegerField(), "seasons": serializers.ListField(child=serializers.IntegerField()),
    "aggregates": serializers.ListField(child=inline_serializer("StatsAggregate", {
        "name": serializers.CharField(), "title": serializers.CharField(), "url": serializers.URLField()})),
})


class PublicStatsMixin:
    permission_classes = [AllowAny]
    pagination_class = None


class StatsRootView(PublicStatsMixin, APIView):
    @extend_schema(operation_id="stats_root", responses={200: ROOT})
    def get(self, request):
        """The aggregates the Observatory publishes, the seasons it has, and the smallest number
        of people a published cell describes."""
        return Response({"min_cell": MIN_CELL, "seasons": seasons(), "aggregates": [
            {"name": name, "title": str(aggregate.title),
             "url": reverse("stats-table", kwargs={"name": name}, request=request)}
            for name, aggregate in AGGREGATES.items()]})


class SeasonSerializer(serializers.Serializer):
    season = serializers.IntegerField(required=False, min_value=1990, max_value=2100)


class StatsTableView(PublicStatsMixin, APIView):
    @extend_schema(operation_id="stats_table", parameters=[OpenApiParameter("season", OpenApiTypes.INT)],
                   responses={200: TABLE})
    def get(self, request, name):
        """One aggregate for a season (default: this year): each cell's people and value, or null
        and the reason when it is suppressed (``small``: under ``min_cell`` people; ``secondary``:
        it would let a suppressed cell be worked out from the total)."""
        if name not in AGGREGATES:
            return Response({"detail": str(_("No such aggregate."))}, status=status.HTTP_404_NOT_FOUND)
        query = SeasonSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        season = query.validated_data.get("season") or timezone.localdate().year
        return Response({**table(name, season), "min_cell": MIN_CELL})
