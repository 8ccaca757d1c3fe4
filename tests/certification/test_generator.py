"""generate_data also gives every fifth generated worker a certificate, deterministically."""

import datetime

import pytest
from django.core.management import call_command

from certification.models import Certificate
from certification.services import certificate_verify
from tests.factories import SchemeFactory
from workers.generator import generated_workers

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 11, 1)


def generate(seed=31):
    call_command("generate_data", workers=60, seed=seed, as_of=AS_OF, verbosity=0)
    return list(Certificate.objects.filter(worker__in=generated_workers(seed))
                .order_by("worker_id").values_list("worker_id", "scheme__code", "issued_on", "expires_on",
                                                   "verification_code"))


def test_generated_workers_get_valid_verifiable_certificates_and_the_same_ones_again(administrator):
    SchemeFactory()
    SchemeFactory(code="english-a2", name_es="Inglés A2", name_en="English A2", validity_months=36)
    first = generate()
    assert 0 < len(first) < 60
    for _worker_id, _scheme, issued_on, expires_on, code in first:
        assert AS_OF - datetime.timedelta(days=300) <= issued_on <= AS_OF
        assert expires_on > issued_on
        assert certificate_verify(code=code).status in {"valid", "expired"}

    call_command("generate_data", reset=True, verbosity=0)
    assert Certificate.objects.count() == 0
    again = generate()
    assert [row[1:] for row in again] == [row[1:] for row in first]
