"""The staff dashboard's page (observatory.dashboard): charts drawn as SVG by the app itself,
each with its data table and a CSV of the same rows. Administrators and office staff only;
the figures are those of the viewer's jurisdiction."""

from django.http import Http404
from django.utils import timezone
from django.utils.formats import number_format
from django.views.generic import TemplateView

from observatory.dashboard import Chart, cached
from observatory.stats import seasons
from twp.exports import csv_response
from twp.models import Program
from twp.permissions import ProgramStaffRequiredMixin

# Drawing: bars start at LABEL_WIDTH % of the chart's width and are at most BAR_WIDTH % long,
# leaving room for the value printed after them.
LABEL_WIDTH, BAR_WIDTH, BAR_HEIGHT, ROW_GAP = 36, 38, 18, 10
# Series told apart by pattern as well as colour (legend and bars): solid, hatched, dotted.
PATTERNS = ("solid", "hatched", "dotted")


class DashboardView(ProgramStaffRequiredMixin, TemplateView):
    template_name = "observatory/dashboard.html"

    def get(self, request, *args, **kwargs):
        programs = list(Program.objects.visible_to(request.user).order_by("name"))
        program_id = _int(request.GET.get("program"))
        if program_id not in {program.pk for program in programs}:
            program_id = None
        known = seasons()
        season = _int(request.GET.get("season"))
        if season not in known:
            season = timezone.localdate().year
        dashboard = cached(request.user, program_id=program_id, season=season)
        if request.GET.get("file") == "csv":
            chart = dashboard.chart(request.GET.get("chart", ""))
            if chart is None:
                raise Http404
            return _csv(chart, season)
        return self.render_to_response(self.get_context_data(
            dashboard=dashboard, charts=[_drawn(chart) for chart in dashboard.charts], programs=programs,
            program_id=program_id, seasons=known, season=season, patterns=PATTERNS))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _drawn(chart: Chart) -> dict:
    """The chart with each bar's place: y in pixels, x and width in percent of the width."""
    rows, y = [], 4
    for row in chart.rows:
        bars = []
        for index, (value, shown) in enumerate(zip(row.values, row.shown, strict=True)):
            width = round(float(value or 0) / float(chart.top) * BAR_WIDTH, 2)
            bars.append({"y": y + index * (BAR_HEIGHT + 2), "width": width, "text_x": LABEL_WIDTH + width + 1,
                         "shown": _short(chart, value, shown), "pattern": PATTERNS[index % len(PATTERNS)]})
        rows.append({"row": row, "label_y": y + BAR_HEIGHT - 5, "bars": bars})
        y += len(chart.series) * (BAR_HEIGHT + 2) + ROW_GAP
    return {"chart": chart, "rows": rows, "height": y, "label_width": LABEL_WIDTH, "bar_height": BAR_HEIGHT,
            "series": [(name, PATTERNS[index % len(PATTERNS)]) for index, name in enumerate(chart.series)]}


def _short(chart: Chart, value, shown: str) -> str:
    """What is printed after a bar, short enough for a phone: the rate without its counts, an
    amount without its currency (the row names it). The data table has it all."""
    if chart.unit == "percent":
        return f"{number_format(value, 1, use_l10n=True)}%"
    if chart.unit == "money":
        return number_format(value, 0, use_l10n=True, force_grouping=True)
    return shown


def _csv(chart: Chart, season: int):
    """The chart's rows with their values as numbers (percent, or the amount in its currency)."""
    return csv_response(header=[chart.dimension, *chart.series],
                        rows=([row.label, *("" if value is None else value for value in row.values)]
                              for row in chart.rows),
                        filename=f"{chart.name}-{season}.csv")

