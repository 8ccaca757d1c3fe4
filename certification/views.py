"""Pages: the public verification page, and staff issuing, revoking and printing certificates."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certification import services
from certification.forms import CertificateIssueForm, RevokeForm, VerifyForm
from certification.models import Certificate
from certification.pdf import certificate_pdf
from twp.exceptions import DomainError
from workers.models import Worker


@login_not_required
def verify(request):
    """Anyone: type a code, learn the holder's name, the scheme and validity, nothing else."""
    form = VerifyForm(request.GET or None)
    verification = services.certificate_verify(code=form.cleaned_data["code"]) if form.is_valid() else None
    return render(request, "certification/verify.html", {"form": form, "verification": verification})


def _staff_only(request):
    if not request.user.is_program_staff:
        raise Http404


@require_POST
def certificate_issue(request, worker_id):
    _staff_only(request)
    worker = get_object_or_404(Worker.objects.visible_to(request.user), public_id=worker_id)
    form = CertificateIssueForm(request.POST)
    if form.is_valid():
        try:
            services.certificate_issue(worker=worker, by=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            messages.error(request, str(getattr(error, "message", None) or "; ".join(error.messages)))
        else:
            messages.success(request, _("Certificate issued."))
    else:
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
    return redirect("worker-detail", public_id=worker.public_id)


def _visible_certificate(request, certificate_id) -> Certificate:
    _staff_only(request)
    return get_object_or_404(Certificate.objects.visible_to(request.user).select_related("worker", "scheme"),
                             public_id=certificate_id)


@require_POST
def certificate_revoke(request, certificate_id):
    certificate = _visible_certificate(request, certificate_id)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for revoking this certificate."))
    else:
        try:
            services.certificate_revoke(certificate=certificate, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Certificate revoked."))
    return redirect("worker-detail", public_id=certificate.worker.public_id)


def certificate_download(request, certificate_id):
    certificate = _visible_certificate(request, certificate_id)
    response = HttpResponse(certificate_pdf(certificate, language=translation.get_language() or "es"),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.verification_code}.pdf"'
    return response
