"""Pages: the public verification page, and staff issuing, revoking and printing certificates."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certification import services
from certification.forms import AttendanceForm, CertificateIssueForm, RevokeForm, TrainingSessionForm, VerifyForm
from certification.models import Certificate, TrainingSession
from certification.pdf import certificate_pdf_response
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
    return certificate_pdf_response(_visible_certificate(request, certificate_id))


def session_list(request):
    """The training sessions the staff member's office runs; office staff create new ones here."""
    _staff_only(request)
    form = TrainingSessionForm(request.POST or None)
    if request.method == "POST":
        if request.user.office is None:
            messages.error(request, _("Only office staff run training sessions."))
        elif form.is_valid():
            session = form.save(commit=False)
            session.office = request.user.office
            session.save()
            messages.success(request, _("Training session created."))
            return redirect("session-detail", session_id=session.public_id)
    sessions = TrainingSession.objects.visible_to(request.user).select_related("scheme").order_by("-starts_on")[:100]
    return render(request, "certification/session_list.html", {"sessions": sessions, "form": form},
                  status=400 if form.errors else 200)


def session_detail(request, session_id):
    """A session's attendance list: add a worker by CURP (POSTed, never in a URL) or import a list."""
    _staff_only(request)
    session = get_object_or_404(TrainingSession.objects.visible_to(request.user).select_related("scheme"),
                                public_id=session_id)
    form = AttendanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        from workers.validators import normalize_curp

        worker = Worker.objects.visible_to(request.user).filter(curp=normalize_curp(form.cleaned_data["curp"])).first()
        if worker is None:
            form.add_error("curp", _("No worker with that CURP is registered in your office's scope."))
        else:
            services.attendance_record(session=session, worker=worker, by=request.user,
                                       completed=form.cleaned_data["completed"], score=form.cleaned_data["score"])
            messages.success(request, _("Attendance recorded."))
            return redirect("session-detail", session_id=session.public_id)
    attendance = session.attendance.select_related("worker").order_by("worker__paternal_surname", "worker__id")
    return render(request, "certification/session_detail.html",
                  {"session": session, "attendance": attendance, "form": form}, status=400 if form.errors else 200)
