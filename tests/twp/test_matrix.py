"""Role × endpoint matrix for programs and offices: everyone signed in reads, administrators write."""

import pytest

from tests.helpers import check_cell, matrix
from twp.models import Office, Program

pytestmark = pytest.mark.django_db

READERS = {"anonymous": 401, "administrator": 200, "staff_ontario": 200, "staff_tlaxcala": 200, "employer_a": 200}
NEW_PROGRAM = {
    "name": "H-2A United States", "code": "h2a-us", "destination_country": "US", "currency": "USD",
    "time_zone": "America/Chicago", "min_contract_weeks": 4, "min_total_hours": 120, "max_contract_months": 10,
    "season_start_month": 1, "season_start_day": 1, "season_end_month": 12, "season_end_day": 31,
    "return_grace_days": 5,
}
NEW_OFFICE = {"name": "Consulado de México en Leamington", "kind": "consulate", "destination_regions": ["CA-ON"]}


def writes(status_for_admin: int) -> dict[str, int]:
    return {"anonymous": 401, "staff_ontario": 403, "employer_a": 403, "administrator": status_for_admin}


@pytest.mark.parametrize(
    "cell",
    matrix(
        ("GET", "/api/v1/programs/", READERS),
        ("GET", "/api/v1/programs/{program}/", READERS),
        ("POST", "/api/v1/programs/", writes(201), NEW_PROGRAM),
        ("PATCH", "/api/v1/programs/{program}/", writes(200), {"return_grace_days": 10}),
        ("DELETE", "/api/v1/programs/{program}/", {"anonymous": 401, "administrator": 405, "employer_a": 403}),
    ),
)
def test_programs_matrix(cell, personas, program):
    check_cell(cell, personas=personas, objects={"program": program}, state=lambda: list(Program.objects.values()))


@pytest.mark.parametrize(
    "cell",
    matrix(
        ("GET", "/api/v1/offices/", READERS),
        ("GET", "/api/v1/offices/{office}/", READERS),
        ("POST", "/api/v1/offices/", writes(201), NEW_OFFICE),
        ("PATCH", "/api/v1/offices/{office}/", writes(200), {"email": "consulado@example.org"}),
    ),
)
def test_offices_matrix(cell, personas, office_quebec):
    check_cell(cell, personas=personas, objects={"office": office_quebec}, state=lambda: list(Office.objects.values()))
