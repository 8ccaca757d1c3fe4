"""Employer indicators for staff (under /review/employers/, next to the employer pages): the table
of every employer the person sees contracts of, sortable, searchable, filtered by program and
season, flagging the employers above the thresholds; and one employer's history by season.

The figures and their rules are ``contracts.indicators``'; they are read over
``Contract.objects.visible_to(user)``, so a person of one jurisdiction never counts another's
contracts. Employers get 404 on both pages (they must not learn how staff see them)."""

from django import forms
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from contracts import indicators
from contracts.models import Contract
from contracts.views import ProgramStaffOr404Mixin
from employers.models import Employer
from employers.staff_views import _page_size
from observatory import facts as observatory_facts
from twp.models import Program

# The sortable columns, in the table's order, with their headings.
COLUMNS = [
    ("placements", _("Placements")),
    ("late_rate", _("Late returns")),
    ("overdue", _("Overdue returns")),
    ("absence_rate", _("Absences")),
    ("transfers", _("Transfers out")),
    ("rating_of_workers", _("Rating of workers")),
    ("rating_by_workers", _("Rating by workers")),
    ("contests", _("Contested evaluations")),
]
# The orders offered (``?sort=``): the employer's name and each column.
SORTABLE = dict([("name", _("Employer")), *COLUMNS])
assert set(SORTABLE) <= set(indicators.SORTS)


class IndicatorFilterForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.all(), required=False)
    season = forms.IntegerField(label=_("Season"), min_value=2000, max_value=2100, required=False)
    search = forms.CharField(label=_("Legal name"), max_length=100, required=False)


def _thresholds() -> dict:
    return {"late": round(100 * indicators.LATE_RATE_THRESHOLD),
            "absence": round(100 * indicators.ABSENCE_RATE_THRESHOLD)}


class IndicatorListView(ProgramStaffOr404Mixin, View):
    template_name = "employers/staff/indicators.html"

    def get(self, request):
        form = IndicatorFilterForm(request.GET)
        facts = indicators.visible_facts(request.user)
        sort = request.GET.get("sort", indicators.DEFAULT_SORT)
        if sort not in SORTABLE:
            sort = indicators.DEFAULT_SORT
        page = None
        if form.is_valid():
            data = form.cleaned_data
            shown = facts
            if data["search"].strip():
                shown = shown.filter(employer_id__in=Employer.objects.filter(
                    legal_name__icontains=data["search"].strip()).values("pk"))
            rows = indicators.employer_indicators(shown, program=data["program"], season=data["season"], sort=sort)
            page = Paginator(rows, _page_size(request)).get_page(request.GET.get("page"))
        filters = request.GET.copy()
        for name in ("sort", "page"):
            filters.pop(name, None)
        query = filters.copy()
        query["sort"] = sort
        return render(request, self.template_name, {
            "form": form,
            "page": page,
            "rows": list(page) if page else [],
            "sort": sort,
            "sort_label": SORTABLE[sort],
            "columns": COLUMNS,
            "filters": filters.urlencode(),
            "query": query.urlencode(),
            "filter_options": {
                "program": [(str(program.pk), program.name) for program in Program.objects.order_by("name")],
                "season": [(str(season), str(season)) for season in
                           facts.order_by("-season").values_list("season", flat=True).distinct()],
            },
            "filtered": any(request.GET.get(name) for name in ("program", "season", "search")),
            "thresholds": _thresholds(),
            "refreshed_at": observatory_facts.refreshed()["at"],
        })


class IndicatorHistoryView(ProgramStaffOr404Mixin, View):
    """One employer's indicators season by season. The employer is found if the person sees it
    (a worksite in their regions) or sees one of its contracts (a state office's workers there)."""

    template_name = "employers/staff/indicator_history.html"

    def get(self, request, public_id):
        contracts = Contract.objects.visible_to(request.user)
        visible = Employer.objects.visible_to(request.user)
        employer = get_object_or_404(
            Employer.objects.filter(Q(pk__in=visible.values("pk"))
                                    | Exists(contracts.filter(request__employer=OuterRef("pk")))),
            public_id=public_id)
        facts = indicators.visible_facts(request.user)
        total = list(indicators.employer_indicators(facts.filter(employer_id=employer.pk)))
        return render(request, self.template_name, {
            "employer": employer,
            "can_open_employer": visible.filter(pk=employer.pk).exists(),
            "seasons": indicators.employer_history(facts, employer),
            "refreshed_at": observatory_facts.refreshed()["at"],
            "total": total[0] if total else None,
            "columns": COLUMNS,
            "thresholds": _thresholds(),
        })
