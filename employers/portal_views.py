"""Pages of the employer portal: sign-up, the portal home, requests (drafts, submission,
cancellation, copies, amendments, named workers), worksites, colleagues and invitations.

Each view parses the form, calls one service and renders; rules are in ``employers.services`` and
``employers.worker_requests``. Another employer's request or worksite is not found (404)."""


from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from employers import services
from employers import worker_requests as requests_service
from employers.models import Employer, RequestStatus, WorkerRequest, Worksite, employer_of
from employers.portal_forms import (
    REQUIRED_LANGUAGE_CHOICES,
    AccountForm,
    AmendForm,
    CancelForm,
    EmployerSignUpForm,
    InvitationForm,
    SignUpAccountForm,
    SignUpWorksiteForm,
    WorkerRequestForm,
    WorksiteForm,
)
from twp.exceptions import DomainError, InvalidTransition, StaleVersion
from twp.permissions import EmployerRequiredMixin
from twp.services import email_verification_send

PAGE_SIZE = 20
LANGUAGE_NAMES = dict(REQUIRED_LANGUAGE_CHOICES)
MAX_PAGE_SIZE = 100
# Signing in a person who just created their account (sign-up, invitation): no password check
# again, so no lockout backend either.
SIGN_IN_BACKEND = "django.contrib.auth.backends.ModelBackend"

ACTION_LABELS = {
    "submit": gettext_lazy("submit"),
    "cancel": gettext_lazy("cancel"),
    "copy": gettext_lazy("copy"),
    "edit": gettext_lazy("edit the draft"),
    "amend": gettext_lazy("amend"),
    "approve": gettext_lazy("approve"),
    "reject": gettext_lazy("reject"),
}


# --- Helpers ------------------------------------------------------------------------------------

def _page_size(request) -> int:
    try:
        return max(1, min(MAX_PAGE_SIZE, int(request.GET.get("page_size", PAGE_SIZE))))
    except ValueError:
        return PAGE_SIZE


def _apply_form_errors(form, error: ValidationError | DomainError, *, list_field: str | None = None) -> None:
    """Put a service's refusal on the field it names (or above the form)."""
    if isinstance(error, DomainError):
        form.add_error(error.field if error.field in form.fields else None, str(error.message))
    elif hasattr(error, "error_dict"):
        for field, field_messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_messages)
    else:
        form.add_error(list_field, error.messages)


def _error_messages(error: ValidationError | DomainError, labels: dict | None = None) -> list[str]:
    """A refusal as sentences for the messages area, each prefixed by the field it concerns."""
    if isinstance(error, InvalidTransition):
        return [_invalid_transition_text(error)]
    if isinstance(error, DomainError):
        return [str(error.message)]
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    labels = labels or {}
    lines = []
    for field, field_messages in error.message_dict.items():
        label = labels.get(field)
        lines += [f"{label}: {message}" if label else message for message in field_messages]
    return lines


def _invalid_transition_text(error: InvalidTransition) -> str:
    status = RequestStatus(error.current).label if error.current in RequestStatus.values else error.current
    allowed = [str(ACTION_LABELS.get(action, action)) for action in error.allowed]
    if allowed:
        return _("This is not possible while the request is “%(status)s”. What you can do now: %(actions)s.") % {
            "status": status, "actions": ", ".join(allowed)}
    return _("This is not possible while the request is “%(status)s”, and nothing else can be done with it now.") % {
        "status": status}


def _request_labels() -> dict:
    return {field.name: str(field.verbose_name).capitalize() for field in WorkerRequest._meta.fields}


def _version(request) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


class PortalView(EmployerRequiredMixin, View):
    """A page of the portal: for employer users acting for an employer (``self.employer``)."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        self.employer = employer_of(user) if user.is_authenticated and user.is_employer_user else None
        if user.is_authenticated and user.is_employer_user and self.employer is None and self.needs_employer:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    needs_employer = True

    def own_request(self, public_id) -> WorkerRequest:
        return get_object_or_404(
            WorkerRequest.objects.visible_to(self.request.user).select_related(
                "program", "worksite", "occupation", "employer"),
            public_id=public_id,
        )


# --- Home ---------------------------------------------------------------------------------------

class PortalHomeView(PortalView):
    """The employer's status, its requests newest first (a page at a time, without counting them
    all), and the way to everything else."""

    template_name = "employers/portal/home.html"
    needs_employer = False

    def get(self, request):
        rows, next_url = [], None
        if self.employer is not None:
            worker_requests = (WorkerRequest.objects.visible_to(request.user)
                               .select_related("program", "worksite", "occupation").order_by("-id"))
            after = request.GET.get("after", "")
            if after.isdigit():
                worker_requests = worker_requests.filter(id__lt=int(after))
            size = _page_size(request)
            # One row more than shown tells whether a next page exists.
            rows = list(worker_requests[: size + 1])
            if len(rows) > size:
                rows = rows[:size]
                query = request.GET.copy()
                query["after"] = rows[-1].id
                next_url = f"?{query.urlencode()}"
        this_season = timezone.localdate().year
        status_names = {code: str(name) for code, name in RequestStatus.choices}
        for row in rows:
            row.status_label = status_names[row.status]
            row.is_past_season = row.season < this_season
        return render(request, self.template_name, {
            "employer": self.employer,
            "requests": rows,
            "next_url": next_url,
            "first_url": reverse("employer-home") if "after" in request.GET else None,
            "may_file": self.employer is not None and self.employer.status != Employer.Status.REJECTED,
        })


# --- Sign-up ------------------------------------------------------------------------------------

def _sign_up_forms(data=None):
    employer_form = EmployerSignUpForm(data)
    country = employer_form.data.get("country") if data is not None else None
    site_form = SignUpWorksiteForm(data, country=country if country in Employer.Country.values else "CA")
    account_form = SignUpAccountForm(data)
    return employer_form, site_form, account_form


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def sign_up(request):
    """An employer registers itself, its first worksite and its first user, then is signed in:
    it can draft requests while the consulate reviews its registration."""
    if request.user.is_authenticated:
        return redirect("home")
    if request.method == "GET":
        employer_form, site_form, account_form = _sign_up_forms()
        return render(request, "employers/portal/sign_up.html", {
            "employer_form": employer_form, "site_form": site_form, "account_form": account_form})
    employer_form, site_form, account_form = _sign_up_forms(request.POST)
    forms_valid = [form.is_valid() for form in (employer_form, site_form, account_form)]
    if all(forms_valid):
        account = account_form.cleaned_data
        site = {name: site_form.cleaned_data[name] for name in services.WORKSITE_FIELDS if name in site_form.fields}
        try:
            employer = services.employer_sign_up(
                username=account["username"], email=account["email"], password=account["password1"],
                preferred_language=account["preferred_language"], worksite=site,
                **{name: employer_form.cleaned_data[name] for name in services.EMPLOYER_FIELDS},
            )
        except ValidationError as error:
            _sign_up_errors(error, employer_form, site_form, account_form)
        else:
            user = employer.memberships.select_related("user").get().user
            login(request, user, backend=SIGN_IN_BACKEND)
            email_verification_send(user=user, base_url=request.build_absolute_uri("/"))
            messages.success(request, _("Welcome! We sent you an e-mail: open its link to confirm your address."))
            return redirect("employer-home")
    return render(request, "employers/portal/sign_up.html", {
        "employer_form": employer_form, "site_form": site_form, "account_form": account_form}, status=400)


def _sign_up_errors(error: ValidationError, employer_form, site_form, account_form) -> None:
    # The employer and its worksite were validated by their forms already, so what the service
    # refuses now is about the account (password rules, a username taken meanwhile), or, rarely,
    # a registration that raced this one.
    if not hasattr(error, "error_dict"):
        account_form.add_error("password1", error.messages)
        return
    for field, field_messages in error.message_dict.items():
        if field in account_form.fields:
            account_form.add_error(field, field_messages)
        elif field in employer_form.fields:
            employer_form.add_error(field, field_messages)
        elif field in site_form.fields:
            site_form.add_error(field, field_messages)
        else:
            employer_form.add_error(None, field_messages)


@login_not_required
@require_GET
def sign_up_regions(request):
    """The province/state lists of the sign-up form for the chosen country (htmx swaps them in)."""
    country = request.GET.get("country", "")
    country = country if country in Employer.Country.values else "CA"
    employer_form = EmployerSignUpForm(initial={"country": country})
    site_form = SignUpWorksiteForm(country=country)
    employer_form.fields["region"].widget.attrs["hx-swap-oob"] = "true"
    site_form.fields["region"].widget.attrs["hx-swap-oob"] = "true"
    return render(request, "employers/portal/regions.html", {"fields": [employer_form["region"], site_form["region"]]})


# --- Requests -----------------------------------------------------------------------------------

class RequestCreateView(PortalView):
    template_name = "employers/portal/request_form.html"

    def get(self, request):
        form = WorkerRequestForm(employer=self.employer, user=request.user)
        return render(request, self.template_name, {"form": form, "employer": self.employer})

    def post(self, request):
        form = WorkerRequestForm(request.POST, employer=self.employer, user=request.user)
        if form.is_valid():
            try:
                created = requests_service.request_create(
                    employer=self.employer, by=request.user,
                    required_schemes=list(form.cleaned_data["required_schemes"]), **form.terms())
            except (ValidationError, DomainError) as error:
                _apply_form_errors(form, error)
            else:
                messages.success(request, _("Draft saved. Submit it when it is complete."))
                return redirect("employer-request-detail", public_id=created.public_id)
        return render(request, self.template_name, {"form": form, "employer": self.employer}, status=400)


class RequestUpdateView(PortalView):
    template_name = "employers/portal/request_form.html"

    def get(self, request, public_id):
        worker_request = self.own_request(public_id)
        if "edit" not in requests_service.allowed_actions(worker_request, request.user):
            messages.error(request, _("Only drafts can be edited. An approved request can be amended."))
            return redirect("employer-request-detail", public_id=public_id)
        form = WorkerRequestForm(initial=WorkerRequestForm.initial_from(worker_request), employer=self.employer,
                                 user=request.user)
        return render(request, self.template_name, {"form": form, "worker_request": worker_request,
                                                    "employer": self.employer})

    def post(self, request, public_id):
        worker_request = self.own_request(public_id)
        data = request.POST.copy()
        form = WorkerRequestForm(data, employer=self.employer, user=request.user)
        status = 400
        if form.is_valid():
            try:
                requests_service.request_update(
                    request=worker_request, by=request.user, version=form.cleaned_data["version"] or 0,
                    required_schemes=list(form.cleaned_data["required_schemes"]), **form.terms())
            except StaleVersion:
                # Nothing is lost: the page comes back with what the person typed, now based on
                # the current version, so saving again is a deliberate choice.
                current = WorkerRequest.objects.get(pk=worker_request.pk)
                data["version"] = current.version
                form = WorkerRequestForm(data, employer=self.employer, user=request.user)
                form.is_valid()
                form.add_error(None, _(
                    "Someone else changed this request while you were editing it, so nothing was saved. "
                    "Your changes are still below: compare them with the request and save again."))
                status = 409
            except InvalidTransition as error:
                messages.error(request, _invalid_transition_text(error))
                return redirect("employer-request-detail", public_id=public_id)
            except (ValidationError, DomainError) as error:
                _apply_form_errors(form, error)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("employer-request-detail", public_id=public_id)
        return render(request, self.template_name, {"form": form, "worker_request": worker_request,
                                                    "employer": self.employer}, status=status)


class RequestDetailView(PortalView):
    """Terms, status, what can be done now, the named workers and the timeline."""

    template_name = "employers/portal/request_detail.html"

    def get(self, request, public_id):
        worker_request = get_object_or_404(
            WorkerRequest.objects.visible_to(request.user)
            .select_related("program", "worksite", "occupation", "employer")
            .prefetch_related("required_schemes"),
            public_id=public_id,
        )
        actions = requests_service.allowed_actions(worker_request, request.user)
        checks = requests_service.named_worker_checks(worker_request)
        may_name = (worker_request.status in requests_service.NAMEABLE_STATUSES
                    and len(checks) < worker_request.workers_requested)
        named_ids = {check.named.worker_id for check in checks}
        candidates = ([row for row in requests_service.former_workers(worker_request.employer)
                       if row["worker"].pk not in named_ids] if may_name else [])
        return render(request, self.template_name, {
            "worker_request": worker_request,
            "actions": actions,
            "checks": checks,
            "may_name": may_name,
            "may_unname": worker_request.status in requests_service.NAMEABLE_STATUSES,
            "candidates": candidates,
            "events": worker_request.timeline.all(),
            "copy_season": requests_service.copy_season(worker_request),
            "language_names": [str(LANGUAGE_NAMES.get(code, code)) for code in worker_request.required_languages],
        })


class RequestSubmitView(PortalView):
    def post(self, request, public_id):
        worker_request = self.own_request(public_id)
        try:
            requests_service.request_submit(request=worker_request, by=request.user, version=_version(request))
        except (ValidationError, DomainError) as error:
            intro = _("The request was not submitted:")
            for line in [intro, *_error_messages(error, _request_labels())]:
                messages.error(request, line)
        else:
            messages.success(request, _("Request submitted: the consulate will review it."))
        return redirect("employer-request-detail", public_id=public_id)


class RequestCancelView(PortalView):
    """Cancelling asks for confirmation first: a cancelled request cannot be reopened."""

    template_name = "employers/portal/request_cancel.html"

    def get(self, request, public_id):
        worker_request = self.own_request(public_id)
        if "cancel" not in requests_service.allowed_actions(worker_request, request.user):
            messages.error(request, _invalid_transition_text(InvalidTransition(
                current=worker_request.status, action="cancel",
                allowed=requests_service.allowed_actions(worker_request, request.user))))
            return redirect("employer-request-detail", public_id=public_id)
        form = CancelForm(initial={"version": worker_request.version})
        return render(request, self.template_name, {"worker_request": worker_request, "form": form})

    def post(self, request, public_id):
        worker_request = self.own_request(public_id)
        form = CancelForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"worker_request": worker_request, "form": form}, status=400)
        try:
            requests_service.request_cancel(request=worker_request, by=request.user,
                                            reason=form.cleaned_data["reason"], version=form.cleaned_data["version"])
        except (ValidationError, DomainError) as error:
            for line in _error_messages(error):
                messages.error(request, line)
        else:
            messages.success(request, _("Request cancelled."))
        return redirect("employer-request-detail", public_id=public_id)


class RequestCopyView(PortalView):
    def post(self, request, public_id):
        source = self.own_request(public_id)
        try:
            copy = requests_service.request_copy(request=source, by=request.user)
        except DomainError as error:
            for line in _error_messages(error):
                messages.error(request, line)
            return redirect("employer-request-detail", public_id=public_id)
        messages.success(request, _("Copied as a new draft for the %(season)s season. Check its dates and "
                                    "named workers, then submit it.") % {"season": copy.season})
        return redirect("employer-request-detail", public_id=copy.public_id)


class RequestAmendView(PortalView):
    """Change the dates or the number of workers of an approved request: back to review."""

    template_name = "employers/portal/request_amend.html"

    def get(self, request, public_id):
        worker_request = self.own_request(public_id)
        if "amend" not in requests_service.allowed_actions(worker_request, request.user):
            messages.error(request, _invalid_transition_text(InvalidTransition(
                current=worker_request.status, action="amend",
                allowed=requests_service.allowed_actions(worker_request, request.user))))
            return redirect("employer-request-detail", public_id=public_id)
        form = AmendForm(initial={"workers_requested": worker_request.workers_requested,
                                  "start_date": worker_request.start_date, "end_date": worker_request.end_date,
                                  "version": worker_request.version})
        return render(request, self.template_name, {"worker_request": worker_request, "form": form})

    def post(self, request, public_id):
        worker_request = self.own_request(public_id)
        form = AmendForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version, reason = data.pop("version"), data.pop("reason")
            try:
                requests_service.request_amend(request=worker_request, by=request.user, version=version,
                                               reason=reason, **data)
            except InvalidTransition as error:
                messages.error(request, _invalid_transition_text(error))
                return redirect("employer-request-detail", public_id=public_id)
            except StaleVersion:
                # As with drafts: the typed values stay, now based on the current version.
                data = request.POST.copy()
                data["version"] = WorkerRequest.objects.get(pk=worker_request.pk).version
                form = AmendForm(data)
                form.is_valid()
                form.add_error(None, _(
                    "Someone else changed this request while you were editing it, so nothing was saved. "
                    "Your changes are still below: compare them with the request and save again."))
            except (ValidationError, DomainError) as error:
                _apply_form_errors(form, error)
            else:
                messages.success(request, _("Amendment sent: the consulate will review the request again."))
                return redirect("employer-request-detail", public_id=public_id)
        return render(request, self.template_name, {"worker_request": worker_request, "form": form}, status=400)


class NamedWorkerAddView(PortalView):
    """Name a returning worker, picked from the workers this employer had in earlier seasons."""

    def post(self, request, public_id):
        worker_request = self.own_request(public_id)
        chosen = request.POST.get("worker", "")
        # Only the employer's own former workers can be picked: nobody else is found by id here.
        row = next((row for row in requests_service.former_workers(worker_request.employer)
                    if str(row["worker"].public_id) == chosen), None)
        if row is None:
            messages.error(request, _("Choose one of the workers you employed in earlier seasons."))
            return redirect("employer-request-detail", public_id=public_id)
        try:
            requests_service.named_worker_add(request=worker_request, worker=row["worker"], by=request.user)
        except DomainError as error:
            for line in _error_messages(error):
                messages.error(request, line)
        else:
            messages.success(request, _("%(name)s is named on the request.") % {"name": row["worker"].full_name})
        return redirect(f"{reverse('employer-request-detail', kwargs={'public_id': public_id})}#named-workers")


class NamedWorkerRemoveView(PortalView):
    def post(self, request, public_id, worker_id):
        worker_request = self.own_request(public_id)
        named = get_object_or_404(worker_request.named_workers.select_related("worker"), worker__public_id=worker_id)
        try:
            requests_service.named_worker_remove(request=worker_request, worker=named.worker, by=request.user)
        except DomainError as error:
            for line in _error_messages(error):
                messages.error(request, line)
        else:
            messages.success(request, _("%(name)s is no longer named on the request.") % {
                "name": named.worker.full_name})
        return redirect(f"{reverse('employer-request-detail', kwargs={'public_id': public_id})}#named-workers")


# --- Worksites ----------------------------------------------------------------------------------

class WorksiteListView(PortalView):
    template_name = "employers/portal/worksite_list.html"

    def get(self, request):
        worksites = Worksite.objects.visible_to(request.user).filter(employer=self.employer).order_by("name", "id")
        page = Paginator(worksites, _page_size(request)).get_page(request.GET.get("page"))
        return render(request, self.template_name, {"page": page, "worksites": page.object_list,
                                                    "page_query": _page_query(request)})


def _page_query(request) -> str:
    """The query string of the current page without its page number (pager links add theirs)."""
    query = request.GET.copy()
    query.pop("page", None)
    return f"{query.urlencode()}&" if query else ""


class WorksiteFormView(PortalView):
    template_name = "employers/portal/worksite_form.html"

    def _worksite(self, public_id):
        if public_id is None:
            return None
        return get_object_or_404(Worksite.objects.visible_to(self.request.user).filter(employer=self.employer),
                                 public_id=public_id)

    def get(self, request, public_id=None):
        worksite = self._worksite(public_id)
        form = WorksiteForm(instance=worksite or Worksite(employer=self.employer), country=self.employer.country)
        return render(request, self.template_name, {"form": form, "worksite": worksite})

    def post(self, request, public_id=None):
        worksite = self._worksite(public_id)
        form = WorksiteForm(request.POST, instance=worksite or Worksite(employer=self.employer),
                            country=self.employer.country)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                services.worksite_save(employer=self.employer, by=request.user, worksite=worksite, **fields)
            except (ValidationError, DomainError) as error:
                _apply_form_errors(form, error)
            else:
                messages.success(request, _("Worksite saved."))
                return redirect("employer-worksites")
        return render(request, self.template_name, {"form": form, "worksite": worksite}, status=400)


# --- Colleagues and invitations -------------------------------------------------------------------

class ColleaguesView(PortalView):
    """The people who act for the employer, the invitations still open, and a new invitation."""

    template_name = "employers/portal/colleagues.html"

    def _render(self, request, form, status=200):
        colleagues = services.employer_users(self.employer).order_by("username", "id")
        page = Paginator(colleagues, _page_size(request)).get_page(request.GET.get("page"))
        invitations = self.employer.invitations.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())
        return render(request, self.template_name, {
            "page": page, "colleagues": page.object_list, "page_query": _page_query(request),
            "invitations": invitations[:50], "form": form,
        }, status=status)

    def get(self, request):
        return self._render(request, InvitationForm())

    def post(self, request):
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                invitation = services.invitation_send(employer=self.employer, email=form.cleaned_data["email"],
                                                      by=request.user, base_url=request.build_absolute_uri("/"))
            except DomainError as error:
                _apply_form_errors(form, error)
            else:
                messages.success(request, _("Invitation sent to %(email)s. The link is valid for 7 days.") % {
                    "email": invitation.email})
                return redirect("employer-colleagues")
        return self._render(request, form, status=400)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    """A colleague opens the invitation link, chooses a username and a password, and is in."""
    template = "employers/portal/invitation_accept.html"
    try:
        invitation = services.invitation_for_token(token)
    except DomainError as error:
        return render(request, template, {"error": error.message}, status=404)
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(token=token, username=form.cleaned_data["username"],
                                              password=form.cleaned_data["password1"],
                                              preferred_language=form.cleaned_data["preferred_language"])
        except DomainError as error:
            return render(request, template, {"error": error.message}, status=404)
        except ValidationError as error:
            _apply_form_errors(form, error, list_field="password1")
        else:
            login(request, user, backend=SIGN_IN_BACKEND)
            messages.success(request, _("Welcome! Your account for %(employer)s is ready.") % {
                "employer": invitation.employer.legal_name})
            return redirect("employer-home")
    status = 400 if request.method == "POST" else 200
    return render(request, template, {"form": form, "invitation": invitation}, status=status)

