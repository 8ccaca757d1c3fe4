"""The certificates panel on the worker's page (see workers/panels.py)."""

from certification.forms import CertificateIssueForm, RevokeForm
from certification.models import Certificate
from workers.panels import register_worker_panel


@register_worker_panel
def certificates_panel(request, worker):
    certificates = Certificate.objects.filter(worker=worker).select_related("scheme").order_by("-issued_on", "-id")
    return {"template": "certification/worker_panel.html", "certificates": certificates, "worker": worker,
            "issue_form": CertificateIssueForm(), "revoke_form": RevokeForm()}
