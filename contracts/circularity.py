"""Circularity, the program's measure of success (DESIGN.md): of the workers confirmed home,
how many came home on time, by program, season, employer or state of origin.

The rate is ``on_time / confirmed`` over *confirmed* returns only (contracts ``returned`` with
``returned_on_time`` recorded). A return not confirmed yet is not counted as late: the worker may
well have been home on time and the staff not yet have seen them (the confirmation records the day
seen home, which may be earlier than the day entered). Those are reported beside the rate instead:
``awaiting`` (ended, terminated early or absconded, not confirmed) and, of them, ``overdue`` (their
expected return is past due), so that a rate over few confirmations is read with its backlog.
Transferred contracts are left out: the successor contract carries the return."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from contracts.models import Contract, ContractStatus, ExpectedReturn
from twp.regions import MEXICAN_STATES

S = ContractStatus
AWAITING = (S.ENDED, S.TERMINATED_EARLY, S.ABSCONDED)
# Each grouping: the value grouped by, and the label shown for it.
GROUPS = {
    "program": ("program_id", "program__name"),
    "season": ("season", "season"),
    "employer": ("request__employer_id", "request__employer__legal_name"),
    "state_of_origin": ("worker__state_of_origin", "worker__state_of_origin"),
}
STATE_NAMES = dict(MEXICAN_STATES)


@dataclass(frozen=True)
class ReturnRate:
    """One group's returns: confirmed, on time among them, and those still awaited."""

    key: object
    label: str
    confirmed: int
    on_time: int
    awaiting: int
    overdue: int

    @property
    def rate(self) -> Fraction | None:
        """On-time returns over confirmed returns; None when none is confirmed yet."""
        return Fraction(self.on_time, self.confirmed) if self.confirmed else None

    @property
    def percent(self) -> int | None:
        return round(100 * self.rate) if self.rate is not None else None


def return_counts() -> dict:
    """The aggregates of a ``ReturnRate`` (``confirmed``, ``on_time``, ``awaiting``, ``overdue``),
    for ``annotate()`` over contracts grouped with ``values()``: shared with the employers'
    indicators (``contracts.indicators``) so that both pages count a return the same way.
    Building it reads the programs' time zones (one query)."""
    overdue = Exists(ExpectedReturn.objects.overdue().filter(contract=OuterRef("pk")))
    return {"confirmed": Count("pk", filter=Q(status=S.RETURNED, returned_on_time__isnull=False)),
            "on_time": Count("pk", filter=Q(status=S.RETURNED, returned_on_time=True)),
            "awaiting": Count("pk", filter=Q(status__in=AWAITING)),
            "overdue": Count("pk", filter=Q(overdue, status__in=AWAITING))}


def on_time_return_rate(contracts: QuerySet[Contract], *, by: str) -> list[ReturnRate]:
    """The on-time return rate of ``contracts`` (already scoped by the caller, e.g.
    ``Contract.objects.visible_to(user)``) grouped ``by`` one of ``GROUPS``, in the group's order.
    Groups with no contract over yet are left out. One query (plus one for the time zones)."""
    key, label = GROUPS[by]
    rows = (contracts.filter(status__in=(*AWAITING, S.RETURNED)).order_by()
            .values(key, label)
            .annotate(**return_counts())
            .order_by(label))
    return [ReturnRate(key=row[key], label=_label(by, row[label]), confirmed=row["confirmed"],
                       on_time=row["on_time"], awaiting=row["awaiting"], overdue=row["overdue"]) for row in rows]


def _label(by: str, value) -> str:
    return str(STATE_NAMES.get(value, value)) if by == "state_of_origin" else str(value)
