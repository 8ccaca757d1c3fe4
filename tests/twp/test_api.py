"""The REST base: authentication required, tokens that expire and are revoked, JSON errors."""

import pytest
from django.urls import reverse
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from tests.factories import totp_code
from twp.models import Program

pytestmark = pytest.mark.django_db


def test_anonymous_request_to_the_api_is_refused(api_client, program):
    response = api_client.get("/api/v1/programs/")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_token_from_username_password_and_code_lists_programs(api_client, staff_ontario, password, program):
    response = api_client.post(
        "/api/v1/auth/token/", {"username": staff_ontario.username, "password": password, "otp": totp_code()}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listing = api_client.get("/api/v1/programs/")
    assert listing.status_code == 200
    assert [row["code"] for row in listing.json()["results"]] == ["sawp-canada"]


def test_wrong_password_gets_no_token_and_a_field_message(api_client, staff_ontario):
    response = api_client.post("/api/v1/auth/token/", {"username": staff_ontario.username, "password": "nope"})
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_revoked_token_no_longer_works(api_client, staff_ontario, password, program):
    token = api_client.post(
        "/api/v1/auth/token/", {"username": staff_ontario.username, "password": password, "otp": totp_code()}
    ).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.post("/api/v1/auth/token/revoke/").status_code == 204
    assert client.get("/api/v1/programs/").status_code == 401


def test_schema_is_valid_openapi_3(api_client):
    response = api_client.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate(schema)
    assert "/api/v1/programs/" in schema["paths"]
    assert "/api/v1/auth/token/" in schema["paths"]


def test_api_docs_page_is_served_without_a_cdn(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    assert "cdn" not in response.text.lower()
    assert "/static/drf_spectacular_sidecar/" in response.text


def test_invalid_program_gets_a_message_per_field_and_writes_nothing(api_as, administrator):
    response = api_as(administrator).post(
        "/api/v1/programs/",
        {
            "name": "Broken",
            "code": "broken",
            "destination_country": "CA",
            "currency": "cad",
            "time_zone": "Mars/Olympus",
            "min_contract_weeks": 6,
            "min_total_hours": 240,
            "max_contract_months": 8,
            "season_start_month": 12,
            "season_start_day": 15,
            "season_end_month": 1,
            "season_end_day": 1,
            "return_grace_days": 7,
        },
    )
    assert response.status_code == 400
    assert set(response.json()) == {"currency", "time_zone", "season_end_day"}
    assert not Program.objects.filter(code="broken").exists()


def test_only_administrators_change_programs(api_as, staff_ontario, program):
    response = api_as(staff_ontario).patch(f"/api/v1/programs/{program.pk}/", {"return_grace_days": 30})
    assert response.status_code == 403
    program.refresh_from_db()
    assert program.return_grace_days == 7


def test_administrator_changes_a_program_rule(api_as, administrator, program):
    response = api_as(administrator).patch(f"/api/v1/programs/{program.pk}/", {"return_grace_days": 10})
    assert response.status_code == 200
    program.refresh_from_db()
    assert program.return_grace_days == 10


def test_offices_filter_by_jurisdiction(api_as, staff_ontario, office_quebec, office_tlaxcala):
    client = api_as(staff_ontario)
    by_region = client.get("/api/v1/offices/", {"destination_region": "CA-QC"}).json()["results"]
    assert [office["name"] for office in by_region] == [office_quebec.name]
    by_state = client.get("/api/v1/offices/", {"mexican_state": "TLA"}).json()["results"]
    assert [office["name"] for office in by_state] == [office_tlaxcala.name]


def test_unknown_object_is_404_json(api_as, staff_ontario):
    response = api_as(staff_ontario).get("/api/v1/programs/999999/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
