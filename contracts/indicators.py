"""Employer indicators for staff (issue #13): per employer, how its placements went, so that
trouble shows early. Read over contracts already scoped by the caller
(``Contract.objects.visible_to(user)``): a figure never counts a contract the reader may not see.

Per employer (or per season of one employer, ``employer_history``):

- ``placements``: its contracts not cancelled (a cancelled contract never placed anyone);
- the returns, counted exactly as the on-time return rate counts them
  (``contracts.circularity.return_counts``): ``confirmed``, ``on_time`` among them, and the
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

Every figure is an aggregate of one grouped query over the contracts (an absence count and the
two evaluations are per-contract subqueries inside it, so no join multiplies the rows); the
number of queries does not grow with the number of employers or seasons."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Avg, Count, Exists, F, FloatField, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, Coalesce, NullIf

from contracts.circularity import ReturnRate, return_counts
from contracts.models import Absence, Contract, ContractStatus, Evaluation

S = ContractStatus
D = Evaluation.Direction

# A worker who left a farm mid-season or came home late is ordinary; a pattern is not. On-time
# return is the program's measure of success and SAWP returns are overwhelmingly on time, so one
# confirmed return in five being late is far above the usual level; absences are rarer still, so
# one worker in ten reported absent marks the employer. Above either rate (strictly), the table
# flags the employer for a closer look; the counts stand beside the rate, so a flag over a small
# base reads as what it is.
LATE_RATE_THRESHOLD = Fraction(1, 5)
ABSENCE_RATE_THRESHOLD = Fraction(1, 10)

# Contracts whose worker reached the worksite: the base of the absence rate (an absence is
# reported only on an active contract).
ARRIVED = (S.ACTIVE, S.ENDED, S.TERMINATED_EARLY, S.TRANSFERRED, S.ABSCONDED, S.RETURNED)

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


def _evaluation(direction: str, field: str = "overall") -> Subquery:
    # At most one evaluation per contract and direction (``evaluation_once_per_contract``).
    return Subquery(Evaluation.objects.filter(contract=OuterRef("pk"), direction=direction)
                    .order_by().values(field)[:1], output_field=IntegerField())


def _absences(**condition) -> Subquery:
    return Subquery(Absence.objects.filter(contract=OuterRef("pk"), **condition).order_by()
                    .values("contract").annotate(count=Count("pk")).values("count"), output_field=IntegerField())


def _rate(numerator: str, denominator: str):
    return Cast(F(numerator), FloatField()) / NullIf(Cast(F(denominator), FloatField()), 0.0)


def _grouped(contracts: QuerySet[Contract], *group: str) -> QuerySet:
    """``contracts`` grouped by employer (and ``group``), each group's figures annotated."""
    contested = Exists(Evaluation.objects.filter(contract=OuterRef("pk"), direction=D.OF_WORKER,
                                                 contested_at__isnull=False))
    return (contracts.order_by()
            .annotate(absence_count=_absences(), absence_reported_count=_absences(stage=Absence.Stage.REPORTED),
                      of_worker=_evaluation(D.OF_WORKER), of_employer=_evaluation(D.OF_EMPLOYER))
            .values(*group, employer_id=F("request__employer_id"),
                    employer_public_id=F("request__employer__public_id"),
                    employer_name=F("request__employer__legal_name"))
            .annotate(placements=Count("pk", filter=~Q(status=S.CANCELLED)),
                      arrived=Count("pk", filter=Q(status__in=ARRIVED)),
                      **return_counts(),
                      absences=Coalesce(Sum("absence_count"), 0),
                      absences_reported=Coalesce(Sum("absence_reported_count"), 0),
                      transfers_out=Count("pk", filter=Q(status=S.TRANSFERRED)),
                      rating_of_workers=Avg("of_worker"), rated_workers=Count("of_worker"),
                      rating_by_workers=Avg("of_employer"), ratings_by_workers=Count("of_employer"),
                      contests=Count("pk", filter=Q(contested)))
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
    """The grouped rows, lazily: a ``Paginator`` counts them (one query) and slices a page (one
    query) in the database; each row read is an ``EmployerIndicators``."""

    def __init__(self, rows: QuerySet):
        self.rows = rows

    def count(self) -> int:
        return self.rows.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [_row(row) for row in self.rows[index]]
        return _row(self.rows[index])

    def __iter__(self):
        return (_row(row) for row in self.rows)


def employer_indicators(contracts: QuerySet[Contract], *, program=None, season: int | None = None,
                        sort: str = DEFAULT_SORT) -> IndicatorRows:
    """The indicators of each employer with a contract in ``contracts`` (already scoped by the
    caller), of one ``program`` and one ``season`` if given, in the order ``sort`` (one of
    ``SORTS``). Two queries to read a page (count, rows) plus one for the time zones."""
    if program is not None:
        contracts = contracts.filter(program=program)
    if season is not None:
        contracts = contracts.filter(season=season)
    field = SORTS.get(sort, SORTS[DEFAULT_SORT])
    order = F(field).asc() if field == "employer_name" else F(field).desc(nulls_last=True)
    return IndicatorRows(_grouped(contracts).order_by(order, "employer_name", "employer_id"))


def employer_history(contracts: QuerySet[Contract], employer) -> list[EmployerIndicators]:
    """The indicators of ``employer`` per season, the latest season first, over ``contracts``
    (already scoped by the caller): seasons with no contract the reader sees are left out.
    One query (plus one for the time zones)."""
    rows = _grouped(contracts.filter(request__employer=employer), "season").order_by("-season")
    return [_row(row) for row in rows]
