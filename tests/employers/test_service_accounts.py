"""Integration clients: service accounts scoped to one employer, one office or public statistics.
An administrator creates them and issues and revokes their tokens; each sees only its scope."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from employers.models import Employer
from employers.services import service_account_create
from tests.helpers import check_cell, matrix
from twp.models import Role, ServiceScope, User
from twp.services import api_token_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def payroll_a(administrator, employer_a):
    return service_account_create(
        username="payroll.a", scope=ServiceScope.EMPLOYER, employer=employer_a, by=administrator
    )


@pytest.fixture
def consulate_feed(administrator, office_ontario):
    return service_account_create(
        username="feed.ontario", scope=ServiceScope.OFFICE, office=office_ontario, by=administrator
    )


@pytest.fixture
def statistics_client(administrator):
    return service_account_create(
        username="stats.inegi", scope=ServiceScope.PUBLIC_STATISTICS, by=administrator
    )


def token_client(account, administrator, days=30) -> APIClient:
    _instance, token = api_token_issue(user=account, by=administrator, days=days)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# --- Scope ----------------------------------------------------------------------------------


def test_an_employer_scoped_account_sees_only_its_employer(payroll_a, administrator, employer_a, employer_b):
    client = token_client(payroll_a, administrator)
    listing = client.get("/api/v1/employers/")
    assert [row["legal_name"] for row in listing.json()["results"]] == [employer_a.legal_name]
    assert client.get(f"/api/v1/employers/{employer_a.public_id}/").status_code == 200
    assert client.get(f"/api/v1/employers/{employer_b.public_id}/").status_code == 404


def test_an_office_scoped_account_sees_what_office_staff_see(
    consulate_feed, administrator, staff_ontario, employer_a, program
):
    client = token_client(consulate_feed, administrator)
    staff = APIClient()
    staff.force_authenticate(staff_ontario)
    for path in ["/api/v1/employers/", "/api/v1/programs/", "/api/v1/offices/"]:
        assert client.get(path).json() == staff.get(path).json(), path
    assert client.get(f"/api/v1/employers/{employer_a.public_id}/").status_code == 404
    assert client.get(f"/api/v1/programs/{program.pk}/").status_code == 200


def test_a_public_statistics_account_sees_nothing_of_the_program(
    statistics_client, administrator, employer_a, program, office_ontario
):
    client = token_client(statistics_client, administrator)
    assert client.get("/api/v1/programs/").json()["results"] == []
    assert client.get("/api/v1/employers/").json()["results"] == []
    assert client.get(f"/api/v1/programs/{program.pk}/").status_code == 404
    assert client.get(f"/api/v1/offices/{office_ontario.pk}/").status_code == 404
    assert client.get(f"/api/v1/employers/{employer_a.public_id}/").status_code == 404


def test_a_service_account_cannot_write_programs(consulate_feed, administrator, program):
    response = token_client(consulate_feed, administrator).patch(
        f"/api/v1/programs/{program.pk}/", {"return_grace_days": 1}
    )
    assert response.status_code == 403


def test_a_service_account_cannot_sign_in_with_a_password(client, payroll_a):
    assert not payroll_a.has_usable_password()
    response = client.post("/accounts/login/", {"username": "payroll.a", "password": ""})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"role": Role.INTEGRATION, "service_scope": ""}, "user_service_scope_matches_role"),
        ({"role": Role.INTEGRATION, "service_scope": ServiceScope.OFFICE}, "user_service_scope_matches_role"),
        ({"role": Role.EMPLOYER, "service_scope": ServiceScope.PUBLIC_STATISTICS}, "user_service_scope_matches_role"),
    ],
)
def test_the_database_refuses_an_account_without_exactly_one_scope(fields, constraint):
    with pytest.raises(IntegrityError, match=constraint):
        User.objects.create(username="broken", **fields)


def test_an_office_scope_without_an_office_is_refused_and_nothing_is_created(administrator):
    from twp.exceptions import DomainError

    with pytest.raises(DomainError):
        service_account_create(username="broken", scope=ServiceScope.OFFICE, by=administrator)
    assert not User.objects.filter(username="broken").exists()


def test_only_administrators_create_service_accounts(staff_ontario):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        service_account_create(username="x", scope=ServiceScope.PUBLIC_STATISTICS, by=staff_ontario)
    assert not User.objects.filter(username="x").exists()


# --- Employers endpoint: role × endpoint ---------------------------------------------------

EMPLOYER_A = "/api/v1/employers/{employer_a}/"


@pytest.mark.parametrize(
    "cell",
    matrix(
        ("GET", "/api/v1/employers/", {"anonymous": 401, "administrator": 200, "staff_ontario": 200,
                                       "employer_a": 200, "employer_b": 200}),
        ("GET", EMPLOYER_A, {"anonymous": 401, "administrator": 200, "staff_ontario": 404,
                             "employer_a": 200, "employer_b": 404}),
        # Edits need the version read (tests/employers/test_api.py covers the rest).
        ("PATCH", EMPLOYER_A, {"anonymous": 401, "administrator": 400, "employer_a": 400, "employer_b": 404},
         {"legal_name": "X"}),
        ("DELETE", EMPLOYER_A, {"anonymous": 401, "administrator": 405, "employer_b": 405}),
    ),
)
def test_employers_matrix(cell, personas, employer_a):
    check_cell(
        cell,
        personas=personas,
        objects={"employer_a": employer_a.public_id},
        state=lambda: list(Employer.objects.values()),
    )


# --- Administrator pages --------------------------------------------------------------------


def test_administrator_creates_a_service_account_in_the_ui(sign_in, administrator, employer_a):
    client = sign_in(administrator)
    response = client.post(
        "/admin-tools/service-accounts/",
        {"username": "payroll.orchards", "scope": "employer", "employer": employer_a.pk},
    )
    account = User.objects.get(username="payroll.orchards")
    assert response.status_code == 302
    assert response["Location"] == f"/admin-tools/service-accounts/{account.pk}/"
    assert (account.role, account.service_scope, account.employer_membership.employer) == (
        Role.INTEGRATION, ServiceScope.EMPLOYER, employer_a,
    )


def test_a_scope_without_its_office_is_refused_with_a_field_message(sign_in, administrator):
    response = sign_in(administrator).post(
        "/admin-tools/service-accounts/", {"username": "feed.x", "scope": "office"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "office": ["Elija la oficina, y solo la oficina, a la que se limita esta cuenta."]
    }
    assert not User.objects.filter(username="feed.x").exists()


def test_administrator_issues_a_token_shown_once_with_the_chosen_expiry(sign_in, administrator, payroll_a, employer_a):
    client = sign_in(administrator)
    response = client.post(f"/admin-tools/service-accounts/{payroll_a.pk}/", {"days": 365, "issue": ""})
    assert response.status_code == 200
    token = response.context["new_token"]
    assert token in response.text
    assert "no-store" in response["Cache-Control"]
    instance = AuthToken.objects.get(user=payroll_a)
    assert abs(instance.expiry - (timezone.now() + timedelta(days=365))) < timedelta(minutes=1)
    assert token not in client.get(f"/admin-tools/service-accounts/{payroll_a.pk}/").text
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(f"/api/v1/employers/{employer_a.public_id}/").status_code == 200


@pytest.mark.parametrize("days", [0, 366])
def test_an_expiry_outside_one_to_365_days_is_refused(sign_in, administrator, payroll_a, days):
    response = sign_in(administrator).post(f"/admin-tools/service-accounts/{payroll_a.pk}/", {"days": days})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["days"]
    assert not AuthToken.objects.filter(user=payroll_a).exists()


def test_administrator_revokes_a_token_and_it_stops_working(sign_in, administrator, payroll_a):
    client_of_payroll = token_client(payroll_a, administrator)
    instance = AuthToken.objects.get(user=payroll_a)
    response = sign_in(administrator).post(
        f"/admin-tools/service-accounts/{payroll_a.pk}/", {"revoke": instance.pk}
    )
    assert response.status_code == 302
    assert client_of_payroll.get("/api/v1/employers/").status_code == 401


@pytest.mark.parametrize("persona", ["staff_ontario", "employer_a"])
def test_only_administrators_open_the_service_account_pages(sign_in, personas, payroll_a, persona):
    client = sign_in(personas[persona])
    assert client.get("/admin-tools/service-accounts/").status_code == 403
    assert client.post(f"/admin-tools/service-accounts/{payroll_a.pk}/", {"days": 30}).status_code == 403
    assert not AuthToken.objects.filter(user=payroll_a).exists()


def test_administrator_deactivates_a_service_account_and_its_tokens_end(sign_in, administrator, payroll_a):
    client_of_payroll = token_client(payroll_a, administrator)
    response = sign_in(administrator).post(f"/admin-tools/service-accounts/{payroll_a.pk}/", {"deactivate": "1"})
    assert response.status_code == 302
    payroll_a.refresh_from_db()
    assert payroll_a.is_active is False
    assert AuthToken.objects.filter(user=payroll_a).count() == 0
    assert client_of_payroll.get("/api/v1/employers/").status_code == 401


def test_the_admin_action_deactivates_and_ends_tokens(sign_in, administrator, employer_a_user):
    AuthToken.objects.create(employer_a_user)
    response = sign_in(administrator).post(
        "/admin/twp/user/", {"action": "deactivate_users", "_selected_action": [employer_a_user.pk]}
    )
    assert response.status_code == 302
    employer_a_user.refresh_from_db()
    assert employer_a_user.is_active is False
    assert AuthToken.objects.filter(user=employer_a_user).count() == 0


def test_employers_list_queries_do_not_grow_with_page_size(api_as, administrator):
    from tests.factories import EmployerFactory
    from tests.helpers import assert_constant_queries

    EmployerFactory.create_batch(12)
    # The page of employers (cursor pagination: no COUNT).
    assert assert_constant_queries(api_as(administrator), "/api/v1/employers/") == 1
