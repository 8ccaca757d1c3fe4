"""Contract pages for staff and employers (under /contracts/): a list with filters and search, and
a contract's page with its history and the actions the person may take now.

Who sees which contract is ``Contract.objects.visible_to`` (404 otherwise); what they may do is
``contracts.life.allowed_actions``; every change is ``contracts.life.contract_act``. Actions that
end something (cancel, terminate, transfer) show a confirmation page first."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from contracts.documents import contract_pdf_response
from contracts.life import ACTIONS, allowed_actions, contract_act
from contracts.models import Contract, ContractStatus, TerminationReason
from contracts.services import ALLOCATABLE
from employers.models import WorkerRequest
from employers.staff_views import _page_size
from twp.exceptions import DomainError
from twp.models import Role

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
}
assert set(ACTION_LABELS) == set(ACTIONS)
# The fields each action's form shows.
ACTION_FIELDS = {
    "sign": ("worker_signed_on", "employer_signed_on"),
    "terminate": ("reason", "on"),
    "transfer": ("to_request", "consent_on", "on"),
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


class ContractListView(StaffOrEmployerOr404Mixin, View):
    def get(self, request):
        contracts = _contracts(request.user)
        status = request.GET.get("status", "")
        if status in ContractStatus.values:
            contracts = contracts.filter(status=status)
        query = request.GET.get("q", "").strip()[:100]
        if query:
            number = REQUEST_NUMBER.match(query)  # "2027-00042": season and request id
            contracts = contracts.filter(
                Q(request__season=int(number[1]), request_id=int(number[2])) if number
                else Q(worker__first_names__icontains=query) | Q(worker__paternal_surname__icontains=query)
                | Q(worker__maternal_surname__icontains=query))
        page = Paginator(contracts, _page_size(request)).get_page(request.GET.get("page"))
        return render(request, "contracts/contract_list.html", {
            "page": page, "contracts": page.object_list, "status": status, "query": query,
            "statuses": ContractStatus.choices,
        })


def _visible_contract(request, public_id) -> Contract:
    return get_object_or_404(_contracts(request.user), public_id=public_id)


def render_contract(request, contract: Contract, *, forms_by_action=None, status: int = 200):
    actions = allowed_actions(contract, request.user)
    forms_by_action = forms_by_action or {}
    return render(request, "contracts/contract_detail.html", {
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
