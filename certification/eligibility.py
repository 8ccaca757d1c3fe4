"""The certificate rule of eligibility: every scheme a request requires needs a valid certificate."""

import numpy as np
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from certification.models import Certificate, Scheme
from workers.eligibility import Reason, register


@register
class RequiredCertificatesRule:
    code = "certificate_missing"

    def reasons(self, worker, question):
        required = question.requirements.certification_scheme_ids
        if not required:
            return []
        held = set(Certificate.objects.filter(worker=worker, scheme_id__in=required)
                   .valid_on(question.start).values_list("scheme_id", flat=True))
        missing = [scheme_id for scheme_id in required if scheme_id not in held]
        names = {scheme.pk: scheme.name for scheme in Scheme.objects.filter(pk__in=missing)}
        return [Reason(self.code, _("No valid certificate in %(scheme)s on the start date.")
                       % {"scheme": names.get(scheme_id, scheme_id)}) for scheme_id in missing]

    def exclude_ineligible(self, workers, question):
        for scheme_id in question.requirements.certification_scheme_ids:
            workers = workers.filter(Exists(
                Certificate.objects.filter(worker=OuterRef("pk"), scheme_id=scheme_id).valid_on(question.start)
            ))
        return workers

    def mask(self, table, question):
        passing = np.ones(len(table), dtype=bool)
        start = question.start.toordinal()
        for scheme_id in set(question.requirements.certification_scheme_ids):
            positions, issued, expires = table.rows(f"certificates_{scheme_id}", _certificates(scheme_id))
            passing &= table.any_row(positions, (issued <= start) & (expires >= start))
        return passing


def _certificates(scheme_id: int):
    """The table's workers' certificates in a scheme, not revoked: worker, issued on, expires on."""
    def rows(ids):
        return Certificate.objects.filter(worker__in=ids, scheme_id=scheme_id, revoked_at__isnull=True).values_list(
            "worker_id", "issued_on", "expires_on")
    return rows
