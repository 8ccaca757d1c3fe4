"""The contract document: one PDF with the terms in Spanish and in English, for staff and the
employer; names are printed as text, never interpreted, and nothing is fetched."""

import pytest
from django.utils import translation

from contracts.documents import contract_pdf
from contracts.models import Contract
from contracts.services import contracts_allocate
from employers.models import RequestStatus
from tests.contracts.test_allocation_api import eligible
from tests.factories import WorkerRequestFactory

pytestmark = pytest.mark.django_db
NAME = "<b>Juan</b> <img src='file:///etc/passwd'>"


@pytest.fixture
def contract(program, employer_a, worksite_a, staff_tlaxcala):
    request = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                   status=RequestStatus.APPROVED, workers_requested=1)
    worker = eligible(staff_tlaxcala, first_names=NAME, paternal_surname="Pérez")
    return contracts_allocate(request=request, workers=[worker], by=staff_tlaxcala)[0]


def text_of(pdf: bytes) -> str:
    # Uncompressed: the drawn strings are in the content streams, in parentheses, Latin-1.
    return pdf.decode("latin-1").replace("\\(", "(").replace("\\)", ")")


def test_the_terms_in_spanish_and_in_english(contract):
    with translation.override("en"):
        pdf = contract_pdf(contract)
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    assert "Contrato de trabajo de temporada" in text and "Seasonal work contract" in text
    assert "Firma del trabajador" in text and "Signature of the worker" in text
    assert contract.request.employer.legal_name in text
    assert contract.start_date.isoformat() in text


def test_a_name_with_html_and_a_file_url_prints_as_text(contract):
    text = text_of(contract_pdf(contract))
    assert "<b>Juan</b> <img src='file:///etc/passwd'>" in text
    assert "root:" not in text  # nothing was read from the file


@pytest.mark.parametrize(("persona", "status"), [("administrator", 200), ("staff_ontario", 200),
                                                 ("staff_tlaxcala", 200), ("employer_a", 200),
                                                 ("employer_b", 404), ("staff_quebec", 404)])
def test_staff_and_the_employer_download_it(api_as, personas, contract, persona, status):
    response = api_as(personas[persona]).get(f"/api/v1/contracts/{contract.public_id}/document/")
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response).startswith(b"%PDF")
        assert Contract.objects.filter(pk=contract.pk).exists()
