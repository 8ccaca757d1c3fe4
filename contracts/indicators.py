"""Employer indicators for staff (issue #13): per employer, how its placements went, so that
trouble shows early. Read from the Observatory's contract facts (observatory.facts, refreshed
hourly: the pages say when), already scoped by the caller (``facts.scoped``, the rule of
``Contract.objects.visible_to``): a figure never counts a contract the reader may not see. Live,
the same grouping took 1.3–4.3 s at 1,000,000 workers (bench/RESULTS-observatory.md); from the
facts it reads one employer's rows per state and season.

Per employer (or per season of one employer, ``employer_history``):

- ``placements``: its contracts not cancelled (a cancelled contract never placed anyone);
- the returns, counted as the on-time return rate counts them (``contracts.circularity``):
  ``confirmed``, ``on_time`` among them, and the
  returns still ``awaiting`` and ``overdue``. ``late`` = confirmed − on time: only *confirmed*
  returns are called late, an unconfirmed one is counted as overdue instead;
- ``absences``: every absence opened on its contracts (by the employer or by staff), whatever
  became of it. The opening is the early signal: a farm whose workers keep leaving work is worth
  a look before the welfare checks end. ``absences_reported`` beside it: those that reached
  ``reported`` (the worker called absconded after the consulate's welfare check);
- ``transfers_out``: its contracts that ended ``transferred`` (the worker moved to another
  employer mid-season);
- ``rating_of_workers``: the average overall rating it gave its workers (``of_worker``
  evaluations), with how many; ``rating_by_workers``: the average its workers gave it
  (``of_employer``), with how many. Staff see these whatever the count (the five-rating floor,
  ``contracts.evaluations.MINIMUM_RATINGS_SHOWN_TO_EMPLOYER``, protects the workers from the
  employer, who never sees these pages);
- ``contests``: its evaluations of workers that the worker contested.

The rates that flag an employer for a closer look are ``late_rate`` (late over confirmed) and
``absence_rate`` (absences over contracts that reached the worksite); each is None without a base.

Every figure is a sum of one grouped query over the facts (averages are sums over counts); the
number of queries does not grow with the number of employers or seasons."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from django.db.models import F, FloatField, QuerySet, Sum
from django.db.models.functions import Cast, NullIf

from contracts.circularity import ReturnRate
from observatory import facts as observatory_facts
from observatory.models import ContractFact

# A worker who left a farm mid-season or came home late is ordinary; a pattern is not. On-time
# return is the program's measure of success and SAWP returns are overwhelmingly on time, so one
# confirmed return in five being late is far above the usual level; absences are rarer still, so
# one worker in ten reported absent marks the employer. Above either rate (strictly), the table
# flags the employer for a closer look; the counts stand beside the rate, so a flag over a small
# base reads as what it is.
LATE_RATE_THRESHOLD = Fraction(1, 5)
ABSENCE_RATE_THRESHOLD = Fraction(1, 10)

# The base of the absence rate: contracts whose worker reached the worksite (observatory.facts
# ARRIVED; an absence is reported only on an active contract).

# The table's orders (``?sort=``): each a field of the grouped rows, the highest figure first
# (the name A to Z); ties by name. Rates without a base (no confirmed return) sort last.
SORTS = {
    "name": "employer_name",
    "placements": "placements",
    "late": "late",
    "late_rate": "late_rate",
    "overdue": "overdue",
    "absences": "absences",
    "absence_rate": "absence_rate",
    "transfers": "transfers_out",
    "rating_of_workers": "rating_of_workers",
    "rating_by_workers": "rating_by_workers",
    "contests": "contests",
}
DEFAULT_SORT = "late_rate"


@dataclass(frozen=True)
class Average:
    """An average rating (1–5, two decimals) and how many ratings it is over."""

    value: float | None
    count: int


@dataclass(frozen=True)
class EmployerIndicators:
    """One employer's figures over the contracts read (all seasons, or one ``season``)."""

    employer_id: int
    employer_public_id: object
    employer_name: str
    season: int | None
    placements: int
    arrived: int
    returns: ReturnRate
    absences: int
    absences_reported: int
    transfers_out: int
    rating_of_workers: Average
    rating_by_workers: Average
    contests: int

    @property
    def late(self) -> int:
        """Confirmed returns that were late."""
        return self.returns.confirmed - self.returns.on_time

    @property
    def late_rate(self) -> Fraction | None:
        return Fraction(self.late, self.returns.confirmed) if self.returns.confirmed else None

    @property
    def absence_rate(self) -> Fraction | None:
        return Fraction(self.absences, self.arrived) if self.arrived else None

    @property
    def late_percent(self) -> int | None:
        return _percent(self.late_rate)

    @property
    def absence_percent(self) -> int | None:
        return _percent(self.absence_rate)

    @property
    def is_late_flagged(self) -> bool:
        return self.late_rate is not None and self.late_rate > LATE_RATE_THRESHOLD

    @property
    def is_absence_flagged(self) -> bool:
        return self.absence_rate is not None and self.absence_rate > ABSENCE_RATE_THRESHOLD

    @property
    def is_flagged(self) -> bool:
        return self.is_late_flagged or self.is_absence_flagged


def _percent(rate: Fraction | None) -> int | None:
    return None if rate is None else round(100 * rate)


def _average(total: str, count: str):
    return Cast(Sum(total), FloatField()) / NullIf(Cast(Sum(count), FloatField()), 0.0)


def _rate(numerator: str, denominator: str):
    return Cast(F(numerator), FloatField()) / NullIf(Cast(F(denominator), FloatField()), 0.0)


def _grouped(facts: QuerySet[ContractFact], *group: str) -> QuerySet:
    """``facts`` grouped by employer (and ``group``), each group's figures summed."""
    return (facts.order_by().values(*group, "employer_id", employer_public_id=F("employer__public_id"),
                                    employer_name=F("employer__legal_name"))
            .annotate(placements=Sum("live"), arrived=Sum("arrived"), confirmed=Sum("confirmed"),
                      on_time=Sum("on_time"), awaiting=Sum("awaiting"), overdue=Sum("overdue"),
                      absences=Sum("absences"), absences_reported=Sum("absences_reported"),
                      transfers_out=Sum("transfers_out"),
                      rating_of_workers=_average("rating_of_workers_total", "rated_workers"),
                      rated_workers=Sum("rated_workers"),
                      rating_by_workers=_average("rating_by_workers_total", "ratings_by_workers"),
                      ratings_by_workers=Sum("ratings_by_workers"), contests=Sum("contests"))
            .annotate(late=F("confirmed") - F("on_time"), late_rate=_rate("late", "confirmed"),
                      absence_rate=_rate("absences", "arrived")))


def _row(row: dict) -> EmployerIndicators:
    def average(value, count):
        return Average(value=None if value is None else round(float(value), 2), count=count)

    season = row.get("season")
    return EmployerIndicators(
        employer_id=row["employer_id"], employer_public_id=row["employer_public_id"],
        employer_name=row["employer_name"], season=season, placements=row["placements"], arrived=row["arrived"],
        returns=ReturnRate(key=season if season is not None else row["employer_id"],
                           label=str(season) if season is not None else row["employer_name"],
                           confirmed=row["confirmed"], on_time=row["on_time"], awaiting=row["awaiting"],
                           overdue=row["overdue"]),
        absences=row["absences"], absences_reported=row["absences_reported"], transfers_out=row["transfers_out"],
        rating_of_workers=average(row["rating_of_workers"], row["rated_workers"]),
        rating_by_workers=average(row["rating_by_workers"], row["ratings_by_workers"]),
        contests=row["contests"])


class IndicatorRows:
    """The grouped rows, read in one query the first time they are counted or sliced (a page,
    a ``Paginator``): a few thousand employers at most, while a second query to count them would
    aggregate the facts again. Each row read is an ``EmployerIndicators``."""

    def __init__(self, rows: QuerySet):
        self.rows = rows
        self._read: list[dict] | None = None

    def _all(self) -> list[dict]:
        if self._read is None:
            self._read = list(self.rows)
        return self._read

    def count(self) -> int:
        return len(self._all())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [_row(row) for row in self._all()[index]]
        return _row(self._all()[index])

    def __iter__(self):
        return (_row(row) for row in self._all())


def visible_facts(user) -> QuerySet[ContractFact]:
    """The contract facts ``user`` may read (what these functions take)."""
    return observatory_facts.scoped(ContractFact.objects.all(), user)


def employer_indicators(facts: QuerySet[ContractFact], *, program=None, season: int | None = None,
                        sort: str = DEFAULT_SORT) -> IndicatorRows:
    """The indicators of each employer with a contract in ``facts`` (``visible_facts(user)``),
    of one ``program`` (or its id) and one ``season`` if given, in the order ``sort`` (one of
    ``SORTS``). One query, however many employers and pages."""
    if program is not None:
        facts = facts.filter(program_id=getattr(program, "pk", program))
    if season is not None:
        facts = facts.filter(season=season)
    field = SORTS.get(sort, SORTS[DEFAULT_SORT])
    order = F(field).asc() if field == "employer_name" else F(field).desc(nulls_last=True)
    return IndicatorRows(_grouped(facts).order_by(order, "employer_name", "employer_id"))


def employer_history(facts: QuerySet[ContractFact], employer) -> list[EmployerIndicators]:
    """The indicators of ``employer`` per season, the latest season first, over ``facts``
    (``visible_facts(user)``): seasons with no contract the reader sees are left out. One query."""
    rows = _grouped(facts.filter(employer_id=employer.pk), "season").order_by("-season")
    return [_row(row) for row in rows]
