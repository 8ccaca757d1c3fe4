"""The employers' indicators over REST (``employers/indicators/``): parse the query, render the
rows of ``contracts.indicators``. The rules are there."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from contracts import indicators


class EmployerIndicatorsQuerySerializer(serializers.Serializer):
    program = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False,
                                       help_text=_("Only this program's contracts (its id)."))
    season = serializers.IntegerField(min_value=2000, max_value=2100, required=False,
                                      help_text=_("Only this season's contracts (a year)."))
    search = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                   help_text=_("Part of the employer's legal name."))
    sort = serializers.ChoiceField(choices=sorted(indicators.SORTS), default=indicators.DEFAULT_SORT,
                                   help_text=_("The order: the highest figure first (the name A to Z)."))


class EmployerIndicatorsSerializer(serializers.Serializer):
    """One employer's indicators over the contracts the caller sees (``contracts.indicators``)."""

    employer = serializers.UUIDField(source="employer_public_id")
    legal_name = serializers.CharField(source="employer_name")
    placements = serializers.IntegerField(help_text=_("Contracts not cancelled."))
    returns_confirmed = serializers.IntegerField(source="returns.confirmed")
    returns_on_time = serializers.IntegerField(source="returns.on_time")
    late_returns = serializers.IntegerField(source="late", help_text=_("Confirmed returns after the due date."))
    late_return_percent = serializers.IntegerField(source="late_percent", allow_null=True,
                                                   help_text=_("Late returns over confirmed returns, in percent."))
    returns_awaiting = serializers.IntegerField(source="returns.awaiting")
    returns_overdue = serializers.IntegerField(source="returns.overdue")
    absences = serializers.IntegerField(help_text=_("Absences opened on its contracts, whatever their stage."))
    absences_reported = serializers.IntegerField(help_text=_("Absences reported to the authorities."))
    absence_percent = serializers.IntegerField(
        allow_null=True, help_text=_("Absences over contracts whose worker reached the worksite, in percent."))
    transfers_out = serializers.IntegerField()
    rating_of_workers = serializers.FloatField(source="rating_of_workers.value", allow_null=True,
                                               help_text=_("The employer's average rating of its workers (1–5)."))
    rating_of_workers_count = serializers.IntegerField(source="rating_of_workers.count")
    rating_by_workers = serializers.FloatField(source="rating_by_workers.value", allow_null=True,
                                               help_text=_("The workers' average rating of the employer (1–5)."))
    rating_by_workers_count = serializers.IntegerField(source="rating_by_workers.count")
    contests = serializers.IntegerField(help_text=_("Its evaluations of workers that the worker contested."))
    flagged = serializers.BooleanField(source="is_flagged",
                                       help_text=_("The late-return or the absence rate is above its threshold."))
