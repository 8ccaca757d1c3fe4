"""Rebuilding the Observatory's precomputed facts (observatory.models) from the operational
tables, and reading them within a user's jurisdiction.

``refresh()`` replaces every fact in one transaction (DELETE, then INSERT ... SELECT): readers
keep the previous set until it commits, so a dashboard never shows half a refresh. The contract
facts are one SQL statement (a window function picks each worker's first placement of a season);
``ContractSummary`` sums them over employers; the savings facts reuse the payouts' and unclaimed
savings' own querysets, so "unclaimed" means here exactly what the unclaimed report and its
reminders mean (savings.unclaimed)."""

from __future__ import annotations

import time
from decimal import Decimal

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from contracts.models import ContractStatus
from employers.models import ALLOCATABLE_STATUSES
from observatory.models import FactsRefresh, RequestFact, SavingsFact
from twp.models import Office, Role

S = ContractStatus
# A placement: a contract that was signed (whatever became of it since).
PLACED = (S.SIGNED, S.DEPARTED, S.ACTIVE, S.ENDED, S.TERMINATED_EARLY, S.TRANSFERRED, S.ABSCONDED, S.RETURNED)
AWAITING = (S.ENDED, S.TERMINATED_EARLY, S.ABSCONDED)
# Contracts whose worker reached the worksite (the base of an employer's absence rate).
ARRIVED = (S.ACTIVE, S.ENDED, S.TERMINATED_EARLY, S.TRANSFERRED, S.ABSCONDED, S.RETURNED)
# Requests that asked for workers: submitted and not withdrawn or refused.
ASKING = ("submitted", "approved", "partially_filled", "filled")
REFRESH_KEY = "observatory:refreshed"

# DELETE, not TRUNCATE: TRUNCATE would block every reader until the refresh commits.
DELETE_FACTS = ("DELETE FROM observatory_contractfact", "DELETE FROM observatory_contractsummary",
                "DELETE FROM observatory_requestfact", "DELETE FROM observatory_savingsfact")
MEASURES = ("placements, workers, confirmed, on_time, awaiting, overdue, transfers_out, absences, posted, live, "
            "arrived, absences_reported, rated_workers, rating_of_workers_total, ratings_by_workers, "
            "rating_by_workers_total, contests")
CONTRACT_FACTS = f"""
INSERT INTO observatory_contractfact (program_id, season, employer_id, region, sector, state, currency,
    {MEASURES})
WITH live AS (
    SELECT c.id, c.program_id, c.season, c.status, c.returned_on_time, c.wage_currency,
           r.employer_id, ws.region, e.sector, w.state_of_origin AS state,
           c.status = ANY(%(placed)s) AS placed,
           row_number() OVER (PARTITION BY c.worker_id, c.program_id, c.season, c.status = ANY(%(placed)s)
                              ORDER BY c.start_date, c.id) = 1 AS first_of_season,
           (er.confirmed_at IS NULL AND er.due_on < (now() AT TIME ZONE p.time_zone)::date) AS is_overdue
    FROM contracts_contract c
    JOIN employers_workerrequest r ON r.id = c.request_id
    JOIN employers_worksite ws ON ws.id = r.worksite_id
    JOIN employers_employer e ON e.id = r.employer_id
    JOIN workers_worker w ON w.id = c.worker_id
    JOIN twp_program p ON p.id = c.program_id
    LEFT JOIN contracts_expectedreturn er ON er.contract_id = c.id
    WHERE c.status <> 'cancelled'
),
absences AS (SELECT contract_id, count(*) AS n, count(*) FILTER (WHERE stage = 'reported') AS reported
             FROM contracts_absence GROUP BY contract_id),
evaluations AS (SELECT contract_id,
                       max(overall) FILTER (WHERE direction = 'of_worker') AS of_worker,
                       max(overall) FILTER (WHERE direction = 'of_employer') AS of_employer,
                       bool_or(direction = 'of_worker' AND contested_at IS NOT NULL) AS contested
                FROM contracts_evaluation GROUP BY contract_id),
posted AS (SELECT contract_id, sum(amount) AS amount FROM savings_contribution
           WHERE status = 'posted' GROUP BY contract_id)
SELECT program_id, season, employer_id, region, sector, state, wage_currency,
       count(*) FILTER (WHERE placed), count(*) FILTER (WHERE placed AND first_of_season),
       count(*) FILTER (WHERE status = 'returned' AND returned_on_time IS NOT NULL),
       count(*) FILTER (WHERE status = 'returned' AND returned_on_time),
       count(*) FILTER (WHERE status = ANY(%(awaiting)s)),
       count(*) FILTER (WHERE status = ANY(%(awaiting)s) AND is_overdue),
       count(*) FILTER (WHERE status = 'transferred'),
       coalesce(sum(absences.n), 0), coalesce(sum(posted.amount), 0),
       count(*), count(*) FILTER (WHERE status = ANY(%(arrived)s)), coalesce(sum(absences.reported), 0),
       count(evaluations.of_worker), coalesce(sum(evaluations.of_worker), 0),
       count(evaluations.of_employer), coalesce(sum(evaluations.of_employer), 0),
       count(*) FILTER (WHERE evaluations.contested)
FROM live
LEFT JOIN absences ON absences.contract_id = live.id
LEFT JOIN evaluations ON evaluations.contract_id = live.id
LEFT JOIN posted ON posted.contract_id = live.id
GROUP BY program_id, season, employer_id, region, sector, state, wage_currency
"""  # noqa: S608 - MEASURES is a constant

CONTRACT_SUMMARY = f"""
INSERT INTO observatory_contractsummary (program_id, season, region, sector, state, currency, {MEASURES})
SELECT program_id, season, region, sector, state, currency,
       {", ".join(f"sum({measure})" for measure in MEASURES.split(", "))}
FROM observatory_contractfact GROUP BY program_id, season, region, sector, state, currency
"""  # noqa: S608 - MEASURES is a constant

REQUEST_FACTS = """
INSERT INTO observatory_requestfact (program_id, season, employer_id, region, sector, status, requests, asked, filled)
SELECT r.program_id, r.season, r.employer_id, ws.region, e.sector, r.status, count(*), sum(r.workers_requested),
       coalesce(sum(live.n), 0)
FROM employers_workerrequest r
JOIN employers_worksite ws ON ws.id = r.worksite_id
JOIN employers_employer e ON e.id = r.employer_id
LEFT JOIN (SELECT request_id, count(*) AS n FROM contracts_contract WHERE status <> 'cancelled'
           GROUP BY request_id) live ON live.request_id = r.id
WHERE r.status = ANY(%(asking)s)
GROUP BY r.program_id, r.season, r.employer_id, ws.region, e.sector, r.status
"""


def refresh() -> FactsRefresh:
    """Recompute every fact; returns the refresh's record. Takes a transaction-level advisory
    lock so two refreshes (beat and a manual run) never interleave their DELETE and INSERT."""
    began = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('observatory.refresh'))")
        for statement in DELETE_FACTS:
            cursor.execute(statement)
        cursor.execute(CONTRACT_FACTS, {"placed": list(PLACED), "awaiting": list(AWAITING), "arrived": list(ARRIVED)})
        contract_rows = cursor.rowcount
        cursor.execute(CONTRACT_SUMMARY)
        cursor.execute(REQUEST_FACTS, {"asking": list(ASKING)})
        SavingsFact.objects.bulk_create(_savings_facts())
        # Fresh statistics for the planner: with those of the previous set (or of an empty table)
        # it walked the employer index over a whole season, 159 ms instead of 20 (bench).
        cursor.execute("ANALYZE observatory_contractfact, observatory_contractsummary, observatory_requestfact, "
                       "observatory_savingsfact")
        done = FactsRefresh.objects.create(finished_at=timezone.now(), seconds=time.monotonic() - began,
                                           contract_rows=contract_rows)
        # Forget the cached marker now and again once committed: a reader in between caches the
        # previous refresh, never the new id with the old facts.
        cache.delete(REFRESH_KEY)
        transaction.on_commit(lambda: cache.delete(REFRESH_KEY))
        return done


def _savings_facts() -> list[SavingsFact]:
    from savings.models import Payout
    from savings.unclaimed import unclaimed_accounts

    facts: dict[tuple, SavingsFact] = {}

    def fact(year, state, currency) -> SavingsFact:
        key = (year, state or "", currency)
        if key not in facts:
            facts[key] = SavingsFact(year=year, state=state or "", currency=currency, paid_workers=0,
                                     paid_amount=Decimal(0), unclaimed_workers=0, unclaimed_amount=Decimal(0))
        return facts[key]

    paid = (Payout.objects.filter(status=Payout.Status.PAID).order_by()
            .values("worker__state_of_origin", "account__currency", year=ExtractYear("paid_at"))
            .annotate(workers=Count("worker", distinct=True), amount=Sum("amount")))
    for row in paid:
        found = fact(row["year"], row["worker__state_of_origin"], row["account__currency"])
        found.paid_workers, found.paid_amount = row["workers"], row["amount"]
    unclaimed = unclaimed_accounts(None).order_by()
    for row in unclaimed.values("worker__state_of_origin", "currency", year=ExtractYear("returned_on")).annotate(
            workers=Count("pk"), amount=Sum("available")):
        found = fact(row["year"], row["worker__state_of_origin"], row["currency"])
        found.unclaimed_workers, found.unclaimed_amount = row["workers"], row["amount"]
    return list(facts.values())


def last_refresh() -> FactsRefresh | None:
    return FactsRefresh.objects.order_by("-finished_at").first()


def refreshed() -> dict:
    """The latest refresh's id and time (cached, so a cached table costs no query at all)."""
    found = cache.get(REFRESH_KEY)
    if found is None:
        found = _marker(last_refresh())
        cache.set(REFRESH_KEY, found, None)
    return found


def _marker(done: FactsRefresh | None) -> dict:
    return {"id": done.pk, "at": done.finished_at.isoformat(timespec="seconds")} if done else {"id": 0, "at": ""}


def scoped(facts: QuerySet, user) -> QuerySet:
    """The facts within ``user``'s jurisdiction, by the rule of ``Contract.objects.visible_to``:
    administrators all, office staff their destination regions and their Mexican states (savings
    facts, which have no region: their states). Anyone else: none."""
    if not user.is_authenticated:
        return facts.none()
    role = user.viewing_role
    if role == Role.ADMINISTRATOR:
        return facts
    if role != Role.STAFF or not user.office_id:
        return facts.none()
    office: Office = user.office
    states = Q(state__in=office.mexican_states or [])
    if facts.model is SavingsFact:
        return facts.filter(states)
    regions = Q(region__in=office.destination_regions or [])
    if facts.model is RequestFact:  # as WorkerRequest.objects.visible_to
        if office.kind == Office.Kind.STATE_OFFICE:
            return facts.filter(regions | Q(status__in=ALLOCATABLE_STATUSES))
        return facts.filter(regions)
    return facts.filter(regions | states)
