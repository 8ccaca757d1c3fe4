"""List endpoints cost the same queries whatever the page size (PERFORMANCE.md G1)."""

import pytest

from tests.factories import OfficeFactory, ProgramFactory
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


def test_programs_list_queries_do_not_grow_with_page_size(api_as, staff_ontario):
    for number in range(12):
        ProgramFactory(code=f"program-{number}", name=f"Program {number}")
    # The page of programs (cursor pagination: no COUNT).
    assert assert_constant_queries(api_as(staff_ontario), "/api/v1/programs/") == 1


def test_offices_list_queries_do_not_grow_with_page_size(api_as, staff_ontario):
    OfficeFactory.create_batch(12)
    # The page of offices.
    assert assert_constant_queries(api_as(staff_ontario), "/api/v1/offices/") == 1
