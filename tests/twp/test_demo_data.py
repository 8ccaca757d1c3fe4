"""`make run` loads the demo data; running it twice gives the same data."""

import base64

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from certification.models import Certificate
from employers.models import Employer, EmployerMembership
from tests.factories import totp_code
from twp.management.commands.load_demo import DEMO_LOGINS
from twp.models import Office, Program, User

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "programs": list(Program.objects.order_by("pk").values_list("pk", "code", "return_grace_days")),
        "offices": list(Office.objects.order_by("pk").values_list("pk", "name", "kind")),
        "users": list(User.objects.order_by("pk").values_list("pk", "username", "role", "office_id", "password")),
        "employers": list(Employer.objects.order_by("pk").values_list("pk", "legal_name", "status")),
        "memberships": list(EmployerMembership.objects.order_by("pk").values_list("user_id", "employer_id")),
        "certificates": list(Certificate.objects.order_by("pk").values_list("pk", "worker_id", "verification_code")),
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
