"""Allocation: workers placed on a request as proposed contracts, conflict-free.

Every change to contracts goes through a function here. The database has the last word on
overlaps (``contract_no_overlap``); the locks taken first make every loser of a race see a clean
conflict instead of a deadlock."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, ContractStatus
from employers.models import RequestEvent, RequestStatus, WorkerRequest
from twp.exceptions import Conflict, InvalidTransition
from twp.models import User
from workers.eligibility import check_eligibility, prefetch_for_eligibility
from workers.models import Worker, WorkerStatus
from workers.services import workers_follow_contracts

ALLOCATABLE = (RequestStatus.APPROVED, RequestStatus.PARTIALLY_FILLED)


def may_allocate(user: User, request: WorkerRequest) -> bool:
    """Staff who can see the request (administrators see all)."""
    return (user.is_program_staff and not user.is_service_account
            and WorkerRequest.objects.visible_to(user).filter(pk=request.pk).exists())


def places_left(request: WorkerRequest) -> int:
    return request.workers_requested - request.contracts.live().count()


def lock_request(pk: int) -> WorkerRequest:
    """The request row, locked: concurrent allocations to one request queue here, so the places
    counted next are still the places left when the contracts are inserted."""
    return WorkerRequest.objects.select_for_update(of=("self",)).select_related("program").get(pk=pk)


# What allocation reads of a worker it places: the status before, the id and name for the timeline.
WORKER_FIELDS = ("public_id", "status", "first_names", "paternal_surname", "maternal_surname")


def lock_workers(ids: list[int], *, only=()) -> list[Worker]:
    """The worker rows, locked in id order: concurrent allocations of one worker queue here
    instead of meeting in the exclusion constraint, where some would deadlock."""
    workers = Worker.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
    return list(workers.only(*only) if only else workers)


def contracts_allocate(*, request: WorkerRequest, workers: list[Worker], by: User | None,
                       scores: dict[int, dict] | None = None, check: bool = True) -> list[Contract]:
    """Propose a contract to each worker on ``request`` in one transaction, all or nothing.

    Locks the request row, then the worker rows in id order (so two staff allocating the same
    people queue instead of deadlocking), refuses more workers than places left, rechecks each
    worker's eligibility (``check=False`` when the caller filtered with the same rules in SQL,
    as season allocation does), inserts the contracts set-based, and lets the exclusion
    constraint refuse any overlap that slipped through. Every refusal is a ``Conflict`` (409)
    naming the worker or the request; nothing is written."""
    if by is not None and not may_allocate(by, request):
        raise PermissionDenied
    if not workers:
        raise Conflict(_("Choose at least one worker."), field="workers")
    with transaction.atomic():
        current = lock_request(request.pk)
        if current.status not in ALLOCATABLE:
            raise InvalidTransition(current=current.status, action="allocate", allowed=[])
        ids = sorted({worker.pk for worker in workers})
        locked = lock_workers(ids)
        if by is not None:
            visible = set(Worker.objects.visible_to(by).filter(pk__in=ids).values_list("pk", flat=True))
            if visible != set(ids):
                raise PermissionDenied
        left = current.workers_requested - current.contracts.live().count()
        if len(locked) > left:
            raise Conflict(_("Request %(number)s has %(left)s places left; %(count)s workers were chosen.")
                           % {"number": current.number, "left": max(left, 0), "count": len(locked)}, field="workers")
        if check:
            _check_each(current, locked)
        contracts = [_proposed(current, worker, (scores or {}).get(worker.pk, {}), by) for worker in locked]
        try:
            with transaction.atomic():
                _insert_contracts(contracts)
        except IntegrityError as error:
            if "contract_no_overlap" not in str(error):
                raise
            raise Conflict(_overlap_message(locked, current), field="workers") from error
        _record_allocation(current, contracts, locked, by)
    return contracts


def _check_each(request: WorkerRequest, workers: list[Worker]) -> None:
    from employers.worker_requests import _requirements

    requirements = _requirements(request)
    prefetched = Worker.objects.filter(pk__in=[w.pk for w in workers]).prefetch_related(*prefetch_for_eligibility())
    for worker in prefetched:
        result = check_eligibility(worker=worker, program=request.program, start=request.start_date,
                                   end=request.end_date, requirements=requirements)
        if not result.is_eligible:
            raise Conflict(_("%(name)s cannot take this contract: %(reasons)s") % {
                "name": worker.full_name, "reasons": "; ".join(str(reason.message) for reason in result.reasons)},
                field="workers")


def _overlap_message(workers, request) -> str:
    busy = Contract.objects.overlapping(request.start_date, request.end_date).filter(
        worker__in=workers).select_related("worker").first()
    name = busy.worker.full_name if busy else _("A worker")
    return str(_("%(name)s already has a contract over these dates.") % {"name": name})


def _record_allocation(request, contracts, workers, by) -> None:
    _record_allocations([(request, contracts)], {worker.pk: worker for worker in workers}, by)


def _record_allocations(allocations, workers: dict[int, Worker], by) -> None:
    """For (request, its new contracts) pairs: each request's fill status, the timelines, the
    contracts' first event and the workers' status, each in one statement (a season's commit
    writes 10,000 of each)."""
    live = request_fill_counts([request.pk for request, _contracts in allocations])
    moves, reasons = {}, {}
    events = ([], [], [], [])  # request, from, to, details: columns of one INSERT
    for request, contracts in allocations:
        previous = request.status
        status = (RequestStatus.FILLED if live.get(request.pk, 0) >= request.workers_requested
                  else RequestStatus.PARTIALLY_FILLED)
        moves.setdefault((previous, status), []).append(request.pk)
        request.status = status
        for contract in contracts:
            worker = workers[contract.worker_id]
            for column, value in zip(events, (request.pk, previous, status, json.dumps(
                    {"worker": str(worker.public_id), "name": worker.full_name, "contract": str(contract.public_id)})),
                                     strict=True):
                column.append(value)
            reasons.setdefault(contract.worker_id, str(_("Selected for request %(number)s")
                                                       % {"number": request.number}))
    for (previous, status), ids in moves.items():
        if status != previous:
            WorkerRequest.objects.filter(pk__in=ids).update(status=status, version=F("version") + 1)
    by_id = by.pk if by is not None else None
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO employers_requestevent (request_id, kind, from_status, to_status, reason, details, by_id, at)
            SELECT e.request_id, %s, e.from_status, e.to_status, '', e.details, %s, now()
            FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[], %s::jsonb[]) AS e(request_id, from_status,
                                                                                   to_status, details)
        """, [RequestEvent.Kind.WORKER_ASSIGNED.value, by_id, *events])
        cursor.execute("""
            INSERT INTO contracts_contractstatuschange (contract_id, from_status, to_status, reason, by_id, at)
            SELECT c.id, '', %s, %s, %s, now() FROM unnest(%s::bigint[]) AS c(id)
        """, [ContractStatus.PROPOSED.value, str(_("Allocated")), by_id,
              [contract.pk for _request, contracts in allocations for contract in contracts]])
    workers_follow_contracts(workers=[workers[pk] for pk in reasons], to=WorkerStatus.SELECTED, by=by,
                             reason=reasons)


def _insert_contracts(contracts: list[Contract]) -> None:
    """One INSERT for many new contracts (sets their ids): the request's terms are already copied
    on each; a season's commit inserts 10,000 at once, which ``bulk_create`` spends seconds of
    Python on. The exclusion constraint checks every row as usual."""
    columns = ("request_id", "worker_id", "program_id", "season", "start_date", "end_date", "wage_amount",
               "wage_currency", "hours_per_week", "status", "worker_status_before", "score", "created_by_id")
    types = ("bigint", "bigint", "bigint", "smallint", "date", "date", "numeric", "varchar", "smallint", "varchar",
             "varchar", "jsonb", "bigint")
    values = [[getattr(contract, column) for contract in contracts] for column in columns]
    values[columns.index("score")] = [json.dumps(contract.score) for contract in contracts]
    with connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO contracts_contract (created_at, updated_at, public_id, version, {", ".join(columns)})
            SELECT now(), now(), gen_random_uuid(), 1, {", ".join(f"a.{column}" for column in columns)}
            FROM unnest({", ".join(f"%s::{kind}[]" for kind in types)}) WITH ORDINALITY AS a({", ".join(columns)}, n)
            ORDER BY a.n
            RETURNING id, public_id, created_at
        """, values)  # noqa: S608 - fixed column names; every value is a parameter
        for contract, (pk, public_id, created_at) in zip(contracts, cursor.fetchall(), strict=True):
            contract.pk, contract.public_id = pk, public_id
            contract.created_at = contract.updated_at = created_at
            contract._state.adding = False


def contracts_allocate_many(allocations: list[tuple[WorkerRequest, list[int], dict[int, dict]]], *,
                            by: User | None) -> dict[int, list[Contract]]:
    """Season allocation's commit: for each (request, worker ids, their scores), propose the
    contracts, all requests in one transaction and each table in one statement, all or nothing.

    The caller (``contracts.season``) ranked with every eligibility rule and kept its own picks
    apart; the locks and the database still have the last word: a request no longer open or
    short of places, or a worker taken meanwhile (the exclusion constraint), is a ``Conflict``
    and nothing is written. Returns the new contracts by request id."""
    allocations = [(request, ids, scores) for request, ids, scores in allocations if ids]
    if not allocations:
        return {}
    with transaction.atomic():
        current = {request.pk: request for request in WorkerRequest.objects.select_for_update(of=("self",))
                   .select_related("program").filter(pk__in=[request.pk for request, _ids, _s in allocations])
                   .order_by("pk")}
        live = request_fill_counts(list(current))
        for request, ids, _scores in allocations:
            locked = current[request.pk]
            left = locked.workers_requested - live.get(request.pk, 0)
            if locked.status not in ALLOCATABLE or len(ids) > left:
                raise Conflict(_("Request %(number)s has %(left)s places left; %(count)s workers were chosen.")
                               % {"number": locked.number, "left": max(left, 0), "count": len(ids)}, field="workers")
        workers = {worker.pk: worker for worker in lock_workers(sorted({pk for _r, ids, _s in allocations
                                                                           for pk in ids}), only=WORKER_FIELDS)}
        contracts = {request.pk: [_proposed(current[request.pk], workers[pk], scores.get(pk, {}), by) for pk in ids]
                     for request, ids, scores in allocations}
        try:
            with transaction.atomic():
                _insert_contracts([contract for rows in contracts.values() for contract in rows])
        except IntegrityError as error:
            if "contract_no_overlap" not in str(error):
                raise
            raise Conflict(_("A worker already has a contract over these dates."), field="workers") from error
        _record_allocations([(current[pk], rows) for pk, rows in contracts.items()], workers, by)
    return contracts


def _proposed(request: WorkerRequest, worker: Worker, score: dict, by: User | None) -> Contract:
    """A new contract proposed to ``worker`` on the terms of ``request``."""
    return Contract(request=request, worker=worker, program=request.program, season=request.season,
                    start_date=request.start_date, end_date=request.end_date, wage_amount=request.wage_amount,
                    wage_currency=request.wage_currency, hours_per_week=request.hours_per_week,
                    worker_status_before=worker.status, score=score, created_by=by)


def request_fill_counts(requests) -> dict[int, int]:
    """Live contracts per request id, in one query."""
    rows = (Contract.objects.live().filter(request__in=requests).values("request_id")
            .annotate(count=Count("id")))
    return {row["request_id"]: row["count"] for row in rows}
