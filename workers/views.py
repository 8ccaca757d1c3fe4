"""Staff pages of the worker registry. Each view parses input, calls one service, renders."""

import functools
import time
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from pghistory.models import Events

from twp.exceptions import DomainError, StaleVersion
from twp.exports import csv_response
from twp.models import Program
from twp.permissions import ProgramStaffRequiredMixin
from twp.regions import MEXICAN_STATES
from workers import services
from workers.eligibility import check_eligibility
from workers.exports import EXPORT_COLUMNS, filtered_workers, worker_export_rows
from workers.filtersets import WorkerFilterSet
from workers.forms import DocumentForm, EligibilityForm, WorkerForm, WorkerSearchForm
from workers.models import Document, Occupation, Worker, WorkerStatus
from workers.panels import worker_panels
from workers.uploads import document_file_response
from workers.validators import CURP_PATTERN, normalize_curp

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def _page_size(request) -> int:
    try:
        return max(1, min(MAX_PAGE_SIZE, int(request.GET.get("page_size", PAGE_SIZE))))
    except ValueError:
        return PAGE_SIZE


def _apply_form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


@dataclass(frozen=True, slots=True)
class WorkerRow:
    """One row of the list page, computed in the view: the template only prints it."""

    pk: int
    url: str
    name: str
    curp: str
    state: str
    status: str
    is_active: bool


class WorkerListView(ProgramStaffRequiredMixin, View):
    """Workers of the staff member's scope, newest first, a page at a time without counting them all.

    The search box is POSTed: a CURP typed there opens the worker's page directly and never travels
    in a URL; a name search becomes ``?search=``."""

    template_name = "workers/list.html"

    def get(self, request):
        workers = Worker.objects.visible_to(request.user)
        filterset = WorkerFilterSet(request.GET, queryset=workers, request=request)
        rows, next_cursor = [], None
        if filterset.is_valid():
            after = request.GET.get("after", "")
            size = _page_size(request)

            def page_of(workers):
                if after.isdigit():
                    workers = workers.filter(id__lt=int(after))
                # One row more than shown tells whether a next page exists, without a COUNT(*).
                return _rows(workers.order_by("-id")[: size + 1])

            rows = filterset.first_page_found(page_of)
            if len(rows) > size:
                rows = rows[:size]
                next_cursor = rows[-1].pk
        query = request.GET.copy()
        query.pop("after", None)
        return render(request, self.template_name, {
            "workers": rows,
            "filter": filterset,
            "filter_rows": _filter_rows(filterset.form, request.GET),
            "search": request.GET.get("search", ""),
            "next_url": f"?{urlencode({**query.dict(), 'after': next_cursor})}" if next_cursor else None,
            "first_url": f"?{query.urlencode()}" if "after" in request.GET else None,
        })

    def post(self, request):
        form = WorkerSearchForm(request.POST)
        term = form.data.get("q", "").strip()
        if CURP_PATTERN.match(normalize_curp(term)):
            worker = Worker.objects.visible_to(request.user).filter(curp=normalize_curp(term)).first()
            if worker:
                return redirect("worker-detail", public_id=worker.public_id)
            messages.info(request, _("No worker with that CURP is registered in your office's scope."))
            return redirect("worker-list")
        return HttpResponseRedirect(f"{reverse('worker-list')}?{urlencode({'search': term})}" if term else
                                    reverse("worker-list"))


@functools.cache
def _choice_labels(language: str) -> dict[str, dict[str, str]]:
    """The labels of states and statuses in the active language (``language`` is its code).
    get_FOO_display() rebuilds and hashes the whole translated choice list on every call; these
    lists never change while the process runs."""
    return {"state_of_origin": {code: str(name) for code, name in MEXICAN_STATES},
            "status": {code: str(name) for code, name in WorkerStatus.choices}}


def _rows(workers) -> list[WorkerRow]:
    """The page's rows from plain values: model instances and per-cell template lookups (labels of
    choices, the full name, the URL) cost more than the query (bench/RESULTS.md)."""
    prefix = reverse("worker-list")
    labels = _choice_labels(get_language())
    state_names, status_names = labels["state_of_origin"], labels["status"]
    return [
        WorkerRow(
            pk=pk, url=f"{prefix}{public_id}/", name=" ".join(part for part in (first, paternal, maternal) if part),
            curp=curp, state=state_names.get(state, state), status=status_names.get(status, status),
            is_active=is_active,
        )
        for pk, public_id, curp, first, paternal, maternal, state, status, is_active in workers.values_list(
            "id", "public_id", "curp", "first_names", "paternal_surname", "maternal_surname", "state_of_origin",
            "status", "is_active",
        )
    ]


def _filter_rows(form, params) -> list[list[dict]]:
    """The filter form's fields as the page draws them, in two rows. The options of its selects are
    joined here: drawn by Django's widgets, or a template loop per option, they cost several
    milliseconds a page (bench/RESULTS.md)."""
    choices = _filter_choices()

    def select(name):
        return {"name": name, "label": form.fields[name].label, "errors": form.errors.get(name),
                "options": _options(tuple(choices[name]), params.get(name, ""))}

    def date(name):
        return {"name": name, "label": form.fields[name].label, "errors": form.errors.get(name), "type": "date",
                "value": params.get(name, "")}

    return [[select("state_of_origin"), select("status"), select("occupation")],
            [select("eligible_program"), date("eligible_start"), date("eligible_end")]]


def _filter_choices() -> dict[str, list[tuple[str, str]]]:
    """(value, label) pairs of the list's filter selects, in the current language."""
    language = get_language()
    labels = _choice_labels(language)
    vocabulary = _filter_vocabulary()
    english = (language or "").startswith("en")
    return {
        "state_of_origin": list(labels["state_of_origin"].items()),
        "status": list(labels["status"].items()),
        "occupation": [(code, name_en if english else name_es) for code, name_es, name_en in vocabulary["occupations"]],
        "eligible_program": vocabulary["programs"],
    }


# Occupations and active programs change when an administrator edits a program (or a migration the
# vocabulary), not with page views: each process keeps them VOCABULARY_SECONDS, and forgets them at
# once when it saves or deletes one itself. Asking for them on every page cost a query and ~1 ms.
VOCABULARY_SECONDS = 60
_vocabulary_cache: dict[str, tuple[dict, float]] = {}


def _filter_vocabulary() -> dict[str, list[tuple[str, ...]]]:
    vocabulary, expires = _vocabulary_cache.get("vocabulary", (None, 0.0))
    if vocabulary is None or time.monotonic() >= expires:
        vocabulary = {
            "occupations": list(Occupation.objects.values_list("code", "name_es", "name_en")),
            "programs": [(str(pk), name) for pk, name in Program.objects.active().values_list("pk", "name")],
        }
        _vocabulary_cache["vocabulary"] = (vocabulary, time.monotonic() + VOCABULARY_SECONDS)
    return vocabulary


@receiver([post_save, post_delete], sender=Occupation, dispatch_uid="worker-list-occupations-changed")
@receiver([post_save, post_delete], sender=Program, dispatch_uid="worker-list-programs-changed")
def _forget_vocabulary(**kwargs):
    _vocabulary_cache.clear()


@functools.lru_cache(maxsize=256)
def _options(choices: tuple[tuple[str, str], ...], selected: str) -> str:
    """<option> elements of (value, label) pairs, the selected one marked. The same few lists are
    drawn on every page, and escaping their labels is what costs: kept (the key is the whole list)."""
    return format_html_join("", '<option value="{}"{}>{}</option>', (
        (value, " selected" if value == selected else "", label) for value, label in choices
    ))


class WorkerExportView(ProgramStaffRequiredMixin, View):
    """The filtered list as a streamed CSV, with the same filters and scope as the list page."""

    def get(self, request):
        workers = filtered_workers(request.user, request.GET)
        return csv_response(header=EXPORT_COLUMNS, rows=worker_export_rows(workers), filename="workers.csv")


def _visible_worker(request, public_id) -> Worker:
    return get_object_or_404(Worker.objects.visible_to(request.user), public_id=public_id)


class WorkerDetailView(ProgramStaffRequiredMixin, View):
    template_name = "workers/detail.html"

    def get(self, request, public_id):
        worker = get_object_or_404(
            Worker.objects.visible_to(request.user).prefetch_related("occupations", "languages", "documents"),
            public_id=public_id,
        )
        eligibility_form = EligibilityForm(request.GET or None)
        eligibility = None
        if eligibility_form.is_valid():
            eligibility = check_eligibility(worker=worker, program=eligibility_form.cleaned_data["program"],
                                            start=eligibility_form.cleaned_data["start"],
                                            end=eligibility_form.cleaned_data["end"])
        documents = sorted(worker.documents.all(), key=lambda document: (document.kind, -document.id))
        history = Events.objects.references(worker).order_by("-pgh_created_at")[:50]
        return render(request, self.template_name, {
            "worker": worker,
            "documents": documents,
            "status_changes": worker.status_changes.select_related("changed_by")[:50],
            "curp_corrections": worker.curp_corrections.select_related("corrected_by"),
            "history": history,
            "eligibility_form": eligibility_form,
            "eligibility": eligibility,
            "panels": worker_panels(request, worker),
        })


class WorkerCreateView(ProgramStaffRequiredMixin, View):
    template_name = "workers/form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": WorkerForm()})

    def post(self, request):
        form = WorkerForm(request.POST)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS}
            try:
                worker = services.worker_register(by=request.user, curp=form.cleaned_data["curp"],
                                                  occupations=list(form.cleaned_data["occupations"]), **data)
            except ValidationError as error:
                _apply_form_errors(form, error)
            else:
                messages.success(request, _("Worker registered."))
                return redirect("worker-detail", public_id=worker.public_id)
        return render(request, self.template_name, {"form": form}, status=400)


class WorkerUpdateView(ProgramStaffRequiredMixin, View):
    template_name = "workers/form.html"

    def get(self, request, public_id):
        worker = _visible_worker(request, public_id)
        return render(request, self.template_name, {"form": WorkerForm(instance=worker), "worker": worker})

    def post(self, request, public_id):
        worker = _visible_worker(request, public_id)
        form = WorkerForm(request.POST, instance=worker)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS}
            try:
                services.worker_update(worker=worker, by=request.user, version=form.cleaned_data["version"] or 0,
                                       occupations=list(form.cleaned_data["occupations"]), **data)
            except StaleVersion as error:
                form.add_error(None, str(error.message))
            except ValidationError as error:
                _apply_form_errors(form, error)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("worker-detail", public_id=worker.public_id)
        return render(request, self.template_name, {"form": form, "worker": worker}, status=400)


class DocumentCreateView(ProgramStaffRequiredMixin, View):
    template_name = "workers/document_form.html"

    def get(self, request, public_id):
        worker = _visible_worker(request, public_id)
        return render(request, self.template_name, {"form": DocumentForm(worker=worker), "worker": worker})

    def post(self, request, public_id):
        worker = _visible_worker(request, public_id)
        form = DocumentForm(request.POST, request.FILES, worker=worker)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in ["kind", "number", "issued_on", "expires_on", "notes"]}
            try:
                services.document_record(worker=worker, by=request.user, file=form.cleaned_data.get("file"), **data)
            except ValidationError as error:
                _apply_form_errors(form, error)
            else:
                messages.success(request, _("Document recorded."))
                return redirect("worker-detail", public_id=worker.public_id)
        return render(request, self.template_name, {"form": form, "worker": worker}, status=400)


def _visible_document(request, public_id, document_id) -> Document:
    return get_object_or_404(Document.objects.visible_to(request.user).select_related("worker"),
                             worker__public_id=public_id, public_id=document_id)


@require_POST
def document_verify(request, public_id, document_id):
    if not request.user.is_program_staff:
        raise Http404
    document = _visible_document(request, public_id, document_id)
    services.document_verify(document=document, by=request.user)
    messages.success(request, _("Document verified."))
    return redirect("worker-detail", public_id=public_id)


def document_file(request, public_id, document_id):
    """Documents are never public: the file is served only to staff who can see the worker."""
    if not request.user.is_program_staff:
        raise Http404
    return document_file_response(_visible_document(request, public_id, document_id))


@require_POST
def worker_change_status(request, public_id):
    if not request.user.is_program_staff:
        raise Http404
    worker = _visible_worker(request, public_id)
    try:
        services.worker_change_status(worker=worker, by=request.user, to=request.POST.get("status", ""),
                                      reason=request.POST.get("reason", ""))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Status changed."))
    return redirect("worker-detail", public_id=public_id)
