"""Certificates: issued with their validity, revoked on record, verifiable by anyone (and nothing more)."""

import datetime

import pytest

from certification.models import Certificate, Scheme
from certification.pdf import certificate_pdf
from certification.services import certificate_issue, certificate_revoke
from tests.factories import SchemeFactory, WorkerFactory
from tests.helpers import check_cell, matrix
from twp.exceptions import DomainError
from workers.eligibility import Requirements, check_eligibility, eligible_workers
from workers.models import Worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheme(db):
    return SchemeFactory()


@pytest.fixture
def certificate(worker_tlaxcala, scheme, staff_tlaxcala):
    return certificate_issue(worker=worker_tlaxcala, scheme=scheme, issued_on=datetime.date(2026, 3, 1),
                             by=staff_tlaxcala, score=92)


def test_a_certificate_is_valid_for_the_schemes_months(certificate):
    assert certificate.expires_on == datetime.date(2028, 2, 29)
    assert len(certificate.verification_code) == 16


def test_codes_are_unguessable_and_unique(worker_tlaxcala, scheme, staff_tlaxcala):
    codes = {certificate_issue(worker=worker_tlaxcala, scheme=scheme, issued_on=datetime.date(2026, 1, 1),
                               by=staff_tlaxcala).verification_code for _ in range(20)}
    assert len(codes) == 20


def test_revoking_records_who_why_and_when_and_only_once(certificate, staff_tlaxcala):
    certificate_revoke(certificate=certificate, by=staff_tlaxcala, reason="Score entered by mistake")
    certificate.refresh_from_db()
    assert (certificate.status, certificate.revoked_by, certificate.revocation_reason) == (
        "revoked", staff_tlaxcala, "Score entered by mistake")
    with pytest.raises(DomainError):
        certificate_revoke(certificate=certificate, by=staff_tlaxcala, reason="again")


def test_verification_reveals_the_holder_scheme_and_validity_only(client, certificate):
    response = client.get(f"/api/v1/certifications/verify/{certificate.verification_code.lower()}/",
                          HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.json() == {
        "code": certificate.verification_code, "status": "valid", "holder_name": "María Guadalupe Hernández Flores",
        "scheme": "Dairy milk-quality training", "issued_on": "2026-03-01", "expires_on": "2028-02-29",
    }


def test_unknown_and_revoked_codes_answer_in_the_same_shape(client, certificate, staff_tlaxcala):
    unknown = client.get("/api/v1/certifications/verify/ABCDEFGHJKMNPQRS/").json()
    assert unknown == {"code": "ABCDEFGHJKMNPQRS", "status": "unknown", "holder_name": None, "scheme": None,
                       "issued_on": None, "expires_on": None}
    certificate_revoke(certificate=certificate, by=staff_tlaxcala, reason="Fraud")
    revoked = client.get(f"/api/v1/certifications/verify/{certificate.verification_code}/").json()
    assert set(revoked) == set(unknown)
    assert revoked["status"] == "revoked"


def test_the_public_verification_page_shows_the_result(client, certificate):
    response = client.get("/verify/", {"code": certificate.verification_code}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert "Certificado vigente" in response.text
    assert certificate.worker.curp not in response.text


def test_the_pdf_carries_the_verification_code(certificate):
    pdf = certificate_pdf(certificate, language="en")
    assert pdf.startswith(b"%PDF")
    assert certificate.verification_code.encode() in pdf


START = datetime.date(2027, 4, 1)


def test_a_required_scheme_needs_a_valid_certificate_on_the_start_date(program, scheme, certificate,
                                                                         staff_tlaxcala):
    requirements = Requirements(certification_scheme_ids=(scheme.pk,))
    worker = Worker.objects.prefetch_related("documents").get(pk=certificate.worker_id)
    other = WorkerFactory()
    codes = check_eligibility(worker=worker, program=program, start=START, end=START.replace(month=9),
                              requirements=requirements).codes
    assert "certificate_missing" not in codes
    other_codes = check_eligibility(worker=other, program=program, start=START, end=START.replace(month=9),
                                    requirements=requirements).codes
    assert "certificate_missing" in other_codes
    # The SQL filter agrees on the certificate rule (documents aside, see the workers tests).
    from certification.eligibility import RequiredCertificatesRule
    from workers.eligibility import EligibilityQuestion

    question = EligibilityQuestion(program=program, start=START, end=START.replace(month=9),
                                   requirements=requirements)
    kept = RequiredCertificatesRule().exclude_ineligible(Worker.objects.all(), question)
    assert list(kept) == [worker]
    assert callable(eligible_workers)


@pytest.mark.parametrize("spoil", ["revoke", "expire"])
def test_an_expired_or_revoked_certificate_does_not_count(program, scheme, certificate, staff_tlaxcala, spoil):
    if spoil == "revoke":
        certificate_revoke(certificate=certificate, by=staff_tlaxcala, reason="Fraud")
    else:
        Certificate.objects.filter(pk=certificate.pk).update(expires_on=START - datetime.timedelta(days=1))
    worker = Worker.objects.prefetch_related("documents").get(pk=certificate.worker_id)
    codes = check_eligibility(worker=worker, program=program, start=START, end=START.replace(month=9),
                              requirements=Requirements(certification_scheme_ids=(scheme.pk,))).codes
    assert "certificate_missing" in codes


@pytest.mark.parametrize(
    "cell",
    matrix(
        ("GET", "/api/v1/certifications/", {"anonymous": 401, "employer_a": 403, "staff_tlaxcala": 200}),
        ("GET", "/api/v1/certifications/{certificate}/", {"anonymous": 401, "employer_a": 403, "staff_edomex": 404,
                                                          "staff_tlaxcala": 200, "administrator": 200}),
        ("POST", "/api/v1/certifications/{certificate}/revoke/", {"employer_a": 403, "staff_edomex": 404},
         {"reason": "x"}),
        ("GET", "/api/v1/certifications/schemes/", {"anonymous": 401, "employer_a": 200, "staff_tlaxcala": 200}),
        ("POST", "/api/v1/certifications/schemes/", {"staff_tlaxcala": 403, "administrator": 201},
         {"code": "forklift", "name_es": "Montacargas", "name_en": "Forklift", "validity_months": 12,
          "issuer": "STPS"}),
    ),
)
def test_certifications_matrix(cell, personas, staff_edomex, certificate):
    check_cell(cell, personas={**personas, "staff_edomex": staff_edomex},
               objects={"certificate": certificate.public_id},
               state=lambda: (list(Certificate.objects.values()), list(Scheme.objects.values())))


def test_staff_issue_a_certificate_through_the_api(api_as, staff_tlaxcala, worker_tlaxcala, scheme):
    response = api_as(staff_tlaxcala).post("/api/v1/certifications/", {
        "worker": str(worker_tlaxcala.public_id), "scheme": scheme.code, "issued_on": "2026-05-02", "score": "88.5",
    }, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["expires_on"] == "2028-05-01"


def test_a_worker_outside_the_scope_cannot_be_certified(api_as, staff_edomex, worker_tlaxcala, scheme):
    response = api_as(staff_edomex).post("/api/v1/certifications/", {
        "worker": str(worker_tlaxcala.public_id), "scheme": scheme.code, "issued_on": "2026-05-02",
    }, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["worker"]
    assert Certificate.objects.count() == 0


def test_certificate_and_scheme_lists_cost_the_same_queries_at_any_page_size(api_as, staff_tlaxcala,
                                                                             worker_tlaxcala, scheme):
    from tests.factories import SchemeFactory
    from tests.helpers import assert_constant_queries

    for number in range(12):
        certificate_issue(worker=worker_tlaxcala, scheme=scheme, issued_on=datetime.date(2026, 1, 1),
                          by=staff_tlaxcala)
        SchemeFactory(code=f"scheme-{number}")
    client = api_as(staff_tlaxcala)
    # The page of certificates with their workers, schemes and sessions joined.
    assert assert_constant_queries(client, "/api/v1/certifications/") == 1
    # The page of schemes.
    assert assert_constant_queries(client, "/api/v1/certifications/schemes/") == 1
