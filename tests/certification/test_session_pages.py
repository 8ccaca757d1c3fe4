"""Staff run training sessions of their office and keep their attendance lists."""

import pytest
from django.urls import reverse

from certification.models import Attendance, TrainingSession
from tests.factories import SchemeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(office_tlaxcala):
    return TrainingSession.objects.create(scheme=SchemeFactory(), office=office_tlaxcala, place="Apizaco",
                                          starts_on="2026-10-01", ends_on="2026-10-03", trainer="Ing. Rosa Díaz")


def test_staff_create_a_session_for_their_office(sign_in, staff_tlaxcala):
    client = sign_in(staff_tlaxcala)
    scheme = SchemeFactory()
    response = client.post(reverse("session-list"), {"scheme": scheme.pk, "place": "Huamantla",
                                                     "starts_on": "2026-09-01", "ends_on": "2026-09-02",
                                                     "trainer": "Lic. Pedro Gómez"})
    session = TrainingSession.objects.get()
    assert response["Location"] == reverse("session-detail", args=[session.public_id])
    assert session.office == staff_tlaxcala.office


def test_a_session_ending_before_it_starts_is_refused(sign_in, staff_tlaxcala):
    client = sign_in(staff_tlaxcala)
    response = client.post(reverse("session-list"), {"scheme": SchemeFactory().pk, "place": "X",
                                                     "starts_on": "2026-09-02", "ends_on": "2026-09-01",
                                                     "trainer": "Y"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.context["form"].errors["ends_on"] == ["A session cannot end before it starts."]
    assert TrainingSession.objects.count() == 0


def test_staff_add_a_worker_by_curp_and_another_office_sees_nothing(sign_in, staff_tlaxcala, staff_edomex, session,
                                                                    worker_tlaxcala, worker_edomex):
    client = sign_in(staff_tlaxcala)
    url = reverse("session-detail", args=[session.public_id])
    client.post(url, {"curp": worker_tlaxcala.curp.lower(), "completed": "on", "score": "91"})
    assert list(Attendance.objects.values_list("worker_id", "completed")) == [(worker_tlaxcala.pk, True)]
    refused = client.post(url, {"curp": worker_edomex.curp, "completed": "on"})
    assert refused.status_code == 400
    assert Attendance.objects.count() == 1
    other = sign_in(staff_edomex)
    assert other.get(url).status_code == 404
    assert other.get(reverse("session-list")).context["sessions"].count() == 0
