"""Staff review pages (under /review/): the employer approval queue, the request review queue, and
the decisions on both.

Each view parses input, calls one service and renders. Who sees what is each model's
``visible_to`` (another consulate's employer or request answers 404); who may decide is the
services' business (a person who sees but may not decide gets 403 from them)."""

import datetime

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from employers import services
from employers import worker_requests as request_services
from employers.models import Employer, RequestStatus, WorkerRequest, Worksite
from employers.staff_forms import DecisionForm, EmployerFilterForm, NamedWorkerForm, RequestFilterForm
from twp.exceptions import DomainError, InvalidTransition, StaleVersion
from twp.models import Office, Program, Role, User
from twp.permissions import ProgramStaffRequiredMixin
from twp.regions import DESTINATION_REGIONS
from workers.models import Occupation
from workers.validators import normalize_curp

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# The queue says "more than 1000" rather than counting every row of a large scope.
COUNT_CAP = 1000


def _page_size(request) -> int:
    try:
        return max(1, min(MAX_PAGE_SIZE, int(request.GET.get("page_size", PAGE_SIZE))))
    except ValueError:
        return PAGE_SIZE


def _labels(choices) -> dict[str, str]:
    """Choice labels resolved once per page (get_FOO_display() rebuilds the list on every call)."""
    return {code: str(name) for code, name in choices}


def _region_options(user) -> list[tuple[str, str]]:
    """The provinces/states a person filters by: a consulate's own, everybody else all of them."""
    office = user.office if user.office_id else None
    if office and office.kind == Office.Kind.CONSULATE:
        return [(code, str(name)) for code, name in DESTINATION_REGIONS if code in office.destination_regions]
    return [(code, str(name)) for code, name in DESTINATION_REGIONS]


def _form_errors_from(form, error: ValidationError, model) -> None:
    """A service's per-field refusal as non-field errors of a form that lacks those fields,
    each prefixed by the field's name so the reader knows what to fix."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, field_messages in error.message_dict.items():
        try:
            label = str(model._meta.get_field(field).verbose_name)
        except FieldDoesNotExist:  # "__all__"
            label = ""
        for message in field_messages:
            form.add_error(None, f"{label[:1].upper()}{label[1:]}: {message}" if label else message)


# --- Employers ---------------------------------------------------------------------------------

EMPLOYER_ACTIONS = {
    "approve": {"button": gettext_lazy("Approve"), "title": gettext_lazy("Approve this employer?"),
                "confirm": gettext_lazy("Confirm the approval"), "done": gettext_lazy("Employer approved."),
                "reason_required": False},
    "reject": {"button": gettext_lazy("Reject"), "title": gettext_lazy("Reject this employer's registration?"),
               "confirm": gettext_lazy("Confirm the rejection"),
               "done": gettext_lazy("The employer's registration was rejected."), "reason_required": True},
    "suspend": {"button": gettext_lazy("Suspend"), "title": gettext_lazy("Suspend this employer?"),
                "confirm": gettext_lazy("Confirm the suspension"), "done": gettext_lazy("Employer suspended."),
                "reason_required": True},
}


def _visible_employer(request, public_id) -> Employer:
    return get_object_or_404(Employer.objects.visible_to(request.user), public_id=public_id)


class EmployerQueueView(ProgramStaffRequiredMixin, View):
    """The employers in the person's jurisdiction: pending ones first, oldest first, so the
    registrations waiting longest are decided first."""

    template_name = "employers/staff/employer_list.html"

    def get(self, request):
        form = EmployerFilterForm(request.GET)
        page = None
        if form.is_valid():
            employers = Employer.objects.visible_to(request.user)
            data = form.cleaned_data
            if data["status"]:
                employers = employers.filter(status=data["status"])
            if data["region"]:
                employers = employers.filter(
                    Q(region=data["region"])
                    | Exists(Worksite.objects.filter(employer=OuterRef("pk"), region=data["region"])))
            if data["search"].strip():
                employers = employers.filter(legal_name__icontains=data["search"].strip())
            employers = employers.annotate(
                waiting=Case(When(status=Employer.Status.PENDING, then=Value(0)), default=Value(1),
                             output_field=IntegerField()),
                worksite_count=Count("worksites"),
            ).order_by("waiting", "created_at", "id")
            page = Paginator(employers, _page_size(request)).get_page(request.GET.get("page"))
            regions, statuses = _labels(DESTINATION_REGIONS), _labels(Employer.Status.choices)
            for employer in page:
                employer.region_label = regions.get(employer.region, employer.region)
                employer.status_label = statuses.get(employer.status, employer.status)
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, self.template_name, {
            "form": form,
            "page": page,
            "employers": list(page) if page else [],
            "query": query.urlencode(),
            "filter_options": {
                "status": [(code, str(name)) for code, name in Employer.Status.choices],
                "region": _region_options(request.user),
            },
            "filtered": any(request.GET.get(name) for name in ("status", "region", "search")),
        })


class EmployerDetailView(ProgramStaffRequiredMixin, View):
    template_name = "employers/staff/employer_detail.html"

    def get(self, request, public_id):
        employer = _visible_employer(request, public_id)
        today = timezone.localdate()
        worksites = list(Worksite.objects.visible_to(request.user).filter(employer=employer))
        for site in worksites:
            site.housing_valid_today = site.housing_valid_on(today)
        worker_requests = (WorkerRequest.objects.visible_to(request.user).filter(employer=employer)
                           .select_related("worksite", "occupation").order_by("-id")[:50])
        actions = [
            {"name": action, "label": EMPLOYER_ACTIONS[action]["button"],
             "url": reverse("review-employer-decide", args=[employer.public_id, action])}
            for action in services.employer_allowed_actions(employer, request.user)
        ]
        statuses = _labels(Employer.Status.choices)
        status_changes = list(employer.status_changes.select_related("changed_by"))
        for change in status_changes:
            change.from_label = statuses.get(change.from_status, change.from_status)
            change.to_label = statuses.get(change.to_status, change.to_status)
        return render(request, self.template_name, {
            "employer": employer,
            "worksites": worksites,
            "users": User.objects.filter(employer_membership__employer=employer, role=Role.EMPLOYER)
            .order_by("username"),
            "status_changes": status_changes,
            "worker_requests": worker_requests,
            "actions": actions,
        })


class EmployerDecisionView(ProgramStaffRequiredMixin, View):
    """Approve, reject or suspend an employer: a confirmation page, then the decision."""

    template_name = "employers/staff/confirm.html"

    def get(self, request, public_id, action):
        if action not in EMPLOYER_ACTIONS:
            raise Http404
        employer = _visible_employer(request, public_id)
        refusal = self._refusal(request, employer, action)
        if refusal:
            return refusal
        return self.render(employer, action, DecisionForm(reason_required=EMPLOYER_ACTIONS[action]["reason_required"]))

    def post(self, request, public_id, action):
        if action not in EMPLOYER_ACTIONS:
            raise Http404
        employer = _visible_employer(request, public_id)
        form = DecisionForm(request.POST, reason_required=EMPLOYER_ACTIONS[action]["reason_required"])
        if form.is_valid():
            try:
                services.employer_change_status(employer=employer, action=action, by=request.user,
                                                reason=form.cleaned_data["reason"])
            except InvalidTransition as error:
                messages.error(request, str(error.message))
                return redirect("review-employer-detail", public_id=employer.public_id)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, str(EMPLOYER_ACTIONS[action]["done"]))
                return redirect("review-employer-detail", public_id=employer.public_id)
        return self.render(employer, action, form, status=400)

    def _refusal(self, request, employer, action):
        if action in services.employer_allowed_actions(employer, request.user):
            return None
        if not Employer.objects.governed_by(request.user).filter(
                pk=employer.pk).exists():
            raise PermissionDenied
        messages.error(request, _("This action is not possible while the status is “%(status)s”.") % {
            "status": employer.get_status_display()})
        return redirect("review-employer-detail", public_id=employer.public_id)

    def render(self, employer, action, form, status=200):
        return render(self.request, self.template_name, {
            "heading": EMPLOYER_ACTIONS[action]["title"],
            "subject": employer.legal_name,
            "facts": [(_("Status"), employer.get_status_display()), (_("Province/state"),
                                                                     employer.get_region_display() or "—")],
            "form": form,
            "confirm_label": EMPLOYER_ACTIONS[action]["confirm"],
            "is_refusal": action != "approve",
            "back_url": reverse("review-employer-detail", args=[employer.public_id]),
        }, status=status)


# --- Requests ----------------------------------------------------------------------------------

REQUEST_ACTIONS = {
    "approve": {"button": gettext_lazy("Approve"), "title": gettext_lazy("Approve this request?"),
                "confirm": gettext_lazy("Confirm the approval"), "done": gettext_lazy("Request approved."),
                "reason_required": False},
    "reject": {"button": gettext_lazy("Reject"), "title": gettext_lazy("Reject this request?"),
               "confirm": gettext_lazy("Confirm the rejection"), "done": gettext_lazy("Request rejected."),
               "reason_required": True},
}
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _cursor(row: WorkerRequest) -> str:
    """Where the next page starts: the last row's place in (submitted_at, id) order."""
    if row.submitted_at is None:
        return f"n_{row.pk}"
    return f"{(row.submitted_at - EPOCH) // datetime.timedelta(microseconds=1)}_{row.pk}"


def _after(queryset, cursor: str):
    """The rows after ``cursor`` in (submitted_at ascending with never-submitted last, id) order."""
    stamp, _separator, pk = cursor.partition("_")
    # A cursor someone typed is ignored rather than answered with an error.
    if not (pk.isdigit() and len(pk) <= 18) or not (stamp == "n" or (stamp.isdigit() and len(stamp) <= 18)):
        return queryset
    if stamp == "n":
        return queryset.filter(submitted_at__isnull=True, id__gt=int(pk))
    try:
        submitted_at = EPOCH + datetime.timedelta(microseconds=int(stamp))
    except OverflowError:
        return queryset
    return queryset.filter(Q(submitted_at__gt=submitted_at) | Q(submitted_at=submitted_at, id__gt=int(pk))
                           | Q(submitted_at__isnull=True))


def _visible_request(request, public_id, *related) -> WorkerRequest:
    return get_object_or_404(
        WorkerRequest.objects.visible_to(request.user).select_related("employer", "worksite", "program",
                                                                       "occupation", *related),
        public_id=public_id,
    )


def request_queue_params(params):
    """The queue's filters: the submitted requests unless ``?status=`` says otherwise."""
    params = params.copy()
    if "status" not in params:
        params["status"] = RequestStatus.SUBMITTED
    return params


def filtered_requests(user, params) -> tuple[RequestFilterForm, QuerySet]:
    """The request queue's filter form and the requests in the person's scope it keeps (none when
    a filter is invalid). The list page and its exports both read the queue through here."""
    form = RequestFilterForm(params)
    if not form.is_valid():
        return form, WorkerRequest.objects.none()
    worker_requests = WorkerRequest.objects.visible_to(user)
    data = form.cleaned_data
    if data["program"]:
        worker_requests = worker_requests.filter(program=data["program"])
    if data["region"]:
        worker_requests = worker_requests.filter(worksite__region=data["region"])
    if data["occupation"]:
        worker_requests = worker_requests.filter(occupation=data["occupation"])
    if data["status"]:
        worker_requests = worker_requests.filter(status=data["status"])
    if data["season"]:
        worker_requests = worker_requests.filter(season=data["season"])
    return form, worker_requests


def in_queue_order(worker_requests):
    """Oldest submitted first (never submitted last), with what a row of the queue prints."""
    return (worker_requests.select_related("employer", "worksite", "occupation", "program")
            .annotate(named_count=Count("named_workers"))
            .order_by(F("submitted_at").asc(nulls_last=True), "id"))


class RequestQueueView(ProgramStaffRequiredMixin, View):
    """The requests in the person's scope, submitted ones by default, oldest first: the employer
    who waits longest is answered first. Pages follow a cursor, so a page costs the same queries
    however far into the queue it is, and the total is counted only up to COUNT_CAP."""

    template_name = "employers/staff/request_list.html"

    def get(self, request):
        params = request_queue_params(request.GET)
        form, worker_requests = filtered_requests(request.user, params)
        rows, next_cursor, total = [], None, 0
        if form.is_valid():
            total = worker_requests.order_by()[: COUNT_CAP + 1].count()
            after = request.GET.get("after", "")
            if after:
                worker_requests = _after(worker_requests, after)
            size = _page_size(request)
            # One row more than shown tells whether a next page exists.
            rows = list(in_queue_order(worker_requests)[: size + 1])
            if len(rows) > size:
                rows = rows[:size]
                next_cursor = _cursor(rows[-1])
            regions, statuses = _labels(DESTINATION_REGIONS), _labels(RequestStatus.choices)
            for row in rows:
                row.region_label = regions.get(row.worksite.region, row.worksite.region)
                row.status_label = statuses.get(row.status, row.status)
        query = params.copy()
        query.pop("after", None)
        return render(request, self.template_name, {
            "form": form,
            "worker_requests": rows,
            "total": total,
            "total_capped": total > COUNT_CAP,
            "count_cap": COUNT_CAP,
            "selected": {name: params.get(name, "") for name in ("program", "region", "occupation", "status",
                                                                 "season")},
            "filter_options": _request_filter_options(request.user),
            "next_url": f"?{urlencode({**query.dict(), 'after': next_cursor})}" if next_cursor else None,
            "first_url": f"?{query.urlencode()}" if "after" in request.GET else None,
            "waiting_only": params.get("status") == RequestStatus.SUBMITTED and not any(
                params.get(name) for name in ("program", "region", "occupation", "season")),
        })


def _request_filter_options(user) -> dict[str, list[tuple[str, str]]]:
    return {
        "program": [(str(program.pk), program.name) for program in Program.objects.order_by("name")],
        "region": _region_options(user),
        "occupation": [(occupation.code, str(occupation)) for occupation in Occupation.objects.all()],
        "status": [(code, str(name)) for code, name in RequestStatus.choices],
    }


class RequestDetailView(ProgramStaffRequiredMixin, View):
    """One request as staff see it: its terms, employer, worksite and housing, the named workers
    with their CURP and the reasons any of them cannot be placed, the decisions and the timeline."""

    template_name = "employers/staff/request_detail.html"

    def get(self, request, public_id):
        return render_request_detail(request, _visible_request(request, public_id))


def render_request_detail(request, worker_request: WorkerRequest, name_form: NamedWorkerForm | None = None,
                          status: int = 200):
    user = request.user
    actions = request_services.allowed_actions(worker_request, user)
    decisions = [
        {"name": action, "label": REQUEST_ACTIONS[action]["button"],
         "url": reverse("review-request-decide", args=[worker_request.public_id, action])}
        for action in ("approve", "reject") if action in actions
    ]
    may_name = worker_request.status in request_services.NAMEABLE_STATUSES
    return render(request, "employers/staff/request_detail.html", {
        "worker_request": worker_request,
        "employer_visible": Employer.objects.visible_to(user).filter(pk=worker_request.employer_id).exists(),
        "housing_valid_on_start": worker_request.worksite.housing_valid_on(worker_request.start_date),
        "schemes": worker_request.required_schemes.all(),
        "checks": request_services.named_worker_checks(worker_request),
        "may_name": may_name,
        "name_form": name_form or NamedWorkerForm(),
        "decisions": decisions,
        "events": worker_request.timeline.select_related("by"),
    }, status=status)


class RequestNameWorkerView(ProgramStaffRequiredMixin, View):
    """Staff name a worker on a request by CURP (POSTed, never in a URL), among the workers
    they may name (``nameable_workers``)."""

    def post(self, request, public_id):
        worker_request = _visible_request(request, public_id)
        form = NamedWorkerForm(request.POST)
        if form.is_valid():
            worker = request_services.nameable_workers(worker_request, request.user).filter(
                curp=normalize_curp(form.cleaned_data["curp"])).first()
            if worker is None:
                form.add_error("curp", _("No worker you may name is registered with this CURP."))
            else:
                try:
                    request_services.named_worker_add(request=worker_request, worker=worker, by=request.user)
                except InvalidTransition as error:
                    form.add_error(None, error.message)
                except DomainError as error:
                    form.add_error("curp" if error.field == "worker" else None, error.message)
                else:
                    messages.success(request, _("%(name)s is named on the request.") % {"name": worker.full_name})
                    return redirect("review-request-detail", public_id=worker_request.public_id)
        return render_request_detail(request, worker_request, name_form=form, status=400)


class RequestUnnameWorkerView(ProgramStaffRequiredMixin, View):
    def post(self, request, public_id):
        worker_request = _visible_request(request, public_id)
        named = get_object_or_404(worker_request.named_workers.select_related("worker"),
                                  worker__public_id=request.POST.get("worker") or None)
        try:
            request_services.named_worker_remove(request=worker_request, worker=named.worker, by=request.user)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("%(name)s is no longer named on the request.") % {
                "name": named.worker.full_name})
        return redirect("review-request-detail", public_id=worker_request.public_id)


class RequestDecisionView(ProgramStaffRequiredMixin, View):
    """Approve or reject a submitted request: a confirmation page, then the decision."""

    template_name = "employers/staff/confirm.html"

    def get(self, request, public_id, action):
        if action not in REQUEST_ACTIONS:
            raise Http404
        worker_request = _visible_request(request, public_id)
        refusal = self._refusal(request, worker_request, action)
        if refusal:
            return refusal
        form = DecisionForm(initial={"version": worker_request.version},
                            reason_required=REQUEST_ACTIONS[action]["reason_required"])
        return self.render(worker_request, action, form)

    def post(self, request, public_id, action):
        if action not in REQUEST_ACTIONS:
            raise Http404
        worker_request = _visible_request(request, public_id)
        form = DecisionForm(request.POST, reason_required=REQUEST_ACTIONS[action]["reason_required"])
        status = 400
        if form.is_valid():
            decide = request_services.request_approve if action == "approve" else request_services.request_reject
            try:
                decide(request=worker_request, by=request.user, version=form.cleaned_data["version"],
                       reason=form.cleaned_data["reason"])
            except StaleVersion as error:
                form.add_error(None, error.message)
                status = 409
            except InvalidTransition as error:
                messages.error(request, str(error.message))
                return redirect("review-request-detail", public_id=worker_request.public_id)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            except ValidationError as error:
                _form_errors_from(form, error, WorkerRequest)
            else:
                messages.success(request, str(REQUEST_ACTIONS[action]["done"]))
                return redirect("review-request-detail", public_id=worker_request.public_id)
        return self.render(worker_request, action, form, status=status)

    def _refusal(self, request, worker_request, action):
        if action in request_services.allowed_actions(worker_request, request.user):
            return None
        if not WorkerRequest.objects.governed_by(request.user).filter(
                pk=worker_request.pk).exists():
            raise PermissionDenied
        messages.error(request, _("This action is not possible while the status is “%(status)s”.") % {
            "status": worker_request.get_status_display()})
        return redirect("review-request-detail", public_id=worker_request.public_id)

    def render(self, worker_request, action, form, status=200):
        return render(self.request, self.template_name, {
            "heading": REQUEST_ACTIONS[action]["title"],
            "subject": f"{worker_request} — {worker_request.employer.legal_name}",
            "facts": [
                (_("Worksite"), str(worker_request.worksite)),
                (_("Occupation"), worker_request.occupation_name),
                (_("Workers"), worker_request.workers_requested),
                (_("Dates"), f"{worker_request.start_date.isoformat()} – {worker_request.end_date.isoformat()}"),
            ],
            "form": form,
            "confirm_label": REQUEST_ACTIONS[action]["confirm"],
            "is_refusal": action != "approve",
            "back_url": reverse("review-request-detail", args=[worker_request.public_id]),
        }, status=status)
