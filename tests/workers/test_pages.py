"""Staff pages of the registry: list, search, register, edit, documents — scoped like the API."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import WorkerFactory, make_curp
from workers.models import Document, Worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def tlaxcala_client(sign_in, staff_tlaxcala):
    return sign_in(staff_tlaxcala)


def test_list_shows_the_offices_workers_only(tlaxcala_client, worker_tlaxcala, worker_edomex):
    response = tlaxcala_client.get(reverse("worker-list"))
    assert [worker.pk for worker in response.context["workers"]] == [worker_tlaxcala.pk]


def test_list_queries_do_not_grow_with_page_size_and_never_count(tlaxcala_client):
    WorkerFactory.create_batch(12)
    tlaxcala_client.get(reverse("worker-list"))  # the first request of a session renews its expiry
    counts = {}
    for size in (2, 10):
        with CaptureQueriesContext(connection) as queries:
            response = tlaxcala_client.get(reverse("worker-list"), {"page_size": size, "status": "applicant"})
        assert len(response.context["workers"]) == size
        counts[size] = len(queries)
        assert not [query for query in queries if "COUNT(" in query["sql"].upper()]
    # Authentication: session, user, second-factor device (PERFORMANCE.md G1 allows 3); then the
    # office (scope) and the page of workers. The filter form's occupations and programs are kept
    # by the process (workers.views._filter_vocabulary).
    assert counts == {2: 5, 10: 5}


def test_the_filter_offers_the_active_programs_as_soon_as_they_change(tlaxcala_client, program):
    option = f'<option value="{program.pk}">{program.name}</option>'
    assert option in tlaxcala_client.get(reverse("worker-list")).text
    program.is_active = False
    program.save()
    assert option not in tlaxcala_client.get(reverse("worker-list")).text


def test_next_page_continues_where_the_first_ended(tlaxcala_client):
    workers = WorkerFactory.create_batch(5)
    first = tlaxcala_client.get(reverse("worker-list"), {"page_size": 3})
    second = tlaxcala_client.get(reverse("worker-list") + first.context["next_url"])
    shown = [worker.pk for worker in first.context["workers"]] + [worker.pk for worker in second.context["workers"]]
    assert shown == sorted((worker.pk for worker in workers), reverse=True)
    assert second.context["next_url"] is None


def test_searching_a_curp_opens_the_worker_without_the_curp_in_any_url(tlaxcala_client, worker_tlaxcala):
    response = tlaxcala_client.post(reverse("worker-list"), {"q": worker_tlaxcala.curp.lower()})
    assert response.status_code == 302
    assert response["Location"] == reverse("worker-detail", args=[worker_tlaxcala.public_id])
    assert worker_tlaxcala.curp not in response["Location"]


def test_searching_a_curp_outside_the_scope_reveals_nothing(sign_in, staff_edomex, worker_tlaxcala):
    client = sign_in(staff_edomex)
    response = client.post(reverse("worker-list"), {"q": worker_tlaxcala.curp}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("worker-list")
    assert worker_tlaxcala.paternal_surname not in response.text


def test_searching_a_name_filters_the_list(tlaxcala_client, worker_tlaxcala):
    WorkerFactory(first_names="Otro", paternal_surname="Nombre")
    response = tlaxcala_client.post(reverse("worker-list"), {"q": "Hernández"}, follow=True)
    assert [worker.pk for worker in response.context["workers"]] == [worker_tlaxcala.pk]


def test_a_name_typed_in_part_finds_it_on_the_page_and_in_the_export(tlaxcala_client, worker_tlaxcala):
    WorkerFactory(first_names="Otro", paternal_surname="Nombre")
    response = tlaxcala_client.get(reverse("worker-list"), {"search": "hernán"})
    assert [worker.pk for worker in response.context["workers"]] == [worker_tlaxcala.pk]
    export = b"".join(tlaxcala_client.get(reverse("worker-export"), {"search": "hernán"}).streaming_content)
    assert worker_tlaxcala.curp.encode() in export and b"Otro" not in export


def test_a_worker_of_another_office_is_404(sign_in, staff_edomex, worker_tlaxcala):
    client = sign_in(staff_edomex)
    assert client.get(reverse("worker-detail", args=[worker_tlaxcala.public_id])).status_code == 404
    assert client.get(reverse("worker-update", args=[worker_tlaxcala.public_id])).status_code == 404


def test_employers_cannot_open_the_registry(sign_in, employer_a_user, worker_tlaxcala):
    client = sign_in(employer_a_user)
    assert client.get(reverse("worker-list")).status_code == 403
    assert client.get(reverse("worker-detail", args=[worker_tlaxcala.public_id])).status_code == 403


def form_data(**overrides):
    data = {
        "curp": make_curp(birth_date=datetime.date(1992, 7, 4), sex="H", state="TLA", serial=31337),
        "first_names": "Ramón", "paternal_surname": "Ávila", "maternal_surname": "", "birth_date": "1992-07-04",
        "sex": "H", "state_of_origin": "TLA", "nss": "", "phone": "", "email": "", "preferred_language": "es",
        "years_of_experience": "3", "dependents": "2", "beneficiary_name": "", "beneficiary_relation": "",
        "beneficiary_contact": "", "occupations": ["45-2092"],
    }
    data.update(overrides)
    return data


def test_registering_a_worker_in_the_browser(tlaxcala_client):
    from workers.models import Occupation

    data = form_data(occupations=[Occupation.objects.get(code="45-2092").pk])
    response = tlaxcala_client.post(reverse("worker-create"), data)
    worker = Worker.objects.get()
    assert response["Location"] == reverse("worker-detail", args=[worker.public_id])
    assert worker.search_name == "RAMON AVILA"


def test_a_wrong_check_digit_shows_a_spanish_message_on_the_curp_field(tlaxcala_client):
    curp = form_data()["curp"]
    wrong = curp[:-1] + str((int(curp[-1]) + 1) % 10)
    response = tlaxcala_client.post(reverse("worker-create"), form_data(curp=wrong), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    assert response.context["form"].errors["curp"] == [
        "El dígito verificador de la CURP no coincide: revise cada carácter."
    ]
    assert Worker.objects.count() == 0


def test_a_stale_edit_is_refused_with_a_message(tlaxcala_client, worker_tlaxcala):
    Worker.objects.filter(pk=worker_tlaxcala.pk).update(version=2)
    data = form_data(curp=worker_tlaxcala.curp, birth_date="1990-05-17", sex="M", version="1", phone="123",
                     occupations=[])
    response = tlaxcala_client.post(reverse("worker-update", args=[worker_tlaxcala.public_id]), data)
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    worker_tlaxcala.refresh_from_db()
    assert worker_tlaxcala.phone == ""


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_document_file_is_checked_by_content_and_served_only_in_scope(tlaxcala_client, sign_in, staff_edomex,
                                                                      worker_tlaxcala):
    url = reverse("document-create", args=[worker_tlaxcala.public_id])
    fake = SimpleUploadedFile("passport.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    refused = tlaxcala_client.post(url, {"kind": "background_check", "issued_on": "2026-01-05", "file": fake})
    assert refused.status_code == 400
    assert "file" in refused.context["form"].errors
    assert Document.objects.count() == 0

    real = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
    tlaxcala_client.post(url, {"kind": "background_check", "issued_on": "2026-01-05", "file": real})
    document = Document.objects.get()
    assert document.file_type == "application/pdf"
    file_url = reverse("document-file", args=[worker_tlaxcala.public_id, document.public_id])
    assert b"".join(tlaxcala_client.get(file_url).streaming_content) == PDF
    client = sign_in(staff_edomex)
    assert client.get(file_url).status_code == 404


def test_verifying_a_document_records_who_and_when(tlaxcala_client, staff_tlaxcala, worker_tlaxcala):
    from tests.factories import DocumentFactory

    document = DocumentFactory(worker=worker_tlaxcala)
    tlaxcala_client.post(reverse("document-verify", args=[worker_tlaxcala.public_id, document.public_id]))
    document.refresh_from_db()
    assert document.verified_by == staff_tlaxcala
    assert document.verified_at is not None


def test_detail_page_shows_documents_status_history_and_changes(tlaxcala_client, worker_tlaxcala):
    response = tlaxcala_client.get(reverse("worker-detail", args=[worker_tlaxcala.public_id]),
                                   HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert worker_tlaxcala.curp in response.text
    assert "History of changes" in response.text
