"""generate_data's contracts step: past seasons of returned contracts that never overlap, and the
coming season's approved requests naming workers of the same employer, ready for allocation."""

import datetime

import pytest
from django.core.management import call_command
from django.db.models import Count, F

from contracts.models import Contract, ContractStatus, ContractStatusChange
from contracts.ranking import candidates
from contracts.services import contracts_allocate
from employers.models import Employer, NamedWorker, RequestStatus, WorkerRequest
from workers.generator import generated_workers, uuid_range
from workers.models import Worker

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 11, 27)
SEED = 11


def generate(program, *extra):
    call_command("generate_data", "--workers", "600", "--seed", str(SEED), "--as-of", AS_OF.isoformat(),
                 "--requests", "12", "--places", "120", *extra, verbosity=0)


def generated(model):
    return model.objects.filter(public_id__range=uuid_range(SEED))


def test_past_seasons_are_returned_contracts_that_never_overlap(program):
    generate(program)
    contracts = generated(Contract)
    assert contracts.count() == 2 * 120
    assert set(contracts.values_list("status", flat=True)) == {ContractStatus.RETURNED}
    assert sorted(set(contracts.values_list("season", flat=True))) == [2025, 2026]
    assert all(1 <= rating <= 5 for rating in contracts.values_list("employer_rating", flat=True))
    on_time = contracts.filter(returned_on_time=True).count()
    assert 0.75 * contracts.count() <= on_time < contracts.count()
    assert contracts.filter(end_date__gte=AS_OF).count() == 0
    # One contract per worker and season (seasons are apart), so the exclusion constraint held.
    assert not contracts.values("worker", "season").annotate(n=Count("id")).filter(n__gt=1).exists()
    # Most of an employer's crew comes back the next season.
    returning = contracts.filter(season=2026, worker__contracts__season=2025,
                                 worker__contracts__request__employer=F("request__employer")).distinct().count()
    assert returning > 20
    assert ContractStatusChange.objects.filter(contract__in=contracts).count() == contracts.count()
    for request in generated(WorkerRequest).filter(season__lt=2027):
        assert request.status == RequestStatus.FILLED
        assert request.contracts.count() == request.workers_requested


def test_coming_season_requests_name_workers_of_the_same_employer_and_can_be_allocated(program, administrator):
    generate(program)
    coming = generated(WorkerRequest).filter(status=RequestStatus.APPROVED)
    assert coming.count() == 12
    assert sum(coming.values_list("workers_requested", flat=True)) == 120
    assert all(request.start_date >= AS_OF + datetime.timedelta(days=program.request_lead_days) for request in coming)
    named = NamedWorker.objects.filter(request__in=coming).select_related("request")
    assert named.exists()
    for row in named:
        assert Contract.objects.filter(worker=row.worker_id, request__employer=row.request.employer_id).exists()
    assert generated(Employer).filter(status=Employer.Status.APPROVED).count() == 3

    request = coming.filter(named_workers__isnull=False).first()
    ranking = candidates(request, limit=request.workers_requested)
    assert ranking, "generated workers are eligible for the coming season"
    named_ids = set(request.named_workers.values_list("worker_id", flat=True))
    eligible_named = [candidate for candidate in ranking if candidate.worker.pk in named_ids]
    assert ranking[:len(eligible_named)] == eligible_named
    made = contracts_allocate(request=request, workers=[candidate.worker for candidate in ranking], by=None,
                              check=False)
    assert len(made) == len(ranking)


def test_reset_deletes_the_generated_employers_requests_and_contracts(program):
    generate(program)
    assert generated(Contract).exists()
    call_command("generate_data", "--reset", verbosity=0)
    assert not generated_workers().exists()
    for model in (Contract, WorkerRequest, Employer):
        assert not generated(model).exists()


@pytest.mark.parametrize("limit", [1, 5, 40])
def test_candidates_ranked_in_batches_are_exactly_the_top_of_the_ranking(program, monkeypatch, limit):
    from contracts import ranking

    generate(program)
    monkeypatch.setattr(ranking, "MIN_BATCH", 1)  # batches of 4 × limit: the bounds must prune right
    for request in generated(WorkerRequest).filter(status=RequestStatus.APPROVED).order_by("id")[:4]:
        expected = [(row.worker.pk, row.score) for row in ranking.ranked_workers(request)[:limit]]
        assert [(c.worker.pk, c.score) for c in candidates(request, limit=limit)] == expected


def test_bounds_in_memory_equal_the_bounds_in_sql(program):
    """The history's bounds come from the cached copy (``_history_bounds``); every worker's must
    equal what :data:`BOUND_SQL` gives the same worker over the whole pool, named ones included."""
    from contracts import ranking
    from employers.models import NamedWorker
    from twp.models import User

    generate(program)
    requests = generated(WorkerRequest).filter(status=RequestStatus.APPROVED).order_by("id")[:4]
    # A worker named who never worked a contract: not in the history, bounded all the same.
    newcomer = generated_workers().exclude(pk__in=Contract.objects.values("worker_id")).order_by("id").first()
    NamedWorker.objects.create(request=requests[0], worker=newcomer, added_by=User.objects.first())
    for request in requests:
        terms = ranking.RequestTerms.of(request)
        in_sql = dict(ranking._bounds(request, terms, Worker.objects.all(), 10_000, scope="pool"))
        in_memory = ranking._bounds(request, terms, Worker.objects.all(), 10_000, scope="history")
        assert in_memory and terms.named_ids <= {pk for pk, _bound in in_memory}
        assert in_memory == sorted(((pk, in_sql[pk]) for pk, _bound in in_memory), key=lambda row: (-row[1], row[0]))


def test_no_candidates_from_an_empty_pool(program):
    generate(program)
    request = generated(WorkerRequest).filter(status=RequestStatus.APPROVED).first()
    assert candidates(request, Worker.objects.none()) == []


def test_the_array_form_of_eligibility_agrees_with_its_sql(program):
    """Season allocation answers eligibility in memory (each rule's ``mask``): for generated
    workers, documents, certificates and contracts, exactly the workers the SQL filter keeps."""
    from certification.models import Certificate
    from employers.worker_requests import _requirements
    from tests.factories import SchemeFactory
    from workers.eligibility import Requirements, WorkerTable, eligible_mask, eligible_workers

    scheme = SchemeFactory()
    generate(program)
    assert Certificate.objects.filter(scheme=scheme).exists()
    request = generated(WorkerRequest).filter(status=RequestStatus.APPROVED).order_by("id").first()
    past = generated(Contract).order_by("id").first()
    questions = [(request.start_date, request.end_date, _requirements(request)),
                 (request.start_date, request.end_date, Requirements(certification_scheme_ids=(scheme.pk,))),
                 (past.start_date, past.end_date, Requirements()),  # the past contracts overlap
                 (AS_OF, AS_OF + datetime.timedelta(weeks=30), Requirements())]
    table = WorkerTable(Worker.objects.all())
    for start, end, requirements in questions:
        expected = set(eligible_workers(Worker.objects.all(), program=program, start=start, end=end,
                                        requirements=requirements).values_list("pk", flat=True))
        mask = eligible_mask(table, program=program, start=start, end=end, requirements=requirements)
        assert set(table.ids[mask].tolist()) == expected
        assert 0 < len(expected) < len(table)
