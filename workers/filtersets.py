"""Filters of the worker list, shared by the staff page and the API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from twp.models import Program
from twp.regions import MEXICAN_STATES
from workers.eligibility import eligible_workers
from workers.models import Occupation, Worker, WorkerStatus


class WorkerFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        program, start, end = data.get("eligible_program"), data.get("eligible_start"), data.get("eligible_end")
        if (program or start or end) and not (program and start and end):
            self.add_error("eligible_program", _("Give the program, the contract's start and its end together."))
        elif start and end and end <= start:
            self.add_error("eligible_end", _("The end must come after the start."))
        return data


@extend_schema_field(OpenApiTypes.INT)
class ProgramFilter(django_filters.ModelChoiceFilter):
    """A program chosen by its id."""


class WorkerFilterSet(django_filters.FilterSet):
    state_of_origin = django_filters.ChoiceFilter(label=_("State of origin"), choices=MEXICAN_STATES)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=WorkerStatus.choices)
    occupation = django_filters.ModelChoiceFilter(
        label=_("Occupation"), queryset=Occupation.objects.all(), to_field_name="code", field_name="occupations",
    )
    # Applied last, by filter_queryset: see WorkerQuerySet.search_in_steps.
    search = django_filters.CharFilter(label=_("Name or CURP"), method="filter_noop", max_length=100)
    eligible_program = ProgramFilter(
        label=_("Eligible for program"), queryset=Program.objects.active(), method="filter_eligible",
    )
    eligible_start = django_filters.DateFilter(label=_("Contract start"), method="filter_noop")
    eligible_end = django_filters.DateFilter(label=_("Contract end"), method="filter_noop")

    class Meta:
        model = Worker
        fields = ["state_of_origin", "status", "occupation", "is_active"]
        form = WorkerFilterForm

    def get_form_class(self):
        # Its fields depend on nothing in the request (no callable querysets): build the form class
        # once, not its eight fields and a new class on every request (~0.3 ms of a list's ~9).
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

    def filter_queryset(self, queryset):
        """Every filter, then the name or CURP search: by whole words, or by any part of the name
        when the whole words find nobody among the rows the other filters keep. Which of the two is
        decided by the page a list shows (first_page_found) or, for the whole list, by an EXISTS
        (everything)."""
        queryset = super().filter_queryset(queryset)
        term = (self.form.cleaned_data.get("search") or "").strip()
        self.search_in_part = None
        if not term:
            return queryset
        queryset, self.search_in_part = queryset.search_in_steps(term)
        return queryset

    def first_page_found(self, page_of):
        """``page_of(queryset)``: the rows of a page of it. A page of the whole-word search, or when
        that is empty the same page of the search by any part of the name: one query in the usual
        case instead of an EXISTS and then the page. Next-page links lead only to pages with rows,
        so an empty page means that nobody has the whole words (or a hand-made link ran past the
        end, which then shows parts-of-words matches instead of nothing)."""
        rows = page_of(self.qs)  # filter_queryset() sets search_in_part
        if not rows and self.search_in_part is not None:
            rows = page_of(self.search_in_part)
        return rows

    def everything(self):
        """Every matching worker, for exports: an EXISTS decides between the two searches."""
        workers = self.qs  # filter_queryset() sets search_in_part
        if self.search_in_part is None or workers.exists():
            return workers
        return self.search_in_part

    def filter_noop(self, queryset, name, value):
        return queryset  # read by filter_eligible or filter_queryset

    def filter_eligible(self, queryset, name, program):
        data = self.form.cleaned_data
        return eligible_workers(queryset, program=program, start=data["eligible_start"], end=data["eligible_end"])
