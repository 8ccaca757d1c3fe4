"""Staff pages of payouts, statements, unclaimed savings and releases of held money (under
/savings/). The rules are ``savings.payouts``, ``savings.statements``, ``savings.unclaimed`` and
``savings.releases``; these views parse forms, run each change once per form drawn
(``post_once``) and put refusals back on the page.

Who sees what: payouts and accounts by their ``visible_to`` (404 outside); who may act on a
payout by ``savings.payouts.may_*`` (the buttons show only to them; a forged POST is refused)."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from contracts.models import Contract, ContractStatus
from savings import payouts
from savings.api.statements import pdf_response
from savings.forms import DateInput, IdempotentForm, amount_input
from savings.models import Account, HeldRelease, Payout
from savings.money import Money
from savings.pages.common import SignedInMixin, StaffOr404Mixin, page_size, parse_uuid, post_once
from savings.releases import release_held_money
from savings.statements import receipt_pdf, statement, statement_csv, statement_pdf
from savings.unclaimed import days_since_return, program_todays, unclaimed_accounts
from twp.exceptions import DomainError
from workers.models import MEXICAN_STATES


# --- forms ---------------------------------------------------------------------------------------
class PayoutRequestForm(IdempotentForm):
    amount = forms.CharField(label=gettext_lazy("Amount"), max_length=30, widget=amount_input(),
                             help_text=gettext_lazy("At most what is available, e.g. 250.00."))
    method = forms.ChoiceField(label=gettext_lazy("How it is paid"), choices=Payout.Method.choices,
                               widget=forms.RadioSelect, initial=Payout.Method.CASH)
    clabe = forms.CharField(label=gettext_lazy("CLABE"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
                            help_text=gettext_lazy("For a bank transfer: the 18 digits of the worker's CLABE."))
    to_beneficiary = forms.BooleanField(label=gettext_lazy("Pay the beneficiary on the worker's record"),
                                        required=False)


class PayForm(IdempotentForm):
    identity_document = forms.CharField(label=gettext_lazy("Identity document checked"), max_length=200,
                                        required=False, help_text=gettext_lazy("Cash: e.g. INE and its number."))
    bank_reference = forms.CharField(label=gettext_lazy("Bank reference"), max_length=100, required=False)


class ReasonForm(IdempotentForm):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)


class DestinationForm(IdempotentForm):
    method = forms.ChoiceField(label=gettext_lazy("How it is paid"), choices=Payout.Method.choices,
                               widget=forms.RadioSelect)
    clabe = forms.CharField(label=gettext_lazy("CLABE"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))


class ConversionForm(IdempotentForm):
    received_amount = forms.DecimalField(label=gettext_lazy("Pesos received"), max_digits=18, decimal_places=2,
                                         min_value=Decimal("0.01"), widget=amount_input())
    exchange_rate = forms.DecimalField(label=gettext_lazy("Exchange rate"), max_digits=18, decimal_places=8,
                                       min_value=Decimal("0.00000001"), widget=amount_input())


class ReleaseForm(IdempotentForm):
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=HeldRelease.Reason.choices)
    explanation = forms.CharField(label=gettext_lazy("Explanation"), max_length=2000, widget=forms.Textarea(
        attrs={"rows": 3}), help_text=gettext_lazy("What happened, and the document that proves it."))


class StatementForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), widget=DateInput(), required=False)
    date_to = forms.DateField(label=gettext_lazy("To"), widget=DateInput(), required=False)

    def clean(self):
        data = super().clean()
        data["date_to"] = data.get("date_to") or timezone.localdate()
        data["date_from"] = data.get("date_from") or data["date_to"] - datetime.timedelta(days=365)
        if data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The first day comes after the last."))
        return data


class UnclaimedForm(forms.Form):
    state = forms.ChoiceField(label=gettext_lazy("State of origin"), required=False,
                              choices=[("", gettext_lazy("All")), *MEXICAN_STATES])
    min_days = forms.IntegerField(label=gettext_lazy("At least these many days since the return"), required=False,
                                  min_value=0, max_value=3650)


# --- payouts -------------------------------------------------------------------------------------
def _payout(request, public_id) -> Payout:
    return get_object_or_404(Payout.objects.visible_to(request.user).select_related(
        "worker", "account", "requested_by", "approved_by", "paid_by", "closed_by"), public_id=public_id)


def filtered_payouts(user, params):
    """The payout list's rows, newest first, and the filters it applied (status, method, worker's
    public id, follow-up); values that are not valid filters are ignored. The list page and its
    exports both read it through here."""
    rows = (Payout.objects.visible_to(user)
            .select_related("worker", "requested_by", "approved_by").order_by("-id"))
    status = params.get("status", "")
    if status in Payout.Status.values:
        rows = rows.filter(status=status)
    else:
        status = ""
    method = params.get("method", "")
    if method in Payout.Method.values:
        rows = rows.filter(method=method)
    else:
        method = ""
    worker_id = parse_uuid(params.get("worker", ""))
    if worker_id is not None:
        rows = rows.filter(worker__public_id=worker_id)
    follow_up = params.get("follow_up") == "1"
    if follow_up:
        rows = rows.filter(status=Payout.Status.FAILED, followed_up_at__isnull=True)
    return rows, (status, method, worker_id, follow_up)


class PayoutListView(StaffOr404Mixin, View):
    """The payouts the person sees, newest first, filtered by status (``?status=``), method
    (``?method=``), worker (``?worker=`` their id, from the account page) or the failed bank
    payouts still to follow up (``?follow_up=1``)."""

    def get(self, request):
        rows, (status, method, worker_id, follow_up) = filtered_payouts(request.user, request.GET)
        page = Paginator(rows, page_size(request)).get_page(request.GET.get("page"))
        query = {key: value for key, value in (("status", status), ("method", method),
                                               ("worker", str(worker_id or "")),
                                               ("follow_up", "1" if follow_up else "")) if value}
        return render(request, "savings/payout_list.html", {
            "page": page, "payouts": page.object_list, "status": status, "method": method,
            "worker_id": worker_id, "follow_up": follow_up, "statuses": Payout.Status.choices,
            "methods": Payout.Method.choices, "is_filtered": bool(query), "page_query": urlencode(query),
            "shown": "payouts"})


class PayoutRequestView(StaffOr404Mixin, View):
    """The home state office asks for a payout of the account's available money."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.account = get_object_or_404(Account.objects.visible_to(request.user).of_workers()
                                             .select_related("worker"), public_id=kwargs["public_id"])
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, request, form, status=200):
        return render(request, "savings/payout_form.html", {
            "account": self.account, "worker": self.account.worker, "form": form,
            "may_request": payouts.may_request(request.user, self.account.worker)}, status=status)

    def get(self, request, public_id):
        return self.render_form(request, PayoutRequestForm())

    def post(self, request, public_id):
        form = PayoutRequestForm(request.POST)
        if not form.is_valid():
            form.renew_key()
            return self.render_form(request, form, status=400)
        data = form.cleaned_data
        account = self.account

        def work():
            amount = Money.parse(data["amount"], account.currency)
            payout = payouts.request_payout(worker=account.worker, amount=amount, method=data["method"],
                                            clabe=data["clabe"], to_beneficiary=data["to_beneficiary"],
                                            by=request.user)
            return 201, {"payout": str(payout.public_id)}

        answer = _run_once(request, form, work, {"account": str(account.public_id), **_plain(data)})
        if answer is None or answer.status >= 400:
            if answer is not None:
                _refused(form, answer.body)
            form.renew_key()
            return self.render_form(request, form, status=400)
        messages.success(request, _("Payout requested: the money is reserved for it."))
        return redirect("savings-payout-detail", public_id=answer.body["payout"])


def _plain(data: dict) -> dict:
    return {key: str(value) for key, value in data.items() if key != "idempotency_key"}


def _run_once(request, form, work, request_data):
    """``post_once`` for a form: None (with the error on the form) when the key was reused."""
    try:
        return post_once(request, key=form.cleaned_data["idempotency_key"], request_data=request_data, work=work)
    except PermissionDenied:
        raise Http404 from None
    except DomainError as error:
        form.add_error(None, str(error.message))
        return None


def _refused(form, body: dict) -> None:
    field = body.get("field")
    form.add_error(field if field in form.fields else None, body.get("message") or body.get("detail", ""))


class PayoutDetailView(StaffOr404Mixin, View):
    def get(self, request, public_id):
        return render_payout(request, _payout(request, public_id))


def render_payout(request, payout, *, forms_=None, status=200):
    user = request.user
    handles = payouts.may_handle(user, payout)
    reserved, paid = payout.status == Payout.Status.RESERVED, payout.status == Payout.Status.PAID
    forms_ = forms_ or {}
    context = {
        "payout": payout, "worker": payout.worker,
        "can_approve": reserved and payout.needs_approval and payout.approved_by_id is None
        and payouts.may_approve(user, payout),
        "can_pay": reserved and handles, "can_void": reserved and handles, "can_change": reserved and handles,
        "can_fail": paid and handles and payout.method == Payout.Method.BANK,
        "can_convert": paid and handles and payout.method == Payout.Method.BANK,
        "can_follow_up": payout.status == Payout.Status.FAILED and handles and payout.followed_up_at is None,
        "has_receipt": paid and payout.method == Payout.Method.CASH,
        "approve_form": forms_.get("approve") or IdempotentForm(),
        "pay_form": forms_.get("pay") or PayForm(),
        "void_form": forms_.get("void") or ReasonForm(),
        "fail_form": forms_.get("fail") or ReasonForm(),
        "destination_form": forms_.get("destination") or DestinationForm(initial={"method": payout.method,
                                                                                  "clabe": payout.clabe}),
        "conversion_form": forms_.get("conversion") or ConversionForm(),
        "follow_up_form": forms_.get("follow-up") or IdempotentForm(),
    }
    return render(request, "savings/payout_detail.html", context, status=status)


ACTIONS = {
    "approve": (IdempotentForm, lambda payout, data, by: payouts.approve_payout(payout, by=by),
                gettext_lazy("Payout approved.")),
    "pay": (PayForm, lambda payout, data, by: payouts.pay_payout(
        payout, by=by, identity_document=data["identity_document"], bank_reference=data["bank_reference"]),
        gettext_lazy("Payout paid.")),
    "void": (ReasonForm, lambda payout, data, by: payouts.void_payout(payout, by=by, reason=data["reason"]),
             gettext_lazy("Payout voided: the money is available again.")),
    "fail": (ReasonForm, lambda payout, data, by: payouts.fail_payout(payout, by=by, reason=data["reason"]),
             gettext_lazy("Recorded as failed at the bank: the money is available again.")),
    "destination": (DestinationForm, lambda payout, data, by: payouts.change_destination(
        payout, method=data["method"], clabe=data["clabe"], by=by),
        gettext_lazy("Destination changed. An approval given before must be given again.")),
    "conversion": (ConversionForm, lambda payout, data, by: payouts.record_conversion(
        payout, received_currency="MXN", received_amount=data["received_amount"],
        exchange_rate=data["exchange_rate"], by=by), gettext_lazy("The bank's conversion was recorded.")),
    "follow-up": (IdempotentForm, lambda payout, data, by: payouts.mark_followed_up(payout, by=by),
                  gettext_lazy("Marked as followed up.")),
}


class PayoutActionView(StaffOr404Mixin, View):
    """POST one of ``ACTIONS``; voiding asks for a confirmation first (``confirm`` absent)."""

    def post(self, request, public_id, action):
        if action not in ACTIONS:
            raise Http404
        payout = _payout(request, public_id)
        form_class, act, done = ACTIONS[action]
        form = form_class(request.POST)
        if not form.is_valid():
            form.renew_key()
            return render_payout(request, payout, forms_={action: form}, status=400)
        if action == "void" and "confirm" not in request.POST:
            return render(request, "savings/payout_void_confirm.html", {"payout": payout, "form": form})

        def work():
            act(payout, form.cleaned_data, request.user)
            return 200, {"payout": str(payout.public_id)}

        try:
            answer = _run_once(request, form, work, {"payout": str(payout.public_id), "action": action,
                                                     **_plain(form.cleaned_data)})
        except Http404:
            messages.error(request, _("You may not do this with this payout."))
            return redirect("savings-payout-detail", public_id=public_id)
        if answer is None or answer.status >= 400:
            if answer is not None:
                _refused(form, answer.body)
            form.renew_key()
            return render_payout(request, _payout(request, public_id), forms_={action: form}, status=400)
        messages.success(request, done)
        return redirect("savings-payout-detail", public_id=public_id)


class PayoutReceiptView(StaffOr404Mixin, View):
    def get(self, request, public_id):
        payout = _payout(request, public_id)
        if payout.method != Payout.Method.CASH or payout.status != Payout.Status.PAID:
            raise Http404
        return pdf_response(receipt_pdf(payout), f"receipt-{payout.receipt_number}.pdf")


# --- statements ----------------------------------------------------------------------------------
class StatementView(StaffOr404Mixin, View):
    """An account's statement for a range of days (default: the last year), previewed, and as CSV
    or PDF (``?file=``) in the worker's language."""

    def get(self, request, public_id):
        account = get_object_or_404(Account.objects.visible_to(request.user).of_workers().select_related("worker"),
                                    public_id=public_id)
        form = StatementForm(request.GET or None)
        if form.is_bound and not form.is_valid():
            return render(request, "savings/statement.html", {"account": account, "worker": account.worker,
                                                              "form": form}, status=400)
        data = form.cleaned_data if form.is_bound else _default_range()
        found = statement(account, data["date_from"], data["date_to"])
        name = f"statement-{account.worker.curp}-{data['date_from']}-{data['date_to']}"
        if request.GET.get("file") == "csv":
            response = HttpResponse(statement_csv(found), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            return response
        if request.GET.get("file") == "pdf":
            return pdf_response(statement_pdf(found), f"{name}.pdf")
        query = urlencode({"date_from": data["date_from"].isoformat(), "date_to": data["date_to"].isoformat()})
        return render(request, "savings/statement.html", {
            "account": account, "worker": account.worker, "form": form, "statement": found, "query": query})


def _default_range() -> dict:
    form = StatementForm({})
    form.is_valid()
    return form.cleaned_data


# --- unclaimed savings ---------------------------------------------------------------------------
class UnclaimedView(StaffOr404Mixin, View):
    """Workers home for longer than their program's days with savings nobody claimed; CSV of the
    filtered list with ``?file=csv``."""

    def get(self, request):
        form = UnclaimedForm(request.GET or None)
        filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
        rows = unclaimed_accounts(None, Account.objects.visible_to(request.user),
                                  min_days=filters.get("min_days")).select_related("worker")
        if filters.get("state"):
            rows = rows.filter(worker__state_of_origin=filters["state"])
        rows = rows.order_by("returned_on", "id")
        todays = program_todays()  # days are counted in each program's time zone
        if request.GET.get("file") == "csv":
            return _unclaimed_csv(rows, todays)
        page = Paginator(rows, page_size(request)).get_page(request.GET.get("page"))
        for account in page.object_list:
            account.days_since_return = days_since_return(account, todays)
        query = urlencode({key: value for key, value in request.GET.items() if key in ("state", "min_days")})
        return render(request, "savings/unclaimed_list.html", {
            "form": form, "page": page, "accounts": page.object_list, "page_query": query, "shown": "unclaimed"},
            status=400 if form.is_bound and not form.is_valid() else 200)


def _unclaimed_csv(rows, todays) -> HttpResponse:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_("Worker"), "CURP", _("State of origin"), _("Returned on"), _("Days since the return"),
                     _("Available"), _("Currency")])
    for account in rows.iterator(chunk_size=500):
        writer.writerow([account.worker.full_name, account.worker.curp, account.worker.state_of_origin,
                         account.returned_on.isoformat(), days_since_return(account, todays),
                         Money(account.available, account.currency).text, account.currency])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="unclaimed-savings-{timezone.localdate()}.csv"'
    return response


# --- release of held money -----------------------------------------------------------------------
class AdministratorOr404Mixin(SignedInMixin):
    def allowed(self, user) -> bool:
        return user.is_administrator


class ReleaseView(AdministratorOr404Mixin, View):
    """An administrator releases what an absconded contract holds, with the reason; a
    confirmation page comes first."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_administrator:
            self.contract = get_object_or_404(Contract.objects.visible_to(request.user).select_related("worker"),
                                              public_id=kwargs["public_id"], status=ContractStatus.ABSCONDED)
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, request, form, status=200):
        return render(request, "savings/release_form.html", {"contract": self.contract,
                                                             "worker": self.contract.worker, "form": form},
                      status=status)

    def get(self, request, public_id):
        return self.render_form(request, ReleaseForm())

    def post(self, request, public_id):
        form = ReleaseForm(request.POST)
        if not form.is_valid():
            form.renew_key()
            return self.render_form(request, form, status=400)
        if "confirm" not in request.POST:
            return render(request, "savings/release_confirm.html", {
                "contract": self.contract, "worker": self.contract.worker, "form": form,
                "reason_label": HeldRelease.Reason(form.cleaned_data["reason"]).label})
        data = form.cleaned_data

        def work():
            release = release_held_money(self.contract, reason=data["reason"], explanation=data["explanation"],
                                         by=request.user)
            return 201, {"account": str(release.account.public_id)}

        answer = _run_once(request, form, work, {"contract": str(self.contract.public_id), **_plain(data)})
        if answer is None or answer.status >= 400:
            if answer is not None:
                _refused(form, answer.body)
            form.renew_key()
            return self.render_form(request, form, status=400)
        messages.success(request, _("The held money was released: it is available in the worker's account."))
        return redirect("savings-account-detail", public_id=answer.body["account"])
