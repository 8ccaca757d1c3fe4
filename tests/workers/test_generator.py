"""generate_data: realistic, deterministic workers whose CURPs and NSS pass our own validators."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from stdnum import luhn

from tests.factories import UserFactory
from twp.models import Role
from workers.generator import (
    GenerationError,
    curp_stem,
    delete_generated,
    generate_workers,
    generated_workers,
)
from workers.models import Document, Worker, WorkerLanguage, search_text
from workers.validators import RENAPO_STATE_CODES, curp_birth_date, validate_curp, validate_nss

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 11, 27)
SEED = 7


@pytest.fixture
def verifier(db):
    return UserFactory(username="verifier", role=Role.ADMINISTRATOR, office=None)


@pytest.fixture
def sample(verifier):
    generate_workers(count=400, seed=SEED, as_of=AS_OF, verifier=verifier, chunk_size=150)
    return list(generated_workers(SEED).order_by("id"))


def worker_rows(seed):
    """Everything generated for a seed except database ids, which depend on what ran before."""
    workers = list(generated_workers(seed).order_by("public_id").values())
    for row in workers:
        row.pop("id")
    documents = list(
        Document.objects.filter(worker__in=generated_workers(seed))
        .order_by("public_id")
        .values("public_id", "worker__public_id", "kind", "number", "issued_on", "expires_on", "verified_at")
    )
    occupations = sorted(
        Worker.occupations.through.objects.filter(worker__in=generated_workers(seed)).values_list(
            "worker__public_id", "occupation__code"
        )
    )
    languages = sorted(
        WorkerLanguage.objects.filter(worker__in=generated_workers(seed)).values_list(
            "worker__public_id", "language", "level"
        )
    )
    return workers, documents, occupations, languages


def test_same_seed_gives_the_same_rows(verifier):
    generate_workers(count=120, seed=SEED, as_of=AS_OF, verifier=verifier, chunk_size=50)
    first = worker_rows(SEED)
    delete_generated(SEED)
    assert not generated_workers(SEED).exists()
    generate_workers(count=120, seed=SEED, as_of=AS_OF, verifier=verifier, chunk_size=50)
    assert worker_rows(SEED) == first
    assert len(first[0]) == 120


def test_another_seed_gives_other_workers(verifier):
    generate_workers(count=50, seed=1, as_of=AS_OF, verifier=verifier)
    generate_workers(count=50, seed=2, as_of=AS_OF, verifier=verifier)
    first = set(generated_workers(1).values_list("curp", flat=True))
    second = set(generated_workers(2).values_list("curp", flat=True))
    assert len(first) == 50
    assert len(second) == 50
    assert len(first & second) < 5


def test_refuses_to_generate_a_seed_twice(verifier):
    generate_workers(count=10, seed=SEED, as_of=AS_OF, verifier=verifier)
    with pytest.raises(GenerationError):
        generate_workers(count=10, seed=SEED, as_of=AS_OF, verifier=verifier)
    assert generated_workers(SEED).count() == 10


def test_command_refuses_an_existing_seed_and_reset_deletes_only_generated_workers(verifier):
    call_command("generate_data", "--workers", "20", "--seed", "3", "--as-of", "2026-11-27", verbosity=0)
    with pytest.raises(CommandError):
        call_command("generate_data", "--workers", "20", "--seed", "3", verbosity=0)
    typed_by_staff = Worker.objects.create(
        curp="PEXJ800101HTLRXS09", first_names="José", paternal_surname="Pérez", birth_date=datetime.date(1980, 1, 1),
        sex="H", state_of_origin="TLA", search_name="JOSE PEREZ",
    )
    call_command("generate_data", "--reset", "--workers", "20", "--seed", "3", "--as-of", "2026-11-27", verbosity=0)
    assert generated_workers(3).count() == 20
    assert list(Worker.objects.exclude(pk__in=generated_workers()).values_list("pk", flat=True)) == [typed_by_staff.pk]


def test_every_curp_is_valid_and_matches_the_person(sample):
    for worker in sample:
        assert validate_curp(worker.curp) == worker.curp
        assert curp_birth_date(worker.curp) == worker.birth_date
        assert worker.curp[10] == worker.sex
        assert worker.curp[11:13] == RENAPO_STATE_CODES[worker.state_of_origin]
        assert worker.curp[:16] == curp_stem(
            first_names=worker.first_names, paternal_surname=worker.paternal_surname,
            maternal_surname=worker.maternal_surname, birth_date=worker.birth_date, sex=worker.sex,
            state=worker.state_of_origin,
        )
        # RENAPO's differentiator: a digit for births before 2000, a letter from 2000.
        assert worker.curp[16].isdigit() == (worker.birth_date.year < 2000)
    assert len({worker.curp for worker in sample}) == len(sample)


def test_workers_are_adults_up_to_sixty(sample):
    for worker in sample:
        age = AS_OF.year - worker.birth_date.year - ((AS_OF.month, AS_OF.day) < (worker.birth_date.month,
                                                                                 worker.birth_date.day))
        assert 18 <= age <= 60


def test_names_have_spanish_accents_and_search_name_is_unaccented(sample):
    names = " ".join(worker.full_name for worker in sample)
    assert any(letter in names for letter in "áéíóúñÁÉÍÓÚÑ")
    for worker in sample:
        assert worker.search_name == search_text(worker.first_names, worker.paternal_surname, worker.maternal_surname)


def test_most_workers_have_a_unique_luhn_valid_nss(sample):
    numbers = [worker.nss for worker in sample if worker.nss]
    assert len(numbers) > 0.85 * len(sample)
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert validate_nss(number) == number
        assert luhn.is_valid(number)


def test_states_follow_the_program_and_statuses_are_mostly_applicant_or_eligible(sample):
    states = [worker.state_of_origin for worker in sample]
    statuses = [worker.status for worker in sample]
    assert states.count("MEX") > states.count("JAL") > states.count("BCS")
    assert statuses.count("applicant") + statuses.count("eligible") > 0.75 * len(sample)
    assert statuses.count("returned") > 0
    assert {worker.sex for worker in sample} >= {"H", "M"}


def test_decided_workers_have_verified_passport_medical_and_background_check(sample, verifier):
    decided = [worker for worker in sample if worker.status in ("eligible", "selected", "abroad", "returned")]
    assert decided
    kinds = {}
    for document in Document.objects.filter(worker__in=decided):
        kinds.setdefault(document.worker_id, set()).add(document.kind)
        assert document.verified_by_id == verifier.pk
        assert document.verified_at is not None
    assert all(kinds[worker.pk] == {"passport", "medical", "background_check"} for worker in decided)
    passports = Document.objects.filter(worker__in=generated_workers(SEED), kind="passport")
    assert passports.filter(number="").count() == 0
    assert passports.filter(expires_on__isnull=True).count() == 0
    assert Document.objects.filter(worker__in=generated_workers(SEED), verified_at__isnull=True).exists()


def test_workers_have_occupations_and_some_speak_other_languages(sample):
    through = Worker.occupations.through.objects.filter(worker__in=generated_workers(SEED))
    assert set(through.values_list("worker_id", flat=True)) == {worker.pk for worker in sample}
    assert WorkerLanguage.objects.filter(worker__in=generated_workers(SEED)).exists()


def test_queries_grow_with_chunks_not_rows(verifier):
    # Per chunk: SET CONSTRAINTS, reserve ids, a savepoint and its release, plus four COPY statements
    # that CaptureQueriesContext does not see (counted by the result instead).
    with CaptureQueriesContext(connection) as small:
        small_result = generate_workers(count=60, seed=11, as_of=AS_OF, verifier=verifier, chunk_size=30)
    with CaptureQueriesContext(connection) as large:
        large_result = generate_workers(count=600, seed=12, as_of=AS_OF, verifier=verifier, chunk_size=300)
    assert small_result.chunks == large_result.chunks == 2
    assert len(large.captured_queries) == len(small.captured_queries)
    assert large_result.copy_statements == small_result.copy_statements == 8
    assert generated_workers(12).count() == 600


def test_demo_loads_two_hundred_workers_mostly_for_the_demo_state_offices_once():
    from twp.management.commands.load_demo import DEMO_WORKER_SEED

    call_command("load_demo")
    call_command("load_demo")
    demo = generated_workers(DEMO_WORKER_SEED)
    assert demo.count() == 200
    assert demo.filter(state_of_origin__in=["TLA", "MEX"]).count() > 150
