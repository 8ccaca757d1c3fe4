"""Season allocation: every open request of a season filled by the ranking, named workers first,
oldest request first; a report that says why; a rerun that adds nothing twice."""

import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from contracts.models import AllocationRun, Contract, ContractStatus
from contracts.season import season_allocate, season_run_start
from contracts.services import contracts_allocate
from employers.models import NamedWorker, RequestStatus
from tests.factories import WorkerFactory, WorkerRequestFactory, fully_documented, next_season_start
from twp.exceptions import Conflict
from workers.models import WorkerStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def eligible(verifier, **fields):
    return fully_documented(WorkerFactory(status=WorkerStatus.ELIGIBLE, **fields), verifier, start=next_season_start())


def approved(program, employer, *, places, submitted_days_ago=0, **fields):
    fields.setdefault("season", next_season_start().year)  # also for the ones starting before May
    return WorkerRequestFactory(program=program, employer=employer, status=RequestStatus.APPROVED,
                                workers_requested=places,
                                submitted_at=timezone.now() - datetime.timedelta(days=submitted_days_ago), **fields)


def name(request, worker, by):
    NamedWorker.objects.create(request=request, worker=worker, added_by=by)


def entry_of(run, request):
    return next(entry for entry in run.report if entry["request"] == str(request.public_id))


def allocate(program, administrator):
    return season_allocate(program=program, season=next_season_start().year, by=administrator)


def test_the_report_says_what_each_request_got_and_why(program, employer_a, employer_b, administrator):
    first = approved(program, employer_a, places=2, submitted_days_ago=10)
    second = approved(program, employer_b, places=2, submitted_days_ago=5)
    named = eligible(administrator, first_names="Nombrado")
    other = eligible(administrator, first_names="Otro")
    undocumented = WorkerFactory(status=WorkerStatus.ELIGIBLE, first_names="Sinpapeles")
    name(first, named, administrator)
    name(second, undocumented, administrator)

    run = allocate(program, administrator)

    assert (run.status, run.total, run.processed, run.added) == ("done", 2, 2, 2)
    assert [entry["request"] for entry in run.report] == [str(first.public_id), str(second.public_id)]
    filled = entry_of(run, first)
    assert (filled["outcome"], filled["had"], filled["added"], filled["reasons"]) == ("filled", 0, 2, [])
    assert filled["workers"][0]["name"] == named.full_name
    empty = entry_of(run, second)
    assert (empty["outcome"], empty["added"]) == ("not_filled", 0)
    assert empty["reasons"][0].startswith(f"Named worker {undocumented.full_name} cannot go: ")
    assert "passport" in empty["reasons"][0].lower()
    assert empty["reasons"][-1] == "No eligible candidates."
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (RequestStatus.FILLED, RequestStatus.APPROVED)
    contract = Contract.objects.get(worker=named)
    assert contract.status == ContractStatus.PROPOSED and contract.score["named"] > 0
    assert contract.created_by == administrator
    assert first.timeline.filter(kind="worker_assigned").count() == 2
    other.refresh_from_db()
    assert other.status == WorkerStatus.SELECTED


def test_named_workers_go_first_and_older_requests_choose_first(program, employer_a, employer_b, administrator):
    veteran = eligible(administrator, first_names="Veterano")
    newcomer = eligible(administrator, first_names="Nuevo")
    # Filed later but created first (lower id): the order is by submission.
    later = approved(program, employer_b, places=1, submitted_days_ago=1)
    earlier = approved(program, employer_a, places=1, submitted_days_ago=30)
    name(later, newcomer, administrator)
    run = allocate(program, administrator)
    assert [entry["number"] for entry in run.report] == [earlier.number, later.number]
    # The earlier request names nobody: it takes the best-ranked (the longest-registered on a tie);
    # the later one names the newcomer, who goes first there even if the veteran were free.
    assert set(Contract.objects.values_list("request_id", "worker_id")) == {
        (earlier.pk, veteran.pk), (later.pk, newcomer.pk)}


def test_no_worker_gets_two_overlapping_contracts_in_one_run(program, employer_a, employer_b, administrator):
    workers = [eligible(administrator) for _ in range(3)]
    requests = [approved(program, employer, places=2, submitted_days_ago=days)
                for employer, days in ((employer_a, 3), (employer_b, 2), (employer_a, 1))]
    # The third ends when the first two start: back to back, the same workers may go again.
    requests[2].start_date = requests[0].start_date - datetime.timedelta(weeks=8)
    requests[2].end_date = requests[0].start_date
    requests[2].save()
    run = allocate(program, administrator)
    assert [entry["added"] for entry in run.report] == [2, 1, 2]
    assert entry_of(run, requests[1])["reasons"] == ["Only 1 eligible candidate for 2 places."]
    for worker in workers:
        ranges = sorted(Contract.objects.filter(worker=worker).values_list("start_date", "end_date"))
        assert all(end <= start for (_, end), (start, _) in itertools.pairwise(ranges))


def test_rerunning_adds_nothing_twice_and_fills_only_the_places_left(program, employer_a, administrator):
    request = approved(program, employer_a, places=3)
    done = approved(program, employer_a, places=1, start_date=next_season_start() - datetime.timedelta(weeks=20),
                    end_date=next_season_start() - datetime.timedelta(weeks=12))
    first = eligible(administrator)
    allocate(program, administrator)
    assert Contract.objects.count() == 2  # one worker on both: their dates do not overlap
    second, third = eligible(administrator), eligible(administrator)
    run = allocate(program, administrator)
    entry = entry_of(run, request)
    assert (entry["outcome"], entry["had"], entry["added"]) == ("filled", 1, 2)
    # Filled requests are no longer open: the run does not even look at them.
    assert [entry["request"] for entry in run.report] == [str(request.public_id)]
    done.refresh_from_db()
    assert done.status == RequestStatus.FILLED
    assert set(Contract.objects.filter(request=request).values_list("worker_id", flat=True)) == {
        first.pk, second.pk, third.pk}
    again = allocate(program, administrator)
    assert (again.status, again.total, again.added, again.report) == ("done", 0, 0, [])
    assert Contract.objects.count() == 4


def test_no_substitutes_places_only_the_named_workers(program, employer_a, administrator):
    request = approved(program, employer_a, places=2, no_substitutes=True)
    named = eligible(administrator)
    eligible(administrator)  # free, but not named
    name(request, named, administrator)
    run = allocate(program, administrator)
    entry = entry_of(run, request)
    assert (entry["outcome"], entry["added"]) == ("partially_filled", 1)
    assert entry["reasons"][0] == "No substitutes: only the named workers may go."
    assert list(Contract.objects.values_list("worker_id", flat=True)) == [named.pk]


def test_a_worker_taken_by_staff_meanwhile_is_not_taken_twice(program, employer_a, employer_b, administrator):
    request = approved(program, employer_a, places=1)
    worker = eligible(administrator)
    elsewhere = approved(program, employer_b, places=1)
    contracts_allocate(request=elsewhere, workers=[worker], by=administrator)
    run = allocate(program, administrator)
    assert entry_of(run, request)["outcome"] == "not_filled"
    assert Contract.objects.filter(worker=worker).count() == 1


def test_only_administrators_start_a_run_and_one_at_a_time(program, administrator, staff_ontario):
    season = next_season_start().year
    with pytest.raises(PermissionDenied):
        season_run_start(program=program, season=season, by=staff_ontario)
    run = season_run_start(program=program, season=season, by=administrator)
    assert run.status == AllocationRun.Status.PENDING
    with pytest.raises(Conflict, match="already being allocated"):
        season_run_start(program=program, season=season, by=administrator)


def test_the_task_run_twice_does_the_work_once(program, employer_a, administrator):
    from contracts.tasks import season_allocate_task

    approved(program, employer_a, places=2)
    eligible(administrator), eligible(administrator)
    run = season_run_start(program=program, season=next_season_start().year, by=administrator)
    assert season_allocate_task(run.pk) == "done"
    state = Contract.objects.count(), AllocationRun.objects.get(pk=run.pk).report
    assert season_allocate_task(run.pk) == "done"
    assert (Contract.objects.count(), AllocationRun.objects.get(pk=run.pk).report) == state
    assert state[0] == 2


def test_an_interrupted_run_resumes_after_the_requests_it_reported(program, employer_a, administrator, monkeypatch):
    from contracts import season

    requests = [approved(program, employer_a, places=1, submitted_days_ago=days,
                         start_date=next_season_start() - datetime.timedelta(weeks=7 * index + 6),
                         end_date=next_season_start() - datetime.timedelta(weeks=7 * index))
                for index, days in enumerate((3, 2, 1))]
    eligible(administrator)
    monkeypatch.setattr(season, "SAVE_EVERY", 1)
    real = season._plan_request
    calls = []

    def die_on_the_third(request, *args, **kwargs):
        calls.append(request.pk)
        if len(calls) == 3:
            raise RuntimeError("worker killed")
        return real(request, *args, **kwargs)

    monkeypatch.setattr(season, "_plan_request", die_on_the_third)
    run = season_run_start(program=program, season=next_season_start().year, by=administrator)
    with pytest.raises(RuntimeError):
        season.season_run_execute(run_id=run.pk)
    # The worker died for real: the run stays running, and Redis hands the task out again.
    AllocationRun.objects.filter(pk=run.pk).update(status="running", error="", finished_at=None)
    assert AllocationRun.objects.get(pk=run.pk).processed == 2
    monkeypatch.setattr(season, "_plan_request", real)
    run = season.season_run_execute(run_id=run.pk)
    assert (run.status, run.processed, run.added) == ("done", 3, 3)
    assert [entry["number"] for entry in run.report] == [request.number for request in requests]
    assert Contract.objects.count() == 3


def test_the_season_ranks_as_staff_see_it(program, employer_a, employer_b, administrator):
    from contracts.ranking import candidates
    from tests.contracts.test_ranking import past_contract

    request = approved(program, employer_a, places=3)
    workers = [eligible(administrator) for _ in range(6)]
    past_contract(workers[4], employer_a, program, rating=5)
    past_contract(workers[2], employer_b, program, rating=2)
    past_contract(workers[5], employer_b, program, on_time=False)
    name(request, workers[3], administrator)
    expected = [(candidate.worker.pk, candidate.score, candidate.parts) for candidate in candidates(request, limit=3)]
    run = allocate(program, administrator)
    placed = Contract.objects.filter(request=request).order_by("-score__score", "worker_id")
    assert [(contract.worker_id, contract.score["score"], {part: contract.score[part] for part in expected[0][2]})
            for contract in placed] == expected
    assert [worker["score"] for worker in entry_of(run, request)["workers"]] == [score for _, score, _ in expected]


def test_a_batch_refused_by_the_database_is_committed_request_by_request(program, employer_a, employer_b,
                                                                         administrator, monkeypatch):
    """Staff take a worker between the run's eligibility questions and its commit: the batch's
    single transaction fails on the exclusion constraint; the other requests still get theirs."""
    from contracts import season

    first = approved(program, employer_a, places=1, submitted_days_ago=2)
    second = approved(program, employer_b, places=1, submitted_days_ago=1)
    elsewhere = approved(program, employer_b, places=1, submitted_days_ago=0, season=next_season_start().year + 1)
    workers = [eligible(administrator), eligible(administrator)]
    real = season._named_unavailable

    def staff_first(plans, state, chosen):
        # Runs after the eligibility questions, before the batch's transaction.
        taken = next(iter(chosen[first.pk]))
        elsewhere.start_date, elsewhere.end_date = first.start_date, first.end_date
        elsewhere.save()
        contracts_allocate(request=elsewhere, workers=[w for w in workers if w.pk == taken], by=administrator)
        return real(plans, state, chosen)

    monkeypatch.setattr(season, "_named_unavailable", staff_first)
    run = allocate(program, administrator)
    refused, committed = entry_of(run, first), entry_of(run, second)
    assert (refused["outcome"], refused["added"]) == ("not_filled", 0)
    assert "already has a contract" in refused["reasons"][-1]
    assert (committed["outcome"], committed["added"]) == ("filled", 1)
    assert run.added == 1
    assert Contract.objects.filter(request=first).count() == 0
    assert Contract.objects.filter(request=second).count() == 1


@pytest.mark.django_db(transaction=True)
def test_batches_commit_on_their_own_thread_as_the_next_ones_are_ranked(program, employer_a, employer_b,
                                                                         administrator, monkeypatch):
    """Outside a transaction (as in the Celery task) commits run on a thread of their own: the
    same contracts and report, in order, as committing in line."""
    import threading

    from contracts import season

    monkeypatch.setattr(season, "SAVE_EVERY", 1)  # every request its own batch, through the thread
    threads = []
    real = season._commit

    def on_which_thread(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(season, "_commit", on_which_thread)
    requests = [approved(program, employer, places=2, submitted_days_ago=days)
                for days, employer in zip((4, 3, 2, 1), itertools.cycle((employer_a, employer_b)))]
    workers = [eligible(administrator) for _ in range(7)]
    name(requests[1], workers[6], administrator)
    run = allocate(program, administrator)
    assert threads == ["season-commit"] * 4
    assert (run.status, run.processed, run.added) == ("done", 4, 7)
    assert [entry["number"] for entry in run.report] == [request.number for request in requests]
    assert [entry["outcome"] for entry in run.report] == ["filled", "filled", "filled", "partially_filled"]
    # In the run's language (English here), not the site's default: the thread has its own.
    assert run.report[-1]["reasons"] == ["Only 1 eligible candidate for 2 places."]
    assert Contract.objects.filter(request=requests[1], worker=workers[6]).exists()
    assert Contract.objects.values("worker").distinct().count() == 7  # nobody twice: same dates


@pytest.mark.django_db(transaction=True)
def test_an_error_on_the_commit_thread_fails_the_run(program, employer_a, administrator, monkeypatch):
    from contracts import season

    monkeypatch.setattr(season, "SAVE_EVERY", 1)
    requests = [approved(program, employer_a, places=1, submitted_days_ago=days) for days in (3, 2, 1)]
    for _ in range(3):
        eligible(administrator)
    real = season._commit

    def fail_the_second(run, plans, *args, **kwargs):
        if plans[0].request.pk == requests[1].pk:
            raise RuntimeError("database gone")
        return real(run, plans, *args, **kwargs)

    monkeypatch.setattr(season, "_commit", fail_the_second)
    with pytest.raises(RuntimeError, match="database gone"):
        allocate(program, administrator)
    run = AllocationRun.objects.get()
    assert (run.status, run.processed) == ("failed", 1)
    assert [entry["number"] for entry in run.report] == [requests[0].number]
    assert Contract.objects.filter(request=requests[2]).count() == 0
