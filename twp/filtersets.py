"""FilterSets shared by the pages and the API."""

import django_filters

from twp.models import Office, Program


class ProgramFilterSet(django_filters.FilterSet):
    class Meta:
        model = Program
        fields = ["destination_country", "is_active", "code"]


class OfficeFilterSet(django_filters.FilterSet):
    mexican_state = django_filters.CharFilter(field_name="mexican_states", method="filter_contains")
    destination_region = django_filters.CharFilter(field_name="destination_regions", method="filter_contains")

    class Meta:
        model = Office
        fields = ["kind"]

    def filter_contains(self, queryset, name, value):
        return queryset.filter(**{f"{name}__contains": [value]})
