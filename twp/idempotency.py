"""Idempotency keys: a retried request never does the work twice.

A client (the authenticated user or integration client) sends ``Idempotency-Key`` with a POST.
:func:`once` runs the work and stores its answer (status and body) in the same database
transaction, under the unique (client, key):

- the same key again answers the stored answer and does nothing (``replayed``);
- the same key with another request (method, path or body) is refused: 422;
- the same key while the first request is still running: the second waits for it (up to
  ``IDEMPOTENCY_WAIT_SECONDS``, then 409), so fifty copies sent at once get one posting and
  fifty identical answers;
- an answer that refuses the request (4xx) is stored like a success: the client must not
  believe a retry would now succeed without changing the request. An unexpected error (5xx) rolls
  everything back, the key included, so the retry runs afresh.

Keys are scoped to the client: another client's identical key is another key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from twp.exceptions import Conflict, DomainError
from twp.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class KeyReused(DomainError):
    """The key was used before for another request (HTTP 422)."""

    default_message = _("This Idempotency-Key was already used for a different request. Use a new key for a "
                        "new request.")


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    replayed: bool


def fingerprint(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\x00")
    return digest.hexdigest()


def body_fingerprint(method: str, path: str, data: Any) -> str:
    """The request's fingerprint from its parsed body (key order and spacing do not matter)."""
    return fingerprint(method, path, json.dumps(data, sort_keys=True, default=str, separators=(",", ":")))


def check_key(key: str | None) -> str:
    if key is None or not key.strip():
        raise DomainError(_("Send an Idempotency-Key header (a unique value per request, e.g. a UUID)."),
                          field=HEADER)
    key = key.strip()
    if len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise DomainError(_("The Idempotency-Key is at most 255 printable ASCII characters."), field=HEADER)
    return key


def once(*, client, key: str, request_fingerprint: str, work: Callable[[], tuple[int, Any]],
         refusal: Callable[[DomainError], tuple[int, Any]]) -> Answer:
    """Run ``work`` (returns status and a JSON-able body) once for ``client`` and ``key``.

    ``work`` runs in a savepoint of the transaction that records the answer; a ``DomainError`` it
    raises is turned into an answer by ``refusal`` and stored (the savepoint is rolled back, so
    the refused work leaves nothing). Raises ``KeyReused`` (422), ``Conflict`` (409: still
    running) or whatever unexpected error ``work`` raised (nothing stored)."""
    key = check_key(key)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # A first request still running holds the row it inserted: ours waits for its commit
            # (then finds its answer) or its rollback (then runs the work itself), up to the limit.
            cursor.execute("SET LOCAL lock_timeout = %s", [f"{int(settings.IDEMPOTENCY_WAIT_SECONDS * 1000)}ms"])
            try:
                with transaction.atomic():
                    cursor.execute("""
                        INSERT INTO twp_idempotencyrecord (client_id, key, fingerprint, status_code, body, created_at)
                        VALUES (%s, %s, %s, 0, NULL, now())
                        ON CONFLICT (client_id, key) DO NOTHING RETURNING id
                    """, [client.pk, key, request_fingerprint])
                    inserted = cursor.fetchone()
            except OperationalError as error:
                if getattr(error.__cause__, "pgcode", None) != "55P03":  # lock_not_available
                    raise
                raise Conflict(_("A request with this Idempotency-Key is still being processed. Retry in a "
                                 "moment.")) from error
            cursor.execute("SET LOCAL lock_timeout = DEFAULT")
        if inserted is None:
            record = IdempotencyRecord.objects.get(client=client, key=key)
            if record.fingerprint != request_fingerprint:
                raise KeyReused(field=HEADER)
            return Answer(record.status_code, record.body, replayed=True)
        try:
            with transaction.atomic():
                status, body = work()
        except DomainError as refused:
            status, body = refusal(refused)
        IdempotencyRecord.objects.filter(pk=inserted[0]).update(status_code=status, body=body)
        return Answer(status, body, replayed=False)


def idempotency_records_purge(*, now=None) -> int:
    """Forget answers older than ``IDEMPOTENCY_KEEP_DAYS`` days (each is kept at least that long)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.IDEMPOTENCY_KEEP_DAYS)
    deleted, _rows = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def api_answer(request, work: Callable[[], Any]):
    """``once`` for a DRF view: ``work`` returns a ``Response``; the answer is rendered as one,
    refusals as the API's exception handler renders them. Replays carry ``Idempotent-Replayed``."""
    from rest_framework.response import Response

    from twp.api.exceptions import exception_handler

    def run():
        response = work()
        return response.status_code, response.data

    def refusal(error):
        response = exception_handler(error, {"request": request})
        return response.status_code, response.data

    data = request.data
    if hasattr(data, "dict"):  # a form or multipart body: its fields and its files' contents
        files = {name: hashlib.sha256(upload.read()).hexdigest() for name, upload in request.FILES.items()}
        for upload in request.FILES.values():
            upload.seek(0)
        data = {**{name: value for name, value in data.items() if name not in files}, **files}
    answer = once(client=request.user, key=request.headers.get(HEADER),
                  request_fingerprint=body_fingerprint(request.method, request.path, data), work=run, refusal=refusal)
    response = Response(answer.body, status=answer.status)
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return response
