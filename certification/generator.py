"""Certificates for generated workers (a step of ``manage.py generate_data``), set-based.

About every fifth generated worker of the seed holds one certificate, in a scheme picked among the
active schemes, issued within the 300 days before ``as_of``. Deterministic: everything derives from
the worker's public id (itself derived from the seed), so the codes are predictable, which is fine
for benchmark data and never how real certificates get their codes (certification.models)."""

from django.db import connection, transaction

from certification.models import Scheme
from twp import audit
from workers.generator import GenerationStep, register_generation_step, uuid_range

CERTIFIED_EVERY = 5


def generate_certificates(*, seed, as_of, verifier) -> tuple[str, int]:
    schemes = list(Scheme.objects.active().order_by("code").values_list("pk", "validity_months"))
    if not schemes:
        return "certificates (no active scheme)", 0
    low, high = uuid_range(seed)
    scheme_ids = [pk for pk, _months in schemes]
    months = [validity for _pk, validity in schemes]
    with transaction.atomic(), audit.context(command="generate_data", seed=seed), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO certification_certificate
                (public_id, worker_id, scheme_id, session_id, issued_on, expires_on, score, verification_code,
                 issued_by_id, revoked_at, revoked_by_id, revocation_reason, created_at, updated_at)
            SELECT md5('certificate-' || w.public_id)::uuid, w.id, pick.scheme_id, NULL, pick.issued_on,
                   (pick.issued_on + make_interval(months => pick.months) - interval '1 day')::date,
                   60 + pick.draw %% 41, upper(substr(md5('code-' || w.public_id), 1, 16)),
                   %(verifier)s, NULL, NULL, '', now(), now()
            FROM workers_worker w
            CROSS JOIN LATERAL (SELECT abs(hashtext(w.public_id::text)) AS draw) hashed
            CROSS JOIN LATERAL (
                SELECT hashed.draw,
                       (%(scheme_ids)s::bigint[])[1 + hashed.draw %% %(count)s] AS scheme_id,
                       (%(months)s::int[])[1 + hashed.draw %% %(count)s] AS months,
                       %(as_of)s::date - (hashed.draw %% 300)::int AS issued_on
            ) pick
            WHERE w.public_id BETWEEN %(low)s AND %(high)s AND hashed.draw %% %(every)s = 0
            """,
            {"seed": seed, "verifier": verifier.pk, "scheme_ids": scheme_ids, "months": months,
             "count": len(scheme_ids), "as_of": as_of, "low": low, "high": high, "every": CERTIFIED_EVERY},
        )
        return "certificates", cursor.rowcount


def delete_certificates(cursor, worker_ids_sql: str, params: list) -> None:
    cursor.execute(f"DELETE FROM certification_certificate WHERE worker_id IN ({worker_ids_sql})", params)  # noqa: S608


register_generation_step(GenerationStep(generate=generate_certificates, delete=delete_certificates))
