"""Contract pages for staff and employers (under /contracts/): a list with filters and search, and
a contract's page with its history and the actions the person may take now.

Who sees which contract is ``Contract.objects.visible_to`` (404 otherwise); what they may do is
``contracts.life.allowed_actions``; every change is ``contracts.life.contract_act``. Actions that
end something (cancel, terminate, transfer) show a confirmation page first."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from contracts.absences import (
    ABSENCE_ACTIONS,
    absence_act,
    absence_report,
    allowed_absence_actions,
    employers_with_many_absences,
)
from contracts.documents import contract_pdf_response
from contracts.evaluations import (
    CRITERIA,
    HIGHEST_SCORE,
    LOWEST_SCORE,
    evaluation_record,
    evaluation_record_contest,
    evaluation_show_to_worker,
)
from contracts.life import ACTIONS, allowed_actions, contract_act
from contracts.models import (
    WORKED_STATUSES,
    Absence,
    Contract,
    ContractStatus,
    Evaluation,
    ExpectedReturn,
    TerminationReason,
)
from contracts.returns import CONFIRM_RETURN, contract_confirm_return
from contracts.services import ALLOCATABLE
from contracts.views import ProgramStaffOr404Mixin
from employers.models import Employer, WorkerRequest
from employers.staff_views import _page_size
from twp.exceptions import Conflict, DomainError, InvalidTransition, StaleVersion
from twp.models import Program, Role

REQUEST_NUMBER = re.compile(r"^(\d{4})-(\d{1,12})$")
# Actions that end or move something: a confirmation page first.
CONFIRMED = {"cancel", "terminate", "transfer"}
ACTION_LABELS = {
    "sign": gettext_lazy("Record the signatures"),
    "depart": gettext_lazy("Record the departure"),
    "arrive": gettext_lazy("Record the arrival"),
    "end": gettext_lazy("End the contract"),
    "terminate": gettext_lazy("End early"),
    "transfer": gettext_lazy("Transfer to another employer"),
    "cancel": gettext_lazy("Cancel the contract"),
    "confirm-return": gettext_lazy("Confirm the return home"),
}
assert set(ACTION_LABELS) == set(ACTIONS)
# The fields each action's form shows.
ACTION_FIELDS = {
    "sign": ("worker_signed_on", "employer_signed_on"),
    "terminate": ("reason", "on"),
    "transfer": ("to_request", "consent_on", "on"),
    "confirm-return": ("seen_home_on", "place", "identity_document"),
}


class StaffOrEmployerOr404Mixin(AccessMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not (request.user.is_program_staff or request.user.viewing_role == Role.EMPLOYER):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


def _contracts(user):
    return (Contract.objects.visible_to(user)
            .select_related("request__employer", "request__worksite", "worker").order_by("-id"))


class ContractActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    worker_signed_on = forms.DateField(label=gettext_lazy("Signed by the worker on"), required=False,
                                       widget=forms.DateInput(attrs={"type": "date"}))
    employer_signed_on = forms.DateField(label=gettext_lazy("Signed by the employer on"), required=False,
                                         widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), required=False,
                               choices=[("", "—"), *TerminationReason.choices])
    to_request = forms.ModelChoiceField(label=gettext_lazy("Request the worker moves to"), required=False,
                                        queryset=WorkerRequest.objects.none(), to_field_name="public_id")
    consent_on = forms.DateField(label=gettext_lazy("The worker agreed on"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    on = forms.DateField(label=gettext_lazy("On (default today)"), required=False,
                         widget=forms.DateInput(attrs={"type": "date"}))
    seen_home_on = forms.DateField(label=gettext_lazy("Seen home on"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    place = forms.ChoiceField(label=gettext_lazy("Where"), required=False,
                              choices=[("", "—"), *ExpectedReturn.Place.choices])
    identity_document = forms.ChoiceField(label=gettext_lazy("Identity document checked"), required=False,
                                          choices=[("", "—"), *ExpectedReturn.IdentityDocument.choices])
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, contract: Contract, user, action: str, **kwargs):
        super().__init__(*args, prefix=action, **kwargs)  # one form per action on a page: ids stay unique
        if action == "transfer":  # other employers' open requests of the program, that the person sees
            self.fields["to_request"].queryset = (
                WorkerRequest.objects.visible_to(user).filter(program=contract.program_id, status__in=ALLOCATABLE)
                .exclude(employer=contract.request.employer_id).select_related("employer").order_by("start_date"))
        for name in [name for name in self.fields if name not in (*ACTION_FIELDS.get(action, ()), "note", "version")]:
            del self.fields[name]


def filtered_contracts(user, params):
    """The contract list's rows, newest first, for ``?status=`` and ``?q=`` (a worker's name or a
    request number), with the status and search it applied. The list page and its exports both
    read it through here."""
    contracts = _contracts(user)
    status = params.get("status", "")
    if status in ContractStatus.values:
        contracts = contracts.filter(status=status)
    query = params.get("q", "").strip()[:100]
    if query:
        number = REQUEST_NUMBER.match(query)  # "2027-00042": season and request id
        contracts = contracts.filter(
            Q(request__season=int(number[1]), request_id=int(number[2])) if number
            else Q(worker__first_names__icontains=query) | Q(worker__paternal_surname__icontains=query)
            | Q(worker__maternal_surname__icontains=query))
    return contracts, status, query


class ContractListView(StaffOrEmployerOr404Mixin, View):
    def get(self, request):
        contracts, status, query = filtered_contracts(request.user, request.GET)
        page = Paginator(contracts, _page_size(request)).get_page(request.GET.get("page"))
        return render(request, "contracts/contract_list.html", {
            "page": page, "contracts": page.object_list, "status": status, "query": query,
            "statuses": ContractStatus.choices,
        })


def _visible_contract(request, public_id) -> Contract:
    return get_object_or_404(_contracts(request.user), public_id=public_id)


def render_contract(request, contract: Contract, *, forms_by_action=None, bound=None, status: int = 200):
    actions = allowed_actions(contract, request.user)
    forms_by_action = forms_by_action or {}
    return render(request, "contracts/contract_detail.html", {
        **_sections(request, contract, bound or {}),
        "contract": contract,
        "is_staff": request.user.is_program_staff,
        "history": contract.history.select_related("by").order_by("id"),
        "actions": [(name, ACTION_LABELS[name], name in CONFIRMED, forms_by_action.get(name) or ContractActionForm(
            initial={"version": contract.version}, contract=contract, user=request.user, action=name))
            for name in actions],
    }, status=status)


class ContractDetailView(StaffOrEmployerOr404Mixin, View):
    def get(self, request, public_id):
        return render_contract(request, _visible_contract(request, public_id))


class ContractDocumentView(StaffOrEmployerOr404Mixin, View):
    def get(self, request, public_id):
        return contract_pdf_response(_visible_contract(request, public_id))


class ContractActionView(StaffOrEmployerOr404Mixin, View):
    """POST an action. Those in ``CONFIRMED`` show a confirmation page first (``confirm`` absent);
    a refusal shows the contract again with the message, the input kept."""

    def post(self, request, public_id, action):
        contract = _visible_contract(request, public_id)
        if action not in ACTIONS:
            raise Http404
        form = ContractActionForm(request.POST, contract=contract, user=request.user, action=action)
        if not form.is_valid():
            return render_contract(request, contract, forms_by_action={action: form}, status=400)
        if action in CONFIRMED and "confirm" not in request.POST:
            return render(request, "contracts/contract_confirm.html", {
                "contract": contract, "action": action, "label": ACTION_LABELS[action], "form": form})
        fields = {name: value for name, value in form.cleaned_data.items() if value not in (None, "")}
        try:
            if action == CONFIRM_RETURN:
                contract_confirm_return(contract=contract, by=request.user, **{
                    "seen_home_on": None, "place": "", "identity_document": "", **fields})
                done = Contract.objects.get(pk=contract.pk)
            else:
                done = contract_act(contract=contract, action=action, by=request.user, **fields)
        except PermissionDenied:
            raise Http404 from None
        except DomainError as error:
            if error.field and error.field in form.fields:
                form.add_error(error.field, str(error.message))
            else:
                messages.error(request, str(error.message))
            return render_contract(request, _visible_contract(request, public_id), forms_by_action={action: form},
                                   status=409 if error.field is None else 400)
        messages.success(request, _("Done: the contract is now “%(status)s”.") % {
            "status": done.get_status_display()})
        return redirect("contract-detail", public_id=done.public_id)


# --- absences and evaluations on the contract's page ---------------------------------------------
ABSENCE_LABELS = {
    "missing": gettext_lazy("Mark as missing"),
    "welfare-check": gettext_lazy("Record the welfare check"),
    "reported": gettext_lazy("Report to the authorities"),
    "found": gettext_lazy("The worker was found"),
}
assert set(ABSENCE_LABELS) == set(ABSENCE_ACTIONS)


class AbsenceReportForm(forms.Form):
    last_seen_on = forms.DateField(label=gettext_lazy("Last seen at work on"),
                                   widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=gettext_lazy("What is known"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="absence", **kwargs)


class AbsenceStepForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(label=gettext_lazy("I confirm: the welfare check was done, and the worker is "
                                                    "reported to the authorities (the contract ends as absconded)."))

    def __init__(self, *args, absence: Absence, action: str, **kwargs):
        super().__init__(*args, prefix=f"absence-{absence.pk}-{action}", **kwargs)
        if action == "welfare-check":
            self.fields["note"].required = True
            self.fields["note"].label = _("What the welfare check found")
        if action != "reported":  # only this step ends something
            del self.fields["confirm"]


class EvaluationForm(forms.Form):
    would_repeat = forms.BooleanField(label=gettext_lazy("Would work together again"), required=False)
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, direction: str, **kwargs):
        super().__init__(*args, prefix=f"evaluation-{direction}", **kwargs)
        scores = [(str(score), str(score)) for score in range(LOWEST_SCORE, HIGHEST_SCORE + 1)]
        for code, label in reversed(CRITERIA[direction].items()):
            self.fields = {f"score_{code}": forms.TypedChoiceField(label=label, choices=[("", "—"), *scores],
                                                                   coerce=int), **self.fields}
        self.direction = direction

    def scores(self) -> dict[str, int]:
        return {code: self.cleaned_data[f"score_{code}"] for code in CRITERIA[self.direction]}


class ContestForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("What the worker contests, in their words"), max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, evaluation: Evaluation, **kwargs):
        super().__init__(*args, prefix=f"contest-{evaluation.pk}", **kwargs)


def _directions(user) -> list[str]:
    """The evaluations a person may record (``contracts.evaluations`` decides for good)."""
    if user.is_program_staff:
        return [Evaluation.Direction.OF_WORKER, Evaluation.Direction.OF_EMPLOYER]
    return [Evaluation.Direction.OF_WORKER] if user.viewing_role == Role.EMPLOYER else []


def _sections(request, contract: Contract, bound: dict) -> dict:
    """The absences and evaluations of the contract the person sees, and the forms of what they
    may do with them now (``bound``: forms sent back with their errors, by prefix)."""
    user = request.user
    absences = []
    for absence in Absence.objects.visible_to(user).filter(contract=contract).select_related("contract__request"):
        steps = [(name, ABSENCE_LABELS[name], bound.get(f"absence-{absence.pk}-{name}")
                  or AbsenceStepForm(absence=absence, action=name)) for name in allowed_absence_actions(absence, user)]
        absences.append((absence, steps))
    may_report = (contract.status == ContractStatus.ACTIVE
                  and not any(absence.stage in Absence.OPEN_STAGES for absence, _steps in absences)
                  and ((user.is_program_staff and not user.is_service_account)
                       or user.viewing_role == Role.EMPLOYER))
    evaluations = list(Evaluation.objects.visible_to(user).filter(contract=contract).order_by("direction"))
    done = {evaluation.direction for evaluation in evaluations}
    to_record = []
    if contract.status in WORKED_STATUSES:
        to_record = [(direction, Evaluation.Direction(direction).label,
                      bound.get(f"evaluation-{direction}") or EvaluationForm(direction=direction))
                     for direction in _directions(user) if direction not in done]
    staff = user.is_program_staff and not user.is_service_account
    return {
        "absences": absences,
        "absence_form": (bound.get("absence") or AbsenceReportForm()) if may_report else None,
        "evaluations": [(evaluation, [(code, label, evaluation.scores.get(code))
                                      for code, label in CRITERIA[evaluation.direction].items()],
                         bound.get(f"contest-{evaluation.pk}") or ContestForm(evaluation=evaluation))
                        for evaluation in evaluations],
        "may_show": staff, "evaluation_forms": to_record,
    }


def _back(request, contract: Contract, form: forms.Form, error: Exception | None = None):
    """The contract's page again with ``form`` and its errors (nothing was saved)."""
    if error is not None:
        field = getattr(error, "field", None)
        message = str(getattr(error, "message", "") or "; ".join(getattr(error, "messages", [])) or error)
        if field and field in form.fields:
            form.add_error(field, message)
        else:
            form.add_error(None, message)
    status = 409 if isinstance(error, Conflict | InvalidTransition | StaleVersion) else 400
    return render_contract(request, _visible_contract(request, contract.public_id), bound={form.prefix: form},
                           status=status)


class ReportAbsenceView(StaffOrEmployerOr404Mixin, View):
    def post(self, request, public_id):
        contract = _visible_contract(request, public_id)
        form = AbsenceReportForm(request.POST)
        if not form.is_valid():
            return _back(request, contract, form)
        try:
            absence_report(contract=contract, by=request.user, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except (DomainError, ValidationError) as error:
            return _back(request, contract, form, error)
        messages.success(request, _("The absence is reported; the consulate is told."))
        return redirect("contract-detail", public_id=contract.public_id)


class AbsenceActionView(StaffOrEmployerOr404Mixin, View):
    def post(self, request, public_id, absence_id, action):
        contract = _visible_contract(request, public_id)
        absence = get_object_or_404(Absence.objects.visible_to(request.user), contract=contract,
                                    public_id=absence_id)
        if action not in ABSENCE_ACTIONS:
            raise Http404
        form = AbsenceStepForm(request.POST, absence=absence, action=action)
        if not form.is_valid():
            return _back(request, contract, form)
        try:
            absence_act(absence=absence, action=action, by=request.user, note=form.cleaned_data["note"])
        except PermissionDenied:
            raise Http404 from None
        except DomainError as error:
            return _back(request, contract, form, error)
        messages.success(request, _("Done: the absence is now “%(stage)s”.") % {
            "stage": Absence.objects.get(pk=absence.pk).get_stage_display()})
        return redirect("contract-detail", public_id=contract.public_id)


class RecordEvaluationView(StaffOrEmployerOr404Mixin, View):
    def post(self, request, public_id, direction):
        contract = _visible_contract(request, public_id)
        if direction not in _directions(request.user):
            raise Http404  # not theirs to record (an employer never records the worker's view of it)
        form = EvaluationForm(request.POST, direction=direction)
        if not form.is_valid():
            return _back(request, contract, form)
        try:
            evaluation_record(contract=contract, direction=direction, scores=form.scores(),
                              would_repeat=form.cleaned_data["would_repeat"], comment=form.cleaned_data["comment"],
                              by=request.user)
        except PermissionDenied:
            raise Http404 from None
        except (DomainError, ValidationError) as error:
            return _back(request, contract, form, error)
        messages.success(request, _("The evaluation is recorded."))
        return redirect("contract-detail", public_id=contract.public_id)


class EvaluationActionView(ProgramStaffOr404Mixin, View):
    """Staff: show the employer's evaluation to the worker, then record the worker's contest."""

    def post(self, request, public_id, evaluation_id, action):
        contract = _visible_contract(request, public_id)
        evaluation = get_object_or_404(Evaluation.objects.visible_to(request.user), contract=contract,
                                       public_id=evaluation_id)
        form = ContestForm(request.POST if action == "contest" else None, evaluation=evaluation)
        try:
            if action == "show-to-worker":
                evaluation_show_to_worker(evaluation=evaluation, by=request.user)
                messages.success(request, _("Recorded: the worker has seen the evaluation."))
            elif action == "contest":
                if not form.is_valid():
                    return _back(request, contract, form)
                evaluation_record_contest(evaluation=evaluation, text=form.cleaned_data["text"], by=request.user)
                messages.success(request, _("The worker's contest is recorded."))
            else:
                raise Http404
        except PermissionDenied:
            raise Http404 from None
        except DomainError as error:
            return _back(request, contract, form, error)
        return redirect("contract-detail", public_id=contract.public_id)


class AbsenceEmployersView(ProgramStaffOr404Mixin, View):
    """Staff: employers with unusually many absences reported in a season (the program's
    threshold), among those they see: to spot trouble early."""

    def get(self, request):
        programs = list(Program.objects.filter(is_active=True).order_by("name"))
        program = next((p for p in programs if str(p.pk) == request.GET.get("program")), programs[0] if programs
                       else None)
        try:
            season = int(request.GET.get("season") or timezone.localdate().year)
        except ValueError:
            season = timezone.localdate().year
        rows = (employers_with_many_absences(program=program, season=season,
                                             employers=Employer.objects.visible_to(request.user))
                if program else [])
        return render(request, "contracts/absence_employers.html", {
            "programs": [(str(p.pk), p.name) for p in programs], "program": program, "season": season, "rows": rows})
