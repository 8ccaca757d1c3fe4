"""Exports of the staff lists: the buttons post here with the list's filters in the query string;
a short list downloads at once, a long one becomes a job whose page shows its progress."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from twp.export_jobs import (
    export_filename,
    export_is_large,
    export_job_start,
    export_table,
    get_export,
    list_filters,
)
from twp.exports import XLSX_CONTENT_TYPE, csv_response, xlsx_response
from twp.models import ExportJob
from twp.permissions import ProgramStaffRequiredMixin


def _visible_job(request, public_id) -> ExportJob:
    # Someone else's job answers 404, like any row outside a person's scope.
    return get_object_or_404(ExportJob.objects.visible_to(request.user), public_id=public_id)


class ExportView(ProgramStaffRequiredMixin, View):
    """POST ``format=csv|xlsx`` to ``/exports/<kind>/?<the list's filters>``."""

    def post(self, request, kind):
        export = get_export(kind)
        file_format = request.POST.get("format", "")
        if export is None or file_format not in ExportJob.Format.values:
            raise Http404
        if not export.may_export(request.user):
            raise PermissionDenied
        params = list_filters(request.GET)
        if export_is_large(kind=kind, user=request.user, params=params):
            job = export_job_start(by=request.user, kind=kind, file_format=file_format, params=params)
            return redirect("export-detail", public_id=job.public_id)
        header, rows = export_table(kind=kind, user=request.user, params=params)
        filename = export_filename(kind, file_format)
        if file_format == ExportJob.Format.XLSX:
            return xlsx_response(header=header, rows=rows, filename=filename, title=str(export.label))
        return csv_response(header=header, rows=rows, filename=filename)


class ExportDetailView(LoginRequiredMixin, View):
    template_name = "twp/export_detail.html"

    def get(self, request, public_id):
        job = _visible_job(request, public_id)
        export = get_export(job.kind)
        return render(request, self.template_name, {"job": job, "export": export})


class ExportProgressView(LoginRequiredMixin, View):
    """The fragment htmx polls every second while the job runs; once it is finished the page reloads
    to show the download link."""

    def get(self, request, public_id):
        job = _visible_job(request, public_id)
        response = render(request, "twp/export_progress.html", {"job": job})
        if job.is_finished and request.headers.get("HX-Request"):
            response["HX-Refresh"] = "true"
        return response


class ExportDownloadView(LoginRequiredMixin, View):
    def get(self, request, public_id):
        job = _visible_job(request, public_id)
        if job.status != ExportJob.Status.DONE:
            raise Http404
        content_type = XLSX_CONTENT_TYPE if job.file_format == ExportJob.Format.XLSX else "text/csv; charset=utf-8"
        response = FileResponse(job.file.open("rb"), as_attachment=True, content_type=content_type,
                                filename=f"{job.kind}-{timezone.localtime(job.created_at):%Y-%m-%d}.{job.file_format}")
        response["X-Content-Type-Options"] = "nosniff"
        return response
