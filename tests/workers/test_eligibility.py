"""Each eligibility rule produces its reason; the SQL filter agrees with the per-worker answer."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import DocumentFactory, WorkerFactory
from workers.eligibility import check_eligibility, eligible_workers
from workers.models import DocumentKind, Worker, WorkerStatus

pytestmark = pytest.mark.django_db

START = datetime.date(2027, 4, 1)
END = datetime.date(2027, 10, 1)


def fully_documented(worker, verifier):
    """Verified passport valid past END + margin, a recent medical approval, a background check."""
    now = timezone.now()
    DocumentFactory(worker=worker, kind=DocumentKind.PASSPORT, expires_on=datetime.date(2030, 1, 1),
                    verified_by=verifier, verified_at=now)
    DocumentFactory(worker=worker, kind=DocumentKind.MEDICAL, number="", issued_on=datetime.date(2027, 1, 15),
                    expires_on=None, verified_by=verifier, verified_at=now)
    DocumentFactory(worker=worker, kind=DocumentKind.BACKGROUND_CHECK, number="", issued_on=datetime.date(2026, 12, 1),
                    expires_on=None, verified_by=verifier, verified_at=now)
    return worker


def reasons(worker, program):
    worker = Worker.objects.prefetch_related("documents").get(pk=worker.pk)
    return check_eligibility(worker=worker, program=program, start=START, end=END).codes


def sql_says_eligible(worker, program) -> bool:
    return eligible_workers(Worker.objects.filter(pk=worker.pk), program=program, start=START, end=END).exists()


@pytest.fixture
def documented_worker(staff_tlaxcala):
    return fully_documented(WorkerFactory(), staff_tlaxcala)


def test_a_fully_documented_adult_is_eligible(documented_worker, program):
    assert reasons(documented_worker, program) == []
    assert sql_says_eligible(documented_worker, program)


def test_a_worker_without_documents_gets_each_document_reason(program):
    worker = WorkerFactory()
    assert reasons(worker, program) == ["passport_missing_or_expiring", "medical_missing_or_outdated",
                                        "background_check_missing"]
    assert not sql_says_eligible(worker, program)


def test_a_passport_expiring_inside_the_margin_does_not_count(documented_worker, program):
    passport = documented_worker.documents.get(kind=DocumentKind.PASSPORT)
    passport.expires_on = END + datetime.timedelta(days=program.passport_validity_margin_days - 1)
    passport.save()
    assert reasons(documented_worker, program) == ["passport_missing_or_expiring"]
    assert not sql_says_eligible(documented_worker, program)


def test_an_unverified_passport_does_not_count(documented_worker, program):
    documented_worker.documents.filter(kind=DocumentKind.PASSPORT).update(verified_at=None, verified_by=None)
    assert reasons(documented_worker, program) == ["passport_missing_or_expiring"]


def test_a_medical_approval_older_than_the_program_allows_does_not_count(documented_worker, program):
    documented_worker.documents.filter(kind=DocumentKind.MEDICAL).update(
        issued_on=START - datetime.timedelta(days=program.medical_approval_max_age_days + 1)
    )
    assert reasons(documented_worker, program) == ["medical_missing_or_outdated"]
    assert not sql_says_eligible(documented_worker, program)


def test_a_missing_background_check_is_a_reason(documented_worker, program):
    documented_worker.documents.filter(kind=DocumentKind.BACKGROUND_CHECK).delete()
    assert reasons(documented_worker, program) == ["background_check_missing"]
    assert not sql_says_eligible(documented_worker, program)


def test_a_worker_under_the_minimum_age_on_the_start_date_is_not_eligible(staff_tlaxcala, program):
    minor = fully_documented(WorkerFactory(birth_date=datetime.date(2009, 4, 2), sex="H"), staff_tlaxcala)
    assert reasons(minor, program) == ["under_minimum_age"]
    assert not sql_says_eligible(minor, program)
    birthday = fully_documented(WorkerFactory(birth_date=datetime.date(2009, 4, 1)), staff_tlaxcala)
    assert reasons(birthday, program) == []
    assert sql_says_eligible(birthday, program)


@pytest.mark.parametrize("status", [WorkerStatus.SUSPENDED, WorkerStatus.INELIGIBLE])
def test_a_suspended_or_ineligible_worker_is_not_eligible(documented_worker, program, status):
    Worker.objects.filter(pk=documented_worker.pk).update(status=status, status_reason="Under investigation")
    assert reasons(documented_worker, program) == ["status_blocked"]
    assert not sql_says_eligible(documented_worker, program)


def test_a_deactivated_worker_is_not_eligible(documented_worker, program):
    Worker.objects.filter(pk=documented_worker.pk).update(is_active=False)
    assert reasons(documented_worker, program) == ["inactive"]
    assert not sql_says_eligible(documented_worker, program)


def test_every_reason_has_a_translated_message(program):
    from django.utils import translation

    worker = WorkerFactory()
    with translation.override("es"):
        result = check_eligibility(worker=worker, program=program, start=START, end=END)
        assert [str(reason.message) for reason in result.reasons] == [
            "No hay un pasaporte verificado vigente hasta 2027-10-31.",
            "No hay una aprobación médica verificada emitida a partir de 2026-10-03.",
            "No hay una verificación de antecedentes verificada.",
        ]


def test_eligibility_endpoint_answers_with_codes_and_messages(api_as, staff_tlaxcala, program):
    worker = WorkerFactory()
    response = api_as(staff_tlaxcala).get(
        f"/api/v1/workers/{worker.public_id}/eligibility/",
        {"program": program.pk, "start": START.isoformat(), "end": END.isoformat()}, HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["eligible"] is False
    assert [reason["code"] for reason in body["reasons"]] == ["passport_missing_or_expiring",
                                                               "medical_missing_or_outdated",
                                                               "background_check_missing"]
    assert body["reasons"][0]["message"] == "No verified passport valid until 2027-10-31."


def test_the_list_filters_by_eligibility(api_as, staff_tlaxcala, documented_worker, program):
    WorkerFactory()
    response = api_as(staff_tlaxcala).get("/api/v1/workers/", {
        "eligible_program": program.pk, "eligible_start": START.isoformat(), "eligible_end": END.isoformat(),
    })
    assert [row["id"] for row in response.json()["results"]] == [str(documented_worker.public_id)]


def test_an_incomplete_eligibility_filter_is_a_400(api_as, staff_tlaxcala, program):
    response = api_as(staff_tlaxcala).get("/api/v1/workers/", {"eligible_program": program.pk})
    assert response.status_code == 400
    assert list(response.json()) == ["eligible_program"]
