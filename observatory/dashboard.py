"""The staff dashboard (issue 13): how the program is doing and whether it stays circular, within
the viewer's jurisdiction (observatory.facts.scoped: an office's regions and Mexican states;
administrators everything), filtered by program and season.

Everything is read from the precomputed facts (the employer chart from ``ContractFact``, the
rest from its sum over employers, ``ContractSummary``), so a dashboard costs a fixed handful of small
queries whatever the size of the program, and is cached until the next refresh of the facts
(the cache key names the refresh, the viewer's jurisdiction, the filters and the language).

Each chart is a list of rows (a season, a sector, a state…) with one value per series. The page
draws them as bars labelled with their values, tells series apart by pattern as well as colour,
and gives each chart its data table and a CSV of the same rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Q, Sum
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from employers.models import Employer, Sector
from observatory import facts
from observatory.models import ContractFact, ContractSummary, RequestFact, SavingsFact
from twp.models import Role
from twp.regions import DESTINATION_REGIONS, MEXICAN_STATES

# How many employers the "lowest on-time rate" chart shows: enough to act on, few enough to read.
WORST_EMPLOYERS = 10
DASHBOARD_CACHE_SECONDS = 3600


@dataclass
class Row:
    key: str
    label: str
    values: list  # one per series: int, Decimal or None (nothing to show)
    shown: list[str] = field(default_factory=list)  # the values as the page prints them


@dataclass
class Chart:
    name: str
    title: str
    dimension: str
    series: list[str]
    rows: list[Row]
    unit: str = "count"  # "count", "percent" or "money"

    @property
    def top(self):
        """The largest value drawn: bars are scaled to it (percentages to 100)."""
        if self.unit == "percent":
            return 100
        return max((value for row in self.rows for value in row.values if value), default=0) or 1


@dataclass
class Dashboard:
    season: int
    program_id: int | None
    refreshed_at: str
    headline: dict
    charts: list[Chart]

    def chart(self, name: str) -> Chart | None:
        return next((chart for chart in self.charts if chart.name == name), None)


def cached(user, *, program_id: int | None, season: int) -> Dashboard:
    marker = facts.refreshed()
    key = (f"dashboard:{marker['id']}:{_jurisdiction(user)}:{program_id or 'all'}:{season}:"
           f"{translation.get_language()}")
    found = cache.get(key)
    if found is None:
        found = build(user, program_id=program_id, season=season)
        cache.set(key, found, DASHBOARD_CACHE_SECONDS)
    return found


def _jurisdiction(user) -> str:
    """What the figures depend on: administrators share one dashboard, staff their office's."""
    return "all" if user.viewing_role == Role.ADMINISTRATOR else f"office-{user.office_id or 0}"


def build(user, *, program_id: int | None, season: int) -> Dashboard:
    contracts = facts.scoped(ContractSummary.objects.all(), user)
    by_employer = facts.scoped(ContractFact.objects.all(), user)
    requests = facts.scoped(RequestFact.objects.all(), user)
    savings = facts.scoped(SavingsFact.objects.all(), user)
    if program_id:
        contracts, requests = contracts.filter(program_id=program_id), requests.filter(program_id=program_id)
        by_employer = by_employer.filter(program_id=program_id)
    this_season = contracts.filter(season=season)
    states, regions, sectors = dict(MEXICAN_STATES), dict(DESTINATION_REGIONS), dict(Sector.choices)
    charts = [
        _placements_by_season(contracts),
        _counted(this_season, "sector", sectors, "placements-by-sector", _("Placements by sector"), _("Sector")),
        _counted(this_season, "region", regions, "placements-by-destination",
                 _("Placements by destination province or state"), _("Province or state")),
        _requests_by_season(requests),
        _rates(contracts, "season", None, "on-time-by-season", _("On-time return rate by season"), _("Season")),
        _rates(this_season, "state", states, "on-time-by-state", _("On-time return rate by state of origin"),
               _("State of origin")),
        _worst_employers(by_employer.filter(season=season)),
        _overdue_by_state(this_season, states),
        _absences(this_season, regions),
        _savings_by_year(contracts, savings),
    ]
    total = this_season.aggregate(placements=Sum("placements"), workers=Sum("workers"), confirmed=Sum("confirmed"),
                                  on_time=Sum("on_time"), overdue=Sum("overdue"), absences=Sum("absences"),
                                  transfers=Sum("transfers_out"))
    total = {key: value or 0 for key, value in total.items()}
    total["on_time_percent"] = _percent(total["on_time"], total["confirmed"])
    return Dashboard(season=season, program_id=program_id, refreshed_at=facts.refreshed()["at"], headline=total,
                     charts=charts)


def _percent(part, whole) -> Decimal | None:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1")) if whole else None


def _label(labels: dict | None, key) -> str:
    if labels is None:
        return str(key)
    return str(labels.get(key) or _("Not recorded"))


def _placements_by_season(contracts) -> Chart:
    rows = (contracts.values("season").annotate(p=Sum("placements"), w=Sum("workers")).filter(p__gt=0)
            .order_by("season"))
    return Chart("placements-by-season", _("Placements by season"), _("Season"), [_("Contracts"), _("Workers")],
                 [_row(str(row["season"]), str(row["season"]), [row["p"], row["w"]]) for row in rows])


def _counted(facts_, dimension, labels, name, title, heading) -> Chart:
    rows = facts_.values(dimension).annotate(p=Sum("placements")).filter(p__gt=0).order_by("-p", dimension)
    return Chart(name, title, heading, [_("Contracts")],
                 [_row(row[dimension], _label(labels, row[dimension]), [row["p"]]) for row in rows])


def _requests_by_season(requests) -> Chart:
    rows = requests.values("season").annotate(asked=Sum("asked"), filled=Sum("filled")).order_by("season")
    return Chart("requests-by-season", _("Workers asked for and placed, by season"), _("Season"),
                 [_("Asked for"), _("Placed")],
                 [_row(str(row["season"]), str(row["season"]), [row["asked"], row["filled"]]) for row in rows])


def _rate_row(key, label, confirmed, on_time) -> Row:
    percent = _percent(on_time, confirmed)
    return Row(key=str(key), label=label, values=[percent],
               shown=[_("%(percent)s%% (%(on_time)s of %(confirmed)s)")
                      % {"percent": _number(percent, 1), "on_time": _number(on_time),
                         "confirmed": _number(confirmed)}])


def _rates(facts_, dimension, labels, name, title, heading) -> Chart:
    rows = (facts_.values(dimension).annotate(c=Sum("confirmed"), o=Sum("on_time")).filter(c__gt=0)
            .order_by(dimension))
    return Chart(name, title, heading, [_("On time")],
                 [_rate_row(row[dimension], _label(labels, row[dimension]), row["c"], row["o"]) for row in rows],
                 unit="percent")


def _worst_employers(facts_) -> Chart:
    rows = list(facts_.values("employer_id").annotate(c=Sum("confirmed"), o=Sum("on_time")).filter(c__gt=0)
                .order_by())
    rows.sort(key=lambda row: (row["o"] / row["c"], -row["c"], row["employer_id"]))
    rows = rows[:WORST_EMPLOYERS]
    names = dict(Employer.objects.filter(pk__in=[row["employer_id"] for row in rows]).values_list("pk", "legal_name"))
    return Chart("on-time-by-employer",
                 _("The %(count)s employers with the lowest on-time return rate") % {"count": WORST_EMPLOYERS},
                 _("Employer"), [_("On time")],
                 [_rate_row(row["employer_id"], names.get(row["employer_id"], "—"), row["c"], row["o"])
                  for row in rows],
                 unit="percent")


def _overdue_by_state(facts_, states) -> Chart:
    rows = (facts_.values("state").annotate(a=Sum("awaiting"), d=Sum("overdue")).filter(a__gt=0)
            .order_by("-d", "state"))
    return Chart("returns-awaited-by-state", _("Returns awaited and overdue, by state of origin"),
                 _("State of origin"), [_("Awaited"), _("Overdue")],
                 [_row(row["state"], _label(states, row["state"]), [row["a"], row["d"]]) for row in rows])


def _absences(facts_, regions) -> Chart:
    rows = (facts_.values("region").annotate(n=Sum("absences"), t=Sum("transfers_out")).filter(Q(n__gt=0) | Q(t__gt=0))
            .order_by("-n", "region"))
    return Chart("absences-by-destination", _("Absences reported and transfers, by destination"),
                 _("Province or state"), [_("Absences reported"), _("Transfers out")],
                 [_row(row["region"], _label(regions, row["region"]), [row["n"], row["t"]]) for row in rows])


def _savings_by_year(contracts, savings) -> Chart:
    """Posted by the season of the contract it was deducted under; paid out by the year it was
    paid; unclaimed (today) by the year the worker came home. One row per year and currency."""
    found: dict[tuple, list] = {}
    for row in contracts.values("season", "currency").annotate(posted=Sum("posted")).order_by():
        found.setdefault((row["season"], row["currency"]), [Decimal(0)] * 3)[0] = row["posted"]
    for row in savings.values("year", "currency").annotate(paid=Sum("paid_amount"), left=Sum("unclaimed_amount")):
        amounts = found.setdefault((row["year"], row["currency"]), [Decimal(0)] * 3)
        amounts[1], amounts[2] = row["paid"], row["left"]
    rows = []
    for (year, currency), amounts in sorted(found.items()):
        if any(amounts):
            rows.append(Row(key=f"{year}-{currency}", label=f"{year} · {currency}", values=amounts,
                            shown=[f"{_number(amount, 2)} {currency}" for amount in amounts]))
    return Chart("savings-by-year", _("Savings posted, paid out and unclaimed"), _("Year"),
                 [_("Posted"), _("Paid out"), _("Unclaimed")], rows, unit="money")


def _row(key, label, values) -> Row:
    return Row(key=str(key), label=label, values=[value or 0 for value in values],
               shown=[_number(value or 0) for value in values])


def _number(value, decimals: int | None = None) -> str:
    """``value`` as the viewer's language writes it (1,234.5 or 1.234,5), grouped by thousands."""
    return number_format(value, decimals, use_l10n=True, force_grouping=True)
