"""Staff pages of imports: upload, the job's progress and report, the report as CSV."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from twp.exports import csv_response
from twp.imports import RowOutcome, get_importer, importers
from twp.imports.forms import ImportUploadForm
from twp.imports.services import import_job_start, import_report_rows
from twp.models import ImportJob
from twp.permissions import ProgramStaffRequiredMixin

# The job page lists this many report rows; the CSV has them all.
REPORT_PAGE_ROWS = 1_000
RECENT_JOBS = 10


def _visible_job(request, public_id) -> ImportJob:
    return get_object_or_404(ImportJob.objects.visible_to(request.user), public_id=public_id)


class ImportUploadView(ProgramStaffRequiredMixin, View):
    template_name = "twp/import_upload.html"

    def _render(self, request, form, status=200):
        jobs = ImportJob.objects.filter(created_by=request.user).order_by("-id")[:RECENT_JOBS]
        return render(request, self.template_name, {
            "form": form, "jobs": jobs, "importers": importers(),
            "option_fields": [form[name] for name in form.fields if name not in ("kind", "file", "encoding")],
        }, status=status)

    def get(self, request):
        return self._render(request, ImportUploadForm(user=request.user))

    def post(self, request):
        form = ImportUploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            options = {name: value for name, value in form.cleaned_data.items()
                       if name not in ("kind", "file", "encoding") and value}
            try:
                job = import_job_start(by=request.user, kind=form.cleaned_data["kind"],
                                       file=form.cleaned_data["file"], encoding=form.cleaned_data["encoding"],
                                       options=options)
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
            else:
                return redirect("import-detail", public_id=job.public_id)
        return self._render(request, form, status=400)


class ImportDetailView(ProgramStaffRequiredMixin, View):
    template_name = "twp/import_detail.html"

    def get(self, request, public_id):
        job = _visible_job(request, public_id)
        report = []
        if job.is_finished:
            outcomes = dict(RowOutcome.choices)
            for line in import_report_rows(job):
                report.append({**line, "outcome_label": outcomes.get(line["outcome"], line["outcome"])})
                if len(report) >= REPORT_PAGE_ROWS:
                    break
        importer = get_importer(job.kind)
        return render(request, self.template_name, {
            "job": job, "report": report, "kind_label": importer.label if importer else job.kind,
            "report_truncated": len(report) < job.processed,
        })


class ImportProgressView(ProgramStaffRequiredMixin, View):
    """The fragment htmx polls every second while the job runs; once it is finished the page reloads
    to show the report."""

    def get(self, request, public_id):
        job = _visible_job(request, public_id)
        response = render(request, "twp/import_progress.html", {"job": job})
        if job.is_finished and request.headers.get("HX-Request"):
            response["HX-Refresh"] = "true"
        return response


class ImportReportView(ProgramStaffRequiredMixin, View):
    def get(self, request, public_id):
        job = _visible_job(request, public_id)
        outcomes = dict(RowOutcome.choices)

        def rows():
            for line in import_report_rows(job):
                yield [line["row"], line["key"], outcomes.get(line["outcome"], line["outcome"]),
                       "; ".join(line["changed"]),
                       " | ".join(f"{field}: {' '.join(messages)}" for field, messages in line["errors"].items())]

        header = [_("Row"), _("Key"), _("Outcome"), _("Changed fields"), _("Errors")]
        return csv_response(header=header, rows=rows(), filename=f"import-report-{job.public_id}.csv")
