"""`make run` loads the demo data; running it twice gives the same data."""

import base64
import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from certification.models import Certificate
from contracts.models import Contract, ContractStatus
from employers.models import Employer, EmployerMembership, NamedWorker, RequestStatus, WorkerRequest, Worksite
from employers.validators import business_number_errors
from employers.worker_requests import former_workers, request_errors
from tests.factories import totp_code
from twp.management.commands.load_demo import DEMO_LOGINS
from twp.models import MinimumWage, Office, Program, User

DEMO_PROVINCES = ["CA-AB", "CA-BC", "CA-ON", "CA-QC"]

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "programs": list(Program.objects.order_by("pk").values_list("pk", "code", "return_grace_days")),
        "offices": list(Office.objects.order_by("pk").values_list("pk", "name", "kind")),
        "users": list(User.objects.order_by("pk").values_list("pk", "username", "role", "office_id", "password")),
        "employers": list(Employer.objects.order_by("pk").values_list("pk", "legal_name", "status")),
        "memberships": list(EmployerMembership.objects.order_by("pk").values_list("user_id", "employer_id")),
        "certificates": list(Certificate.objects.order_by("pk").values_list("pk", "worker_id", "verification_code")),
        "worksites": list(Worksite.objects.order_by("pk").values_list("pk", "employer_id", "name",
                                                                      "housing_valid_until")),
        "requests": list(WorkerRequest.objects.order_by("pk").values_list("pk", "employer_id", "status",
                                                                          "start_date", "version")),
        "named_workers": list(NamedWorker.objects.order_by("pk").values_list("request_id", "worker_id")),
        "contracts": list(Contract.objects.order_by("pk").values_list("pk", "request_id", "worker_id", "status")),
        "minimum_wages": list(MinimumWage.objects.order_by("pk").values_list("region", "effective_from",
                                                                            "hourly_amount")),
    }


def test_demo_data_is_idempotent():
    call_command("load_demo")
    first = snapshot()
    call_command("load_demo")
    assert snapshot() == first
    assert len(first["offices"]) == 6
    assert len(first["certificates"]) == 40
    assert [code for _pk, code, _grace in first["programs"]] == ["sawp-canada"]


def test_demo_has_a_consulate_per_demo_province_and_two_state_offices():
    call_command("load_demo")
    regions = sorted(region for office in Office.objects.consulates() for region in office.destination_regions)
    states = sorted(state for office in Office.objects.state_offices() for state in office.mexican_states)
    assert regions == ["CA-AB", "CA-BC", "CA-ON", "CA-QC"]
    assert states == ["MEX", "TLA"]


@pytest.mark.parametrize(("role", "username", "password", "totp_secret"), DEMO_LOGINS)
def test_each_printed_demo_login_reaches_its_home_page(client, role, username, password, totp_secret):
    call_command("load_demo")
    response = client.post("/accounts/login/", {"username": username, "password": password}, follow=True)
    if totp_secret:
        assert response.redirect_chain[-1][0] == "/accounts/second-factor/?next=%2F"
        response = client.post(response.redirect_chain[-1][0], {"otp": totp_code(totp_secret)}, follow=True)
    assert response.status_code == 200
    expected_home = "/portal/" if role == "employer" else "/staff/"
    assert response.redirect_chain[-1][0] == expected_home


def test_every_demo_staff_account_and_the_administrator_have_the_printed_totp_device():
    call_command("load_demo")
    secrets = {username: secret for _role, username, _password, secret in DEMO_LOGINS}
    devices = TOTPDevice.objects.filter(confirmed=True).select_related("user")
    assert sorted(device.user.username for device in devices) == sorted(
        User.objects.filter(role__in=["administrator", "staff"]).values_list("username", flat=True)
    )
    by_user = {device.user.username: device.key for device in devices}
    assert by_user["admin"] == base64.b32decode(secrets["admin"]).hex()
    assert by_user["staff.quebec"] == by_user["staff.ontario"] == base64.b32decode(secrets["staff.ontario"]).hex()


def test_demo_has_twenty_employers_in_the_four_demo_provinces_with_valid_business_numbers():
    call_command("load_demo")
    employers = list(Employer.objects.prefetch_related("worksites"))
    assert len(employers) == 20
    assert sorted({employer.region for employer in employers}) == DEMO_PROVINCES
    assert {employer.legal_name for employer in employers} >= {"Demo Farms Ltd.", "Vergers du Québec Inc."}
    for employer in employers:
        assert business_number_errors("CA", employer.business_number) == {}, employer
        assert employer.contact_name and employer.contact_email and employer.contact_phone
        assert 1 <= len(employer.worksites.all()) <= 2
        for site in employer.worksites.all():
            assert site.region == employer.region
            assert site.housing_inspection_result == Worksite.Inspection.PASSED
    assert len({employer.business_number for employer in employers}) == 20
    statuses = sorted({employer.status for employer in employers})
    assert statuses == ["approved", "pending", "rejected", "suspended"]
    # Each demo consulate has an employer waiting for its approval.
    pending = Employer.objects.filter(status="pending")
    assert sorted(pending.values_list("region", flat=True)) == DEMO_PROVINCES


def test_the_demo_logins_act_for_their_employers():
    call_command("load_demo")
    assert EmployerMembership.objects.get(user__username="employer.demo").employer.legal_name == "Demo Farms Ltd."
    assert EmployerMembership.objects.get(user__username="employer.quebec").employer.legal_name == (
        "Vergers du Québec Inc.")


def test_demo_requests_reach_every_status_of_this_issue_across_employers_and_seasons():
    call_command("load_demo")
    requests = WorkerRequest.objects.select_related("employer", "worksite", "program")
    assert sorted({request.status for request in requests}) == sorted(
        [RequestStatus.DRAFT, RequestStatus.SUBMITTED, RequestStatus.APPROVED, RequestStatus.REJECTED,
         RequestStatus.CANCELLED])
    assert len({request.season for request in requests}) == 2
    assert len({request.employer_id for request in requests}) >= 10
    assert sorted({request.worksite.region for request in requests if request.status == "submitted"}) == (
        DEMO_PROVINCES)
    for request in requests.filter(status=RequestStatus.REJECTED):
        assert request.status_reason
        assert request.timeline.get(kind="rejected").reason == request.status_reason
    # Next season's requests past the draft stage obey every rule an approval checks.
    next_season = max(request.season for request in requests)
    for request in requests.filter(season=next_season).exclude(status=RequestStatus.DRAFT):
        assert request_errors(request, submitting=True, lead_time=False) == {}, request.labour_market_reference


def test_last_seasons_demo_requests_give_the_demo_employer_workers_to_name_again():
    call_command("load_demo")
    demo_farms = Employer.objects.get(legal_name="Demo Farms Ltd.")
    assert len(former_workers(demo_farms)) == 6


def test_the_workers_named_last_season_came_back_with_an_evaluation():
    call_command("load_demo")
    last_season = min(WorkerRequest.objects.values_list("season", flat=True))
    named = NamedWorker.objects.filter(request__season=last_season, request__status=RequestStatus.APPROVED)
    contracts = Contract.objects.filter(season=last_season)
    assert sorted(contracts.values_list("request_id", "worker_id")) == sorted(named.values_list("request_id",
                                                                                               "worker_id"))
    assert len(named) == 19
    assert set(contracts.values_list("status", flat=True)) == {ContractStatus.RETURNED}
    assert contracts.filter(returned_on_time=False).count() == 1
    assert all(1 <= rating <= 5 for rating in contracts.values_list("employer_rating", flat=True))
    assert all(contract.end_date < timezone.localdate() for contract in contracts)
    assert not Contract.objects.filter(season__gt=last_season).exists()


def test_demo_minimum_wages_cover_the_demo_provinces():
    call_command("load_demo")
    program = Program.objects.get(code="sawp-canada")
    assert program.request_lead_days == 45
    assert sorted(set(MinimumWage.objects.filter(program=program).values_list("region", flat=True))) == (
        DEMO_PROVINCES)
    on = datetime.date(2026, 7, 1)
    wages = {region: program.minimum_wage(region=region, occupation_id=None, on=on) for region in DEMO_PROVINCES}
    assert wages == {"CA-AB": Decimal("15.00"), "CA-BC": Decimal("17.85"), "CA-ON": Decimal("17.60"),
                     "CA-QC": Decimal("16.10")}
