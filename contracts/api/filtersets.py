"""Filters of the contract, evaluation, absence and return lists (the API's ``contracts/``,
``evaluations/``, ``absences/`` and ``returns/``)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from contracts.models import Absence, Contract, ContractStatus, Evaluation, ExpectedReturn, ReturnState
from employers.api.filtersets import SeasonFilter
from twp.models import Program
from workers.filtersets import ProgramFilter


class ContractFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ContractStatus.choices)
    season = SeasonFilter(label=_("Season"))
    # Ids outside the caller's scope match nothing: the list is scoped before it is filtered.
    request = django_filters.UUIDFilter(label=_("Request"), field_name="request__public_id")
    worker = django_filters.UUIDFilter(label=_("Worker"), field_name="worker__public_id")

    class Meta:
        model = Contract
        fields = ["status", "season", "request", "worker"]


class EvaluationFilterSet(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(label=_("Direction"), choices=Evaluation.Direction.choices)
    season = SeasonFilter(label=_("Season"), field_name="contract__season")
    # As for contracts: ids outside the caller's scope match nothing.
    contract = django_filters.UUIDFilter(label=_("Contract"), field_name="contract__public_id")
    worker = django_filters.UUIDFilter(label=_("Worker"), field_name="contract__worker__public_id")
    employer = django_filters.UUIDFilter(label=_("Employer"), field_name="contract__request__employer__public_id")

    class Meta:
        model = Evaluation
        fields = ["direction", "season", "contract", "worker", "employer"]


class AbsenceFilterSet(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=Absence.Stage.choices)
    season = SeasonFilter(label=_("Season"), field_name="contract__season")
    # Ids outside the caller's scope match nothing: the list is scoped before it is filtered.
    contract = django_filters.UUIDFilter(label=_("Contract"), field_name="contract__public_id")

    class Meta:
        model = Absence
        fields = ["stage", "season", "contract"]


class ReturnFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label=_("State"), choices=ReturnState.choices, method="filter_state")
    season = SeasonFilter(label=_("Season"), field_name="contract__season")
    program = ProgramFilter(label=_("Program"), queryset=Program.objects.all(), field_name="contract__program")

    class Meta:
        model = ExpectedReturn
        fields = ["state", "season", "program"]

    def filter_state(self, queryset, name, state):
        return queryset.in_state(state)
