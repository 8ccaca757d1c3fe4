"""``twp.idempotency.once``: one run per client and key, the first answer replayed, another
request under the same key refused, a key still running answered 409 after the wait."""

import threading

import pytest
from django.db import connection, connections, transaction

from twp.exceptions import Conflict, DomainError
from twp.idempotency import KeyReused, idempotency_records_purge, once
from twp.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


def refusal(error):
    return 400, {"detail": str(error.message)}


def test_the_same_key_answers_the_first_answer_and_runs_nothing(administrator):
    runs = []
    first = once(client=administrator, key="k1", request_fingerprint="a", work=lambda: (runs.append(1) or 201, {
        "n": len(runs)}), refusal=refusal)
    second = once(client=administrator, key="k1", request_fingerprint="a", work=lambda: (runs.append(1) or 201, {
        "n": len(runs)}), refusal=refusal)
    assert (first.status, first.body, first.replayed) == (201, {"n": 1}, False)
    assert (second.status, second.body, second.replayed) == (201, {"n": 1}, True)
    assert runs == [1]


def test_the_same_key_with_another_request_is_refused(administrator):
    once(client=administrator, key="k1", request_fingerprint="a", work=lambda: (201, {}), refusal=refusal)
    with pytest.raises(KeyReused):
        once(client=administrator, key="k1", request_fingerprint="b", work=lambda: (201, {}), refusal=refusal)


def test_keys_belong_to_their_client(administrator, staff_ontario):
    once(client=administrator, key="k1", request_fingerprint="a", work=lambda: (201, {"who": "admin"}),
         refusal=refusal)
    other = once(client=staff_ontario, key="k1", request_fingerprint="a", work=lambda: (201, {"who": "staff"}),
                 refusal=refusal)
    assert (other.body, other.replayed) == ({"who": "staff"}, False)


def test_a_refusal_is_stored_and_its_work_undone(administrator, staff_ontario):
    def refused_work():
        IdempotencyRecord.objects.create(client=staff_ontario, key="written-then-undone", fingerprint="x")
        raise DomainError("no")

    answer = once(client=administrator, key="k1", request_fingerprint="a", work=refused_work, refusal=refusal)
    again = once(client=administrator, key="k1", request_fingerprint="a", work=refused_work, refusal=refusal)
    assert (answer.status, answer.body, again.body, again.replayed) == (400, {"detail": "no"}, {"detail": "no"}, True)
    assert not IdempotencyRecord.objects.filter(key="written-then-undone").exists()


@pytest.mark.parametrize("key", [None, "", "x" * 256, "día"])
def test_a_missing_or_malformed_key_is_refused(administrator, key):
    with pytest.raises(DomainError) as refused:
        once(client=administrator, key=key, request_fingerprint="a", work=lambda: (201, {}), refusal=refusal)
    assert refused.value.field == "Idempotency-Key"
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_key_still_running_is_answered_409_after_the_wait(administrator, settings):
    settings.IDEMPOTENCY_WAIT_SECONDS = 0.2
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(10)
        return 201, {"done": True}

    def first_request():
        try:
            once(client=administrator, key="k1", request_fingerprint="a", work=slow, refusal=refusal)
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_request)
    thread.start()
    started.wait(10)
    try:
        with pytest.raises(Conflict, match="still being processed"):
            once(client=administrator, key="k1", request_fingerprint="a", work=lambda: (201, {}), refusal=refusal)
    finally:
        release.set()
        thread.join()
    replay = once(client=administrator, key="k1", request_fingerprint="a", work=lambda: (500, {}), refusal=refusal)
    assert (replay.body, replay.replayed) == ({"done": True}, True)
    assert not connection.in_atomic_block
    assert transaction.get_autocommit()


def test_answers_are_kept_seven_days(administrator):
    from datetime import timedelta

    from django.utils import timezone

    once(client=administrator, key="k1", request_fingerprint="a", work=lambda: (201, {}), refusal=refusal)
    now = timezone.now()
    assert idempotency_records_purge(now=now + timedelta(days=6, hours=23)) == 0
    assert idempotency_records_purge(now=now + timedelta(days=7, minutes=1)) == 1
