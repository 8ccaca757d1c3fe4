"""The employer indicators pages (``contracts.indicator_pages``): the table, its sorting, filters,
search, flags and pages; one employer's history by season; who sees what.

The dataset is ``tests.contracts.test_indicators``'s (hand-computed there). Pages render in
Spanish; the assertions read data (numbers, names, URLs), the same in every language."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts.models import ContractStatus
from observatory import facts
from tests.contracts import test_indicators as hand_computed
from tests.contracts.test_indicators import season_request
from tests.contracts.test_returns import finished
from tests.factories import EmployerFactory, WorkerFactory, WorksiteFactory

pytestmark = pytest.mark.django_db
dataset = hand_computed.dataset
years = hand_computed.years
S = ContractStatus
INDICATORS = "/review/employers/indicators/"


def history_url(employer):
    return reverse("employer-indicator-history", args=[employer.public_id])


def employers_in(response) -> list[str]:
    """The employers the table lists, in order (their public ids)."""
    return re.findall(r'<tr data-employer="([0-9a-f-]+)"', response.text)


def flagged_in(response) -> list[str]:
    return re.findall(r'<tr data-employer="([0-9a-f-]+)" data-flagged="true"', response.text)


def test_the_urls():
    assert reverse("employer-indicators") == INDICATORS


def test_staff_see_the_employers_of_their_contracts(sign_in, dataset, staff_ontario, employer_a):
    response = sign_in(staff_ontario).get(INDICATORS)
    assert response.status_code == 200
    assert employers_in(response) == [str(employer_a.public_id)]
    assert history_url(employer_a) in response.text


def test_administrators_see_every_employer_late_rate_first(sign_in, dataset, administrator, employer_a, employer_b):
    response = sign_in(administrator).get(INDICATORS)
    assert employers_in(response) == [str(employer_a.public_id), str(employer_b.public_id)]  # 33 % then 0 %
    assert flagged_in(response) == [str(employer_a.public_id), str(employer_b.public_id)]
    assert 'aria-sort="descending"' in response.text
    assert "⚠" in response.text


@pytest.mark.parametrize(("sort", "first"), [("rating_of_workers", "b"), ("name", "a"), ("late_rate", "a"),
                                             ("bogus", "a")])
def test_sorted_by_a_column(sign_in, dataset, administrator, employer_a, employer_b, sort, first):
    response = sign_in(administrator).get(INDICATORS, {"sort": sort})
    expected = {"a": employer_a, "b": employer_b}[first]
    assert employers_in(response)[0] == str(expected.public_id)


def test_filtered_by_season_program_and_name(sign_in, dataset, administrator, program, years, employer_b):
    client = sign_in(administrator)
    assert employers_in(client.get(INDICATORS, {"season": years[0], "program": program.pk})) != []
    response = client.get(INDICATORS, {"search": "québec"})
    assert employers_in(response) == [str(employer_b.public_id)]
    empty = client.get(INDICATORS, {"season": years[1] + 1})
    assert employers_in(empty) == []
    assert 'class="empty"' in empty.text


def test_a_bad_filter_is_refused_with_its_field(sign_in, dataset, administrator):
    response = sign_in(administrator).get(INDICATORS, {"season": "soon"})
    assert response.status_code == 200
    assert employers_in(response) == []
    assert 'class="field-error"' in response.text


def test_nothing_to_show(sign_in, staff_quebec):
    response = sign_in(staff_quebec).get(INDICATORS)
    assert response.status_code == 200
    assert 'class="empty"' in response.text
    assert "<table" not in response.text


def test_paginated_with_the_sort_kept(sign_in, dataset, administrator, employer_b):
    response = sign_in(administrator).get(INDICATORS, {"page_size": 1, "sort": "rating_of_workers"})
    assert employers_in(response) == [str(employer_b.public_id)]
    assert "sort=rating_of_workers&amp;page=2" in response.text


def many_employers(program, numbers):
    for number in numbers:
        employer = EmployerFactory(legal_name=f"Farm {number:02d} Ltd.")
        worksite = WorksiteFactory(employer=employer, region="CA-ON")
        request = season_request(program, employer, worksite, program.today().year - 1)
        finished(request, WorkerFactory(), status=S.RETURNED, open_return=False, returned_on_time=number % 2 == 0)
    facts.refresh()  # the indicators read the Observatory's facts


def test_the_page_reads_in_constant_queries(sign_in, administrator, program):
    client = sign_in(administrator)
    client.get(INDICATORS)  # the first page of a session also records the session's activity
    counts = {}
    for numbers in (range(2), range(2, 8)):
        many_employers(program, numbers)
        total = numbers.stop
        with CaptureQueriesContext(connection) as queries:
            response = client.get(INDICATORS)
        assert len(employers_in(response)) == total
        counts[total] = len(queries)
    # session, user, OTP device, the employers' rows (counted and paged in memory), the programs
    # and the seasons for the filters, the time of the facts' refresh (read once after each refresh).
    assert counts == {2: 7, 8: 7}


# --- One employer's history -----------------------------------------------------------------------

def test_history_by_season(sign_in, dataset, administrator, years, employer_a):
    response = sign_in(administrator).get(history_url(employer_a))
    assert response.status_code == 200
    assert re.findall(r'<tr data-season="(\d+)"', response.text) == [str(years[1]), str(years[0])]
    assert f'href="{reverse("review-employer-detail", args=[employer_a.public_id])}"' in response.text
    assert 'id="employer-history"' in response.text


def test_history_in_constant_queries(sign_in, dataset, administrator, employer_a, program):
    client = sign_in(administrator)
    client.get(history_url(employer_a))
    with CaptureQueriesContext(connection) as queries:
        client.get(history_url(employer_a))
    first = len(queries)
    for years_ago in (3, 4, 5):
        finished(season_request(program, employer_a, employer_a.worksites.get(), program.today().year - years_ago),
                 WorkerFactory(), status=S.RETURNED, open_return=False, returned_on_time=True)
    facts.refresh()
    client.get(history_url(employer_a))  # the refresh's time, read once and cached
    with CaptureQueriesContext(connection) as queries:
        response = client.get(history_url(employer_a))
    assert len(re.findall(r'<tr data-season="', response.text)) == 5
    # session, user, OTP device, the employer, the seasons, all seasons, whether the person may
    # open the employer's page.
    assert len(queries) == first == 7


def test_a_state_office_sees_the_history_of_its_workers_employer(sign_in, dataset, staff_tlaxcala, years,
                                                                 employer_a, employer_b):
    client = sign_in(staff_tlaxcala)
    response = client.get(history_url(employer_a))
    assert response.status_code == 200
    assert re.findall(r'<tr data-season="(\d+)"', response.text) == [str(years[0])]  # only a1, its worker
    # It may not open the employer's page (no worksite of its own there): no link to it.
    assert f'href="{reverse("review-employer-detail", args=[employer_a.public_id])}"' not in response.text
    assert client.get(history_url(employer_b)).status_code == 404  # none of its workers there


def test_another_consulate_does_not_find_the_employer(sign_in, dataset, staff_quebec, employer_a):
    assert sign_in(staff_quebec).get(history_url(employer_a)).status_code == 404


def test_an_employer_without_contracts_has_an_empty_history(sign_in, staff_ontario, worksite_a):
    response = sign_in(staff_ontario).get(history_url(worksite_a.employer))
    assert response.status_code == 200
    assert 'class="empty"' in response.text


def test_the_employer_page_links_to_the_history(sign_in, staff_ontario, worksite_a):
    response = sign_in(staff_ontario).get(reverse("review-employer-detail", args=[worksite_a.employer.public_id]))
    assert history_url(worksite_a.employer) in response.text


# --- Who may open the pages -------------------------------------------------------------------------

def test_employers_do_not_find_the_pages(sign_in, dataset, employer_a_user, employer_a):
    client = sign_in(employer_a_user)
    assert client.get(INDICATORS).status_code == 404
    assert client.get(history_url(employer_a)).status_code == 404


def test_anonymous_people_are_sent_to_sign_in(client, dataset, employer_a):
    for url in (INDICATORS, history_url(employer_a)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_an_unknown_employer_is_not_found(sign_in, administrator):
    url = reverse("employer-indicator-history", args=["00000000-0000-0000-0000-000000000001"])
    assert sign_in(administrator).get(url).status_code == 404
