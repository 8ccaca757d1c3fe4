"""The public Observatory's season aggregates (the background paper's "Permanent Labor
Observatory"): who was placed, from where, in what, where to; who came home on time; what savings
were paid out. Anyone may read them, so no cell ever describes fewer than ``MIN_CELL`` people:

- a cell of 1 to 4 people is suppressed (primary suppression);
- a table publishes its total, so one suppressed cell could be worked out as the total minus the
  others: then the smallest other non-empty cell is suppressed too (secondary suppression), or,
  when there is none, the total;
- a total under ``MIN_CELL`` is suppressed itself.

Empty cells (0) are shown: they describe nobody. Rates and amounts are shown only where the
people behind them are. Each table is read from the precomputed facts (observatory.facts) in one query and cached
until the next refresh of the facts (at most ``OBSERVATORY_CACHE_SECONDS``); the page and the API
say when the facts were computed. People are counted once per season, in the cell of their first
placement (a transferred worker is not two people); return rates count confirmed returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from employers.models import Sector
from observatory.facts import refreshed
from observatory.models import ContractSummary, SavingsFact
from twp.regions import DESTINATION_REGIONS, MEXICAN_STATES

MIN_CELL = 5


@dataclass
class Cell:
    key: str
    label: str
    people: int | None  # None when suppressed
    value: str | None = None  # a rate (percent) or an amount, where the table has one
    suppressed: str | None = None  # "small" (under MIN_CELL) or "secondary"


@dataclass
class Table:
    name: str
    title: str
    dimension: str
    value_label: str
    season: int
    computed_at: str
    cells: list[Cell] = field(default_factory=list)
    total: Cell | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Aggregate:
    name: str
    title: object
    dimension: object
    choices: tuple
    value_label: object
    rows: Callable[[int], dict[str, tuple[int, Decimal | None]]]  # season -> key -> (people, value)
    total_value: Callable[[dict], Decimal | None] | None = None


def suppress(people: dict[str, int]) -> tuple[dict[str, str], bool]:
    """Which cells to suppress and why, and whether the total must be suppressed."""
    hidden = {key: "small" for key, count in people.items() if 0 < count < MIN_CELL}
    total = sum(people.values())
    total_hidden = 0 < total < MIN_CELL
    if len(hidden) == 1 and not total_hidden:
        others = sorted((count, key) for key, count in people.items() if count > 0 and key not in hidden)
        if others:
            hidden[others[0][1]] = "secondary"
        else:
            total_hidden = True
    return hidden, total_hidden


def _count_by(dimension: str) -> Callable[[int], dict]:
    def rows(season: int) -> dict[str, tuple[int, None]]:
        found = (ContractSummary.objects.filter(season=season).values(dimension).annotate(people=Sum("workers"))
                 .filter(people__gt=0).values_list(dimension, "people"))
        return {key or "": (people, None) for key, people in found}

    return rows


def _return_rates(season: int) -> dict[str, tuple[int, Decimal]]:
    """Confirmed returns, and the share on time, by state: each return is one person coming home."""
    found = (ContractSummary.objects.filter(season=season).values("state")
             .annotate(people=Sum("confirmed"), on_time=Sum("on_time")).filter(people__gt=0)
             .values_list("state", "people", "on_time"))
    return {key: (people, _percent(on_time, people)) for key, people, on_time in found}


def _percent(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1")) if whole else Decimal(0)


def _paid_out(season: int) -> dict[str, tuple[int, Decimal]]:
    """Savings paid out in the season's year, by the worker's state (a payout is not tied to one
    season: its year is when it was paid). Amounts in the program's currency (one currency per
    program here: CAD)."""
    found = (SavingsFact.objects.filter(year=season).values("state")
             .annotate(people=Sum("paid_workers"), amount=Sum("paid_amount")).filter(people__gt=0)
             .values_list("state", "people", "amount"))
    return {key: (people, amount.quantize(Decimal("0.01"))) for key, people, amount in found}


AGGREGATES = {
    aggregate.name: aggregate for aggregate in (
        Aggregate("placements-by-state", _("Workers placed, by state of origin"), _("State of origin"),
                  MEXICAN_STATES, "", _count_by("state")),
        Aggregate("placements-by-sector", _("Workers placed, by sector"), _("Sector"), tuple(Sector.choices), "",
                  _count_by("sector")),
        Aggregate("placements-by-destination", _("Workers placed, by destination"), _("Province or state"),
                  DESTINATION_REGIONS, "", _count_by("region")),
        Aggregate("return-rates-by-state", _("Came home on time, by state of origin"), _("State of origin"),
                  MEXICAN_STATES, _("On time (%)"), _return_rates),
        Aggregate("savings-paid-out-by-state", _("Savings paid out, by state of origin"), _("State of origin"),
                  MEXICAN_STATES, _("Paid out"), _paid_out),
    )
}


def table(name: str, season: int) -> dict:
    """The aggregate ``name`` for ``season``, suppressed, as a dict (cached)."""
    # A refresh of the facts starts a new key; the labels are translated.
    key = f"observatory:{refreshed()['id']}:{name}:{season}:{translation.get_language()}"
    found = cache.get(key)
    if found is None:
        found = compute(name, season).as_dict()
        cache.set(key, found, settings.OBSERVATORY_CACHE_SECONDS)
    return found


def compute(name: str, season: int) -> Table:
    aggregate = AGGREGATES[name]
    rows = aggregate.rows(season)
    labels = {key: str(label) for key, label in aggregate.choices}
    people = {key: count for key, (count, _value) in rows.items()}
    hidden, total_hidden = suppress(people)
    cells = []
    for key in sorted(rows, key=lambda key: (labels.get(key, key or "~"), key)):
        count, value = rows[key]
        why = hidden.get(key)
        cells.append(Cell(key=key, label=labels.get(key) or str(_("Not recorded")), people=None if why else count,
                          value=None if why or value is None else str(value), suppressed=why))
    total_people = sum(people.values())
    total_value = _total_value(name, season, rows)
    total = Cell(key="total", label=str(_("Total")), people=None if total_hidden else total_people,
                 value=None if total_hidden or total_value is None else str(total_value),
                 suppressed="small" if total_hidden else None)
    return Table(name=name, title=str(aggregate.title), dimension=str(aggregate.dimension),
                 value_label=str(aggregate.value_label), season=season,
                 computed_at=refreshed()["at"], cells=cells, total=total)


def _total_value(name: str, season: int, rows: dict) -> Decimal | None:
    if name == "return-rates-by-state":
        found = ContractSummary.objects.filter(season=season).aggregate(people=Sum("confirmed"), on_time=Sum("on_time"))
        return _percent(found["on_time"] or 0, found["people"] or 0)
    if name == "savings-paid-out-by-state":
        return sum((value for _count, value in rows.values()), Decimal("0.00"))
    return None


def seasons() -> list[int]:
    """Seasons with placements, newest first (and this year's, even before any); cached until
    the next refresh of the facts, like the tables."""
    key = f"observatory:{refreshed()['id']}:seasons"
    found = cache.get(key)
    if found is None:
        found = sorted(set(ContractSummary.objects.values_list("season", flat=True).distinct()))
        cache.set(key, found, settings.OBSERVATORY_CACHE_SECONDS)
    return sorted(set(found) | {timezone.localdate().year}, reverse=True)
