"""`make run` loads the demo data; running it twice gives the same data."""

import pytest
from django.core.management import call_command

from employers.models import Employer, EmployerMembership
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
    }


def test_demo_data_is_idempotent():
    call_command("load_demo")
    first = snapshot()
    call_command("load_demo")
    assert snapshot() == first
    assert len(first["offices"]) == 6
    assert [code for _pk, code, _grace in first["programs"]] == ["sawp-canada"]


def test_demo_has_a_consulate_per_demo_province_and_two_state_offices():
    call_command("load_demo")
    regions = sorted(region for office in Office.objects.consulates() for region in office.destination_regions)
    states = sorted(state for office in Office.objects.state_offices() for state in office.mexican_states)
    assert regions == ["CA-AB", "CA-BC", "CA-ON", "CA-QC"]
    assert states == ["MEX", "TLA"]


@pytest.mark.parametrize(("role", "username", "password"), DEMO_LOGINS)
def test_each_printed_demo_login_reaches_its_home_page(client, role, username, password):
    call_command("load_demo")
    response = client.post("/accounts/login/", {"username": username, "password": password}, follow=True)
    assert response.status_code == 200
    expected_home = "/portal/" if role == "employer" else "/staff/"
    assert response.redirect_chain[-1][0] == expected_home
