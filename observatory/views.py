"""The public Observatory's pages: no sign-in (``login_not_required``). The tables are
observatory.stats's, suppressed; each comes as CSV too, the same rows as the table."""

import csv
import io

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View

from observatory.stats import AGGREGATES, MIN_CELL, seasons, table


def _season(request) -> int:
    try:
        season = int(request.GET.get("season", ""))
    except ValueError:
        return timezone.localdate().year
    return season if 1990 <= season <= 2100 else timezone.localdate().year


@method_decorator(login_not_required, name="dispatch")
class ObservatoryView(View):
    def get(self, request):
        return render(request, "observatory/index.html", {
            "aggregates": [(name, aggregate.title) for name, aggregate in AGGREGATES.items()],
            "seasons": seasons(), "season": _season(request), "min_cell": MIN_CELL})


@method_decorator(login_not_required, name="dispatch")
class StatsTablePageView(View):
    def get(self, request, name):
        if name not in AGGREGATES:
            raise Http404
        season = _season(request)
        found = table(name, season)
        if request.GET.get("file") == "csv":
            return _csv(found)
        return render(request, "observatory/table.html", {
            "table": found, "seasons": seasons(), "season": season, "min_cell": MIN_CELL, "name": name})


def _csv(found: dict) -> HttpResponse:
    """The table's rows as shown: a suppressed cell is empty, its reason in its own column."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    reasons = {"small": _("fewer than %(min)s people") % {"min": MIN_CELL},
               "secondary": _("hidden to protect another cell")}
    writer.writerow([found["dimension"], _("People"), found["value_label"] or _("Value"), _("Suppressed")])
    for cell in [*found["cells"], found["total"]]:
        writer.writerow([cell["label"], "" if cell["people"] is None else cell["people"], cell["value"] or "",
                         reasons.get(cell["suppressed"], "")])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{found["name"]}-{found["season"]}.csv"'
    return response
