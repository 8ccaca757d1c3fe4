"""Absences and evaluations on the contract's page: reported by the employer, followed by staff
stage by stage (a confirmation before reporting to the authorities), evaluations both ways,
shown to the worker and contested; errors keep what was typed."""

import datetime

import pytest
import time_machine
from django.utils import translation

from contracts.models import Absence, Contract, ContractStatus, Evaluation
from contracts.services import contracts_allocate
from employers.models import RequestStatus
from tests.contracts.test_allocation_api import eligible
from tests.factories import WorkerRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def contract(program, employer_a, worksite_a, staff_tlaxcala):
    request = WorkerRequestFactory(program=program, employer=employer_a, worksite=worksite_a,
                                   status=RequestStatus.APPROVED, workers_requested=1)
    contract = contracts_allocate(request=request, workers=[eligible(staff_tlaxcala)], by=staff_tlaxcala)[0]
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.ACTIVE)
    return Contract.objects.get(pk=contract.pk)


def url(contract, tail=""):
    return f"/contracts/{contract.public_id}/{tail}"


def test_an_absence_from_report_to_the_authorities(sign_in, employer_a_user, staff_ontario, contract):
    # The contract starts next season: on a day of it (signed in then, so the sessions are fresh).
    with time_machine.travel(contract.start_date + datetime.timedelta(days=10)):
        employer = sign_in(employer_a_user)
        bad = employer.post(url(contract, "report-absence/"), {"absence-note": "Not seen since Monday"})
        assert bad.status_code == 400 and bad.context["absence_form"]["note"].value() == "Not seen since Monday"
        assert not Absence.objects.exists()
        last_seen = (contract.start_date + datetime.timedelta(days=8)).isoformat()
        assert employer.post(url(contract, "report-absence/"), {"absence-last_seen_on": last_seen}).status_code == 302
        absence = Absence.objects.get()
        step = url(contract, f"absences/{absence.public_id}/")
        assert employer.post(step + "missing/", {}).status_code == 404  # staff only
        staff = sign_in(staff_ontario)
        assert staff.post(step + "missing/", {}).status_code == 302
        refused = staff.post(step + "welfare-check/", {})
        assert refused.status_code == 400  # the note is required
        staff.post(step + "welfare-check/", {f"absence-{absence.pk}-welfare-check-note": "Safe, at a cousin's"})
        unconfirmed = staff.post(step + "reported/", {})
        assert unconfirmed.status_code == 400
        assert Absence.objects.get().stage == Absence.Stage.MISSING
        staff.post(step + "reported/", {f"absence-{absence.pk}-reported-confirm": "on"})
        assert Absence.objects.get().stage == Absence.Stage.REPORTED
        assert Contract.objects.get(pk=contract.pk).status == ContractStatus.ABSCONDED
        page = sign_in(employer_a_user).get(url(contract))
        assert "Safe, at a cousin" not in page.content.decode()  # the welfare check is for staff only


def test_evaluations_both_ways_shown_and_contested(sign_in, employer_a_user, staff_ontario, contract):
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.ENDED)
    employer = sign_in(employer_a_user)
    scores = {"evaluation-of_worker-score_quality": "5", "evaluation-of_worker-score_reliability": "4",
              "evaluation-of_worker-score_safety": "5"}
    missing = employer.post(url(contract, "evaluate/of_worker/"), scores)
    assert missing.status_code == 400 and not Evaluation.objects.exists()
    assert employer.post(url(contract, "evaluate/of_employer/"), {}).status_code == 404
    scores.update({"evaluation-of_worker-score_teamwork": "4", "evaluation-of_worker-would_repeat": "on"})
    done = employer.post(url(contract, "evaluate/of_worker/"), scores)
    assert done.status_code == 302
    assert Contract.objects.get(pk=contract.pk).employer_rating == 5  # the ranking reads it
    staff = sign_in(staff_ontario)
    staff.post(url(contract, "evaluate/of_employer/"), {f"evaluation-of_employer-score_{code}": "3" for code in
                                                        ("housing", "treatment", "wages_on_time", "safety")})
    assert Evaluation.objects.count() == 2
    of_worker = Evaluation.objects.get(direction="of_worker")
    action = url(contract, f"evaluations/{of_worker.public_id}/")
    assert staff.post(action + "contest/", {f"contest-{of_worker.pk}-text": "I was sick"}).status_code == 409
    staff.post(action + "show-to-worker/", {})
    assert staff.post(action + "contest/", {f"contest-{of_worker.pk}-text": "I was sick"}).status_code == 302
    assert Evaluation.objects.get(pk=of_worker.pk).contest == "I was sick"
    employer_page = sign_in(employer_a_user).get(url(contract)).content.decode()
    assert "I was sick" not in employer_page
    assert [evaluation.direction for evaluation, *_ in sign_in(employer_a_user).get(url(contract)).context[
        "evaluations"]] == ["of_worker"]


@pytest.mark.parametrize(("persona", "status"), [("administrator", 200), ("staff_ontario", 200),
                                                 ("employer_a", 404)])
def test_the_employers_with_many_absences(sign_in, personas, program, persona, status):
    assert sign_in(personas[persona]).get("/contracts/absences/employers/").status_code == status
