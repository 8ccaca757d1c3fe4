"""Allocation: workers placed on a request as proposed contracts, conflict-free.

Every change to contracts goes through a function here. The database has the last word on
overlaps (``contract_no_overlap``); the locks taken first make every loser of a race see a clean
conflict instead of a deadlock."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, ContractStatus, ContractStatusChange
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


def lock_workers(ids: list[int]) -> list[Worker]:
    """The worker rows, locked in id order: concurrent allocations of one worker queue here
    instead of meeting in the exclusion constraint, where some would deadlock."""
    return list(Worker.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


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
        contracts = [
            Contract(request=current, worker=worker, program=current.program, season=current.season,
                     start_date=current.start_date, end_date=current.end_date, wage_amount=current.wage_amount,
                     wage_currency=current.wage_currency, hours_per_week=current.hours_per_week,
                     worker_status_before=worker.status, score=(scores or {}).get(worker.pk, {}), created_by=by)
            for worker in locked
        ]
        try:
            with transaction.atomic():
                Contract.objects.bulk_create(contracts)
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
    """The request's fill status, the timeline, the contracts' first event and the workers'
    status, each set-based."""
    live = request.contracts.live().count()
    status = RequestStatus.FILLED if live >= request.workers_requested else RequestStatus.PARTIALLY_FILLED
    previous = request.status
    if status != previous:
        WorkerRequest.objects.filter(pk=request.pk).update(status=status, version=F("version") + 1)
    RequestEvent.objects.bulk_create([
        RequestEvent(request=request, kind=RequestEvent.Kind.WORKER_ASSIGNED, by=by,
                     from_status=previous, to_status=status,
                     details={"worker": str(contract.worker.public_id), "name": contract.worker.full_name,
                              "contract": str(contract.public_id)})
        for contract in contracts
    ])
    ContractStatusChange.objects.bulk_create([
        ContractStatusChange(contract=contract, from_status="", to_status=ContractStatus.PROPOSED, by=by,
                      reason=str(_("Allocated")))
        for contract in contracts
    ])
    workers_follow_contracts(workers=workers, to=WorkerStatus.SELECTED, by=by,
                             reason=str(_("Selected for request %(number)s") % {"number": request.number}))


def request_fill_counts(requests) -> dict[int, int]:
    """Live contracts per request id, in one query."""
    rows = (Contract.objects.live().filter(request__in=requests).values("request_id")
            .annotate(count=Count("id")))
    return {row["request_id"]: row["count"] for row in rows}
