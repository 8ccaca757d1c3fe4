"""DRF throttling: anonymous clients by their real address, token clients by user."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

pytestmark = pytest.mark.django_db


def test_an_anonymous_client_is_throttled_and_a_forged_x_forwarded_for_does_not_help(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/minute", raising=False)
    client = APIClient(REMOTE_ADDR="192.0.2.201")
    statuses = [
        client.post(
            "/api/v1/auth/token/", {"username": "nobody", "password": "x"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        ).status_code
        for n in range(5)
    ]
    assert statuses == [400, 400, 400, 429, 429]
    assert "Retry-After" in client.post("/api/v1/auth/token/", {"username": "nobody", "password": "x"})


def test_another_address_is_not_throttled_by_someone_elses_requests(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/minute", raising=False)
    for _request in range(4):
        APIClient(REMOTE_ADDR="192.0.2.202").post("/api/v1/auth/token/", {"username": "a", "password": "x"})
    other = APIClient(REMOTE_ADDR="192.0.2.203")
    assert other.post("/api/v1/auth/token/", {"username": "a", "password": "x"}).status_code == 400


def test_a_token_client_is_throttled(monkeypatch, employer_a_user):
    monkeypatch.setattr(UserRateThrottle, "rate", "3/minute", raising=False)
    _instance, token = AuthToken.objects.create(employer_a_user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert [client.get("/api/v1/offices/").status_code for _request in range(4)] == [200, 200, 200, 429]
