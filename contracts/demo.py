"""Last season's demo contracts (``manage.py load_demo`` calls ``load_demo_contracts``).

Every worker named on last season's approved demo requests worked there: a ``returned``
contract over the request's dates, with the plain-data return and evaluation the ranking reads
(all came home on time but one; ratings from 5 down to 3), each rating recorded as the
employer's evaluation of the worker. Idempotent: a contract already there for a request and
worker is left as it is."""

from contracts.evaluations import CRITERIA
from contracts.models import Contract, ContractStatus, ContractStatusChange, Evaluation
from employers.models import NamedWorker, RequestStatus
from workers.models import WorkerStatus

DEMO_RATINGS = (5, 4, 5, 3, 4)


def load_demo_contracts(*, program, today, by) -> int:
    """Returned contracts for the named workers of last season's approved requests; how many were made."""
    named = (NamedWorker.objects.filter(request__program=program, request__status=RequestStatus.APPROVED,
                                        request__end_date__lt=today)
             .select_related("request", "worker").order_by("request__start_date", "id"))
    existing = set(Contract.objects.filter(request__in={row.request_id for row in named})
                   .values_list("request_id", "worker_id"))
    contracts = []
    for position, row in enumerate(named):
        if (row.request_id, row.worker_id) in existing:
            continue
        request = row.request
        contracts.append(Contract(
            request=request, worker=row.worker, program=program, season=request.season,
            start_date=request.start_date, end_date=request.end_date, wage_amount=request.wage_amount,
            wage_currency=request.wage_currency, hours_per_week=request.hours_per_week,
            status=ContractStatus.RETURNED, worker_status_before=WorkerStatus.ELIGIBLE,
            # The second named worker of the season stayed a week past the end.
            returned_on_time=position != 1, employer_rating=DEMO_RATINGS[position % len(DEMO_RATINGS)],
            created_by=by))
    Contract.objects.bulk_create(contracts)
    ContractStatusChange.objects.bulk_create([
        ContractStatusChange(contract=contract, from_status="", to_status=ContractStatus.RETURNED, by=by,
                             reason="")
        for contract in contracts
    ])
    Evaluation.objects.bulk_create([
        Evaluation(contract=contract, direction=Evaluation.Direction.OF_WORKER, overall=contract.employer_rating,
                   scores=dict.fromkeys(CRITERIA[Evaluation.Direction.OF_WORKER], contract.employer_rating),
                   would_repeat=contract.employer_rating >= 4, by=by)
        for contract in contracts
    ], ignore_conflicts=True)
    return len(contracts)
