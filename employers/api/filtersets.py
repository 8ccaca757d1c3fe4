"""Filters of the worker-request list (the API's ``requests/``)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from employers.models import Employer, RequestStatus, WorkerRequest
from twp.models import Program
from twp.regions import DESTINATION_REGIONS
from workers.filtersets import ProgramFilter
from workers.models import Occupation


class SeasonFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=2000, max_value=2100, **kwargs)


@extend_schema_field(OpenApiTypes.UUID)
class EmployerFilter(django_filters.ModelChoiceFilter):
    """An employer chosen by its id, among those the caller may see (others read as unknown)."""


def _visible_employers(request):
    return Employer.objects.visible_to(request.user) if request is not None else Employer.objects.none()


class WorkerRequestFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RequestStatus.choices)
    program = ProgramFilter(label=_("Program"), queryset=Program.objects.all())
    season = SeasonFilter(label=_("Season"))
    region = django_filters.ChoiceFilter(label=_("Province/state"), choices=DESTINATION_REGIONS,
                                         field_name="worksite__region")
    occupation = django_filters.ModelChoiceFilter(label=_("Occupation"), queryset=Occupation.objects.all(),
                                                  to_field_name="code")
    employer = EmployerFilter(label=_("Employer"), queryset=_visible_employers, to_field_name="public_id")

    class Meta:
        model = WorkerRequest
        fields = ["status", "program", "season", "region", "occupation", "employer"]
