"""CURP, NSS and passport numbers never reach a log line or an error page."""

import logging

import pytest

from tests.plugin import LOG_AUDIT
from twp.security import mask_personal_data

pytestmark = pytest.mark.django_db

CURP = "GOMJ850312HTLRRN09"
NSS = "12345678901"
PASSPORT = "G12345678"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"worker {CURP} registered", "worker [redacted] registered"),
        (f"worker {CURP.lower()} registered", "worker [redacted] registered"),
        ("non-binary GOMJ850312XTLRRN09.", "non-binary [redacted]."),
        (f"NSS {NSS}, ok", "NSS [redacted], ok"),
        (f"passport {PASSPORT}", "passport [redacted]"),
        ("GET /api/v1/programs/12/ 200 5123", "GET /api/v1/programs/12/ 200 5123"),
    ],
)
def test_identifiers_are_masked(text, masked):
    assert mask_personal_data(text) == masked


def test_a_logged_curp_is_masked_in_every_handler(caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("workers.import").warning("Duplicate worker %s in row %d", CURP, 7)
    assert caplog.messages == ["Duplicate worker [redacted] in row 7"]


def test_a_curp_in_an_exception_is_masked(caplog):
    with caplog.at_level(logging.INFO):
        try:
            raise ValueError(f"no worker with CURP {CURP}")
        except ValueError:
            logging.getLogger("workers").exception("Lookup failed")
    assert CURP not in caplog.text
    assert "no worker with CURP [redacted]" in caplog.text


def test_the_whole_run_log_audit_catches_an_unmasked_curp():
    """Teeth: a record that escaped the masking (built by hand) is caught by the run's audit."""
    leaks_before = list(LOG_AUDIT.leaks)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, f"leak {CURP}", (), None)
    LOG_AUDIT.handle(record)
    try:
        assert len(LOG_AUDIT.leaks) == len(leaks_before) + 1
    finally:
        LOG_AUDIT.leaks[:] = leaks_before


def test_a_curp_in_a_page_url_is_neither_echoed_nor_logged(sign_in, staff_ontario, caplog):
    with caplog.at_level(logging.INFO):
        response = sign_in(staff_ontario).get(f"/workers/{CURP}/")
    assert response.status_code == 404
    assert CURP not in response.text
    assert CURP not in caplog.text
    assert "Not Found: /workers/[redacted]/" in caplog.messages


def test_a_curp_in_an_api_url_is_neither_echoed_nor_logged(api_as, staff_ontario, caplog):
    with caplog.at_level(logging.INFO):
        response = api_as(staff_ontario).get(f"/api/v1/programs/{CURP}/")
    assert response.status_code == 404
    assert CURP not in response.content.decode()
    assert CURP not in caplog.text


def test_an_api_error_does_not_quote_a_curp_back(api_as, administrator):
    response = api_as(administrator).post(
        "/api/v1/offices/", {"name": "Consulado", "kind": CURP, "destination_regions": ["CA-ON"]}
    )
    assert response.status_code == 400
    assert response.json() == {"kind": ['"[redacted]" no es una elección válida.']}
