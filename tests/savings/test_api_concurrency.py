"""One payroll line sent fifty times at once under one ``Idempotency-Key``, on the real
PostgreSQL: threads, each with its own connection, released together by a barrier.

Exactly one posting, and fifty identical answers (status and body): the first request inserts the
key's row and holds it until its answer is stored; the other forty-nine wait on the unique key
``idempotency_one_answer_per_key`` and then replay that answer.

It runs once more with each safeguard removed (``with_teeth``) and must then fail: without the
unique constraint the key cannot even be claimed (``ON CONFLICT`` has nothing to arbitrate on)
and the requests fail; without the idempotency layer at all, the pay-period rule still lets only
one line through, but the other forty-nine get refusals instead of the first answer."""

from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from savings.api import views
from savings.models import Contribution, Entry, LedgerTransaction
from tests.helpers import race, with_teeth
from tests.savings.conftest import payroll_line
from twp.models import IdempotencyRecord

pytestmark = pytest.mark.django_db(transaction=True)

COPIES = 50
TRIALS = 3
CONTRIBUTIONS = "/api/v1/savings/contributions/"
ONE_ANSWER = next(constraint for constraint in IdempotencyRecord._meta.constraints
                  if constraint.name == "idempotency_one_answer_per_key")


def without_the_unique_key(monkeypatch):
    """Drops ``idempotency_one_answer_per_key`` for this test (``unique_key_restored`` puts it back)."""
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {IdempotencyRecord._meta.db_table} DROP CONSTRAINT {ONE_ANSWER.name}")


def without_idempotency(monkeypatch):
    monkeypatch.setattr(views, "api_answer", lambda request, work: work())


@pytest.fixture(autouse=True)
def unique_key_restored():
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_constraint WHERE conname = %s", [ONE_ANSWER.name])
        present = cursor.fetchone()
    if not present:
        IdempotencyRecord.objects.all().delete()
        with connection.schema_editor() as editor:
            editor.add_constraint(IdempotencyRecord, ONE_ANSWER)


def sender(user, body, key):
    def send():
        client = APIClient()
        client.force_authenticate(user)
        response = client.post(CONTRIBUTIONS, body, format="json", headers={"Idempotency-Key": key},
                               HTTP_ACCEPT_LANGUAGE="en")
        return response.status_code, response.json(), response.headers.get("Idempotent-Replayed")

    return send


@with_teeth(without_the_unique_key, without_idempotency)
def test_one_key_sent_fifty_times_at_once_posts_once_and_answers_fifty_times_alike(safeguard, running,
                                                                                   employer_a_user):
    for trial in range(TRIALS):
        body, key = payroll_line(running, week=trial), f"payroll-{trial}"
        outcomes = race([sender(employer_a_user, body, key) for _copy in range(COPIES)])
        failures = [repr(outcome) for outcome in outcomes if isinstance(outcome, BaseException)]
        assert not failures, f"trial {trial}: {len(failures)} requests failed, e.g. {failures[0][:300]}"
        assert Counter(status for status, _body, _replayed in outcomes) == Counter({201: COPIES}), (
            f"trial {trial}: {Counter(str(body) for _status, body, _replayed in outcomes).most_common(3)}")
        first = outcomes[0][1]
        assert all(body == first for _status, body, _replayed in outcomes), f"trial {trial}: different answers"
        assert Counter(replayed for _status, _body, replayed in outcomes) == Counter({None: 1, "true": COPIES - 1})
        assert (Contribution.objects.filter(period_start=body["period_start"]).count(),
                LedgerTransaction.objects.count(), Entry.objects.count()) == (1, trial + 1, 2 * (trial + 1))
        assert first["id"] == str(Contribution.objects.get(period_start=body["period_start"]).public_id)
