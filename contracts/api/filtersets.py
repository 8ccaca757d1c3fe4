"""Filters of the contract list (the API's ``contracts/``)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, ContractStatus
from employers.api.filtersets import SeasonFilter


class ContractFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ContractStatus.choices)
    season = SeasonFilter(label=_("Season"))
    # Ids outside the caller's scope match nothing: the list is scoped before it is filtered.
    request = django_filters.UUIDFilter(label=_("Request"), field_name="request__public_id")
    worker = django_filters.UUIDFilter(label=_("Worker"), field_name="worker__public_id")

    class Meta:
        model = Contract
        fields = ["status", "season", "request", "worker"]
