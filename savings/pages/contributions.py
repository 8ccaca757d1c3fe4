"""Contribution pages (under /savings/contributions/).

For employers (the portal): the lines they posted (filters, pages), a form to post one line with
the contract's savings rate and the expected deduction, a payroll upload (CSV, all or nothing)
and its template. For staff: the live contributions flagged for review (the deduction is not rate
× pay). For both: a contribution's page, from which the employer that posted it or staff who see
its contract reverse it (a reason, then a confirmation).

Who sees what is ``Contribution.objects.visible_to`` (404 otherwise); the rules are
``savings.contributions``'s. Every posting runs through ``twp.idempotency.once`` with the key its
form carried, so a form sent twice posts once."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from contracts.models import Contract, ContractStatus
from savings.contributions import FIELDS, contribution_post, contribution_reverse, contributions_post
from savings.forms import ContributionFilterForm, ContributionForm, PayrollUploadForm, ReverseForm
from savings.models import Contribution, Source
from savings.money import Money
from savings.pages.common import (
    EmployerOr404Mixin,
    StaffOr404Mixin,
    StaffOrEmployerOr404Mixin,
    page_size,
    parse_uuid,
    post_once,
    postable_contracts,
)
from savings.payroll_csv import ROW, read_payroll
from twp.exceptions import DomainError
from twp.exports import csv_response
from twp.models import Role

# The template's columns after the six the upload reads: what the employer needs to fill a line
# in (the upload ignores them).
TEMPLATE_EXTRA_COLUMNS = ("worker", "contract_start", "contract_end", "savings_rate")


def _rows(user):
    return (Contribution.objects.visible_to(user)
            .select_related("contract__worker", "contract__request", "employer").order_by("-id"))


# --- staff: flagged contributions ------------------------------------------------------------------

class FlaggedListView(StaffOr404Mixin, View):
    """Live contributions whose deduction is not the contract's rate × the gross pay, newest
    first, among the contracts the person sees."""

    def get(self, request):
        page = Paginator(_rows(request.user).flagged(), page_size(request)).get_page(request.GET.get("page"))
        return render(request, "savings/flagged_list.html", {"page": page, "contributions": page.object_list})


# --- employers: their lines ------------------------------------------------------------------------

class ContributionListView(EmployerOr404Mixin, View):
    template_name = "savings/contribution_list.html"

    def get(self, request):
        contracts = postable_contracts(request.user)
        form = ContributionFilterForm(request.GET or None, contracts=contracts)
        rows = _rows(request.user)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            if data["contract"]:
                rows = rows.filter(contract__public_id=data["contract"])
            if data["period_from"]:
                rows = rows.filter(period_end__gte=data["period_from"])
            if data["period_to"]:
                rows = rows.filter(period_start__lte=data["period_to"])
        elif form.is_bound:
            rows = rows.none()
        page = Paginator(rows, page_size(request)).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, self.template_name, {
            "form": form, "page": page, "contributions": page.object_list, "page_query": query.urlencode(),
            "is_filtered": any(request.GET.get(name) for name in ("contract", "period_from", "period_to")),
            "has_contracts": bool(contracts),
        })


def expected_deduction(contract: Contract | None, gross_pay: str) -> dict:
    """The contract's savings rate and, when the gross pay reads as an amount, the deduction it
    expects (rate × pay, rounded half up to the currency's minor unit)."""
    if contract is None:
        return {}
    rate = contract.savings_rate_in_force
    expected = None
    if gross_pay.strip():
        try:
            expected = Money.parse(gross_pay, contract.wage_currency, field="gross_pay").percent(rate)
        except DomainError:
            expected = None
    return {"rate": rate, "currency": contract.wage_currency, "expected": expected}


def _chosen(contracts: list[Contract], public_id: str) -> Contract | None:
    return next((contract for contract in contracts if str(contract.public_id) == public_id), None)


class ContributionPostView(EmployerOr404Mixin, View):
    """Post one payroll line. ``preview`` (a second button, for browsers without scripts) shows
    the expected deduction without posting; htmx refreshes it as the contract or the pay changes."""

    template_name = "savings/contribution_form.html"

    def _render(self, request, form, contracts, status=200):
        data = form.data if form.is_bound else form.initial
        return render(request, self.template_name, {
            "form": form, "has_contracts": bool(contracts),
            "expected": expected_deduction(_chosen(contracts, data.get("contract", "")), data.get("gross_pay", "")),
        }, status=status)

    def get(self, request):
        contracts = postable_contracts(request.user)
        initial = {}
        if (wanted := request.GET.get("contract", "")) and _chosen(contracts, wanted):
            initial["contract"] = wanted
        return self._render(request, ContributionForm(initial=initial, contracts=contracts), contracts)

    def post(self, request):
        contracts = postable_contracts(request.user)
        form = ContributionForm(request.POST, contracts=contracts)
        if "preview" in request.POST:
            return self._render(request, form, contracts)
        if not form.is_valid():
            form.renew_key()
            return self._render(request, form, contracts, status=400)
        line = form.line()

        def work():
            contribution = contribution_post(by=request.user, line=line, source=Source.PORTAL)
            return 201, {"contribution": str(contribution.public_id)}

        try:
            answer = post_once(request, key=form.cleaned_data["idempotency_key"], request_data=line, work=work)
        except DomainError as error:  # the key was used for other data, or the first is still running
            form.add_error(None, str(error.message))
            form.renew_key()
            return self._render(request, form, contracts, status=409)
        if answer.status >= 400:
            field = answer.body.get("field")
            form.add_error(field if field in form.fields else None, answer.body["message"])
            form.renew_key()
            return self._render(request, form, contracts, status=answer.status)
        if answer.replayed:
            messages.info(request, _("This form was sent twice: the line was posted once."))
        else:
            messages.success(request, _("Deduction posted."))
        return redirect("savings-contribution-detail", public_id=answer.body["contribution"])


class ExpectedDeductionView(EmployerOr404Mixin, View):
    """The fragment htmx draws under the posting form: the chosen contract's rate and the
    expected deduction for the pay typed (nothing for a contract that is not the employer's)."""

    def get(self, request):
        public_id = parse_uuid(request.GET.get("contract", ""))
        contract = None
        if public_id is not None:
            contract = (Contract.objects.visible_to(request.user).filter(public_id=public_id)
                        .select_related("program").first())
        return render(request, "savings/includes/expected.html", {
            "expected": expected_deduction(contract, request.GET.get("gross_pay", ""))})


class PayrollUploadView(EmployerOr404Mixin, View):
    """A whole payroll from a CSV file: every line posted, or none and every refused line listed
    with its row number and messages."""

    template_name = "savings/payroll_upload.html"

    def _render(self, request, form, *, refused=(), status=200):
        return render(request, self.template_name, {
            "form": form, "refused": refused, "columns": ",".join(FIELDS)}, status=status)

    def get(self, request):
        return self._render(request, PayrollUploadForm())

    def post(self, request):
        form = PayrollUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            form.renew_key()
            return self._render(request, form, status=400)
        upload = form.cleaned_data["file"]
        try:
            lines = read_payroll(upload, encoding=form.cleaned_data["encoding"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else "file", str(error.message))
            form.renew_key()
            return self._render(request, form, status=400)
        upload.seek(0)
        digest = hashlib.sha256(upload.read()).hexdigest()
        name = upload.name[:150]
        reference = f"{name} sha256:{digest[:16]}"

        def work():
            posted = contributions_post(by=request.user, lines=lines, source=Source.IMPORT, reference=reference)
            return 201, {"count": len(posted), "file": name}

        try:
            answer = post_once(request, key=form.cleaned_data["idempotency_key"], work=work, request_data={
                "file": name, "sha256": digest, "encoding": form.cleaned_data["encoding"]})
        except DomainError as error:
            form.add_error(None, str(error.message))
            form.renew_key()
            return self._render(request, form, status=409)
        if answer.status >= 400:
            form.renew_key()
            if "lines" in answer.body:
                refused = [{"row": lines[index][ROW], "column": field, "messages": line_messages}
                           for index, field, line_messages in answer.body["lines"]]
                form.add_error(None, ngettext(
                    "%(count)s line of the payroll was refused; nothing was posted. Correct it and upload the "
                    "whole file again.",
                    "%(count)s lines of the payroll were refused; nothing was posted. Correct them and upload "
                    "the whole file again.", len({item["row"] for item in refused})) % {
                    "count": len({item["row"] for item in refused})})
                return self._render(request, form, refused=refused, status=answer.status)
            form.add_error("file", answer.body["message"])
            return self._render(request, form, status=answer.status)
        count = answer.body["count"]
        if answer.replayed:
            messages.info(request, _("This payroll was sent twice: it was posted once."))
        else:
            messages.success(request, ngettext("Payroll posted: %(count)s line from %(file)s.",
                                               "Payroll posted: %(count)s lines from %(file)s.", count)
                             % {"count": count, "file": answer.body["file"]})
        return redirect("savings-contribution-list")


class PayrollTemplateView(EmployerOr404Mixin, View):
    """A CSV to fill in: the upload's columns, one line per active contract (its public id and
    currency given), and the worker's name, the contract's dates and rate to go by."""

    def get(self, request):
        contracts = (Contract.objects.visible_to(request.user).filter(status=ContractStatus.ACTIVE)
                     .select_related("worker", "program").order_by("worker__paternal_surname", "start_date", "id"))
        rows = ([contract.public_id, "", "", "", "", contract.wage_currency, contract.worker.full_name,
                 contract.start_date.isoformat(), contract.last_day.isoformat(), contract.savings_rate_in_force]
                for contract in contracts)
        return csv_response(header=[*FIELDS, *TEMPLATE_EXTRA_COLUMNS], rows=rows, filename="payroll-template.csv")


# --- both: a contribution's page and its reversal ----------------------------------------------------

def _visible_contribution(request, public_id) -> Contribution:
    return get_object_or_404(
        _rows(request.user).select_related("contract__request__employer", "transaction__by",
                                           "reversal__by"), public_id=public_id)


class ContributionDetailView(StaffOrEmployerOr404Mixin, View):
    def get(self, request, public_id):
        return render_contribution(request, _visible_contribution(request, public_id))


def render_contribution(request, contribution: Contribution, *, form=None, status: int = 200):
    is_staff = request.user.is_program_staff
    return render(request, "savings/contribution_detail.html", {
        "contribution": contribution, "is_staff": is_staff,
        "is_employer": request.user.viewing_role == Role.EMPLOYER,
        "difference": contribution.amount - contribution.expected_amount,
        "form": form or (ReverseForm() if contribution.status == Contribution.Status.POSTED else None),
        "back_url": reverse("savings-flagged-list") if is_staff else reverse("savings-contribution-list"),
    }, status=status)


class ContributionReverseView(StaffOrEmployerOr404Mixin, View):
    """POST the reason: a confirmation page; POST again with ``confirm``: the reversal."""

    def post(self, request, public_id):
        contribution = _visible_contribution(request, public_id)
        form = ReverseForm(request.POST)
        if not form.is_valid():
            form.renew_key()
            return render_contribution(request, contribution, form=form, status=400)
        if "confirm" not in request.POST:
            return render(request, "savings/contribution_reverse_confirm.html", {
                "contribution": contribution, "form": form})
        reason = form.cleaned_data["reason"]

        def work():
            done = contribution_reverse(contribution=contribution, by=request.user, reason=reason,
                                        source=Source.STAFF if request.user.is_program_staff else Source.PORTAL)
            return 200, {"contribution": str(done.public_id)}

        try:
            answer = post_once(request, key=form.cleaned_data["idempotency_key"], work=work, request_data={
                "contribution": str(contribution.public_id), "reason": reason})
        except Contribution.DoesNotExist:
            raise Http404 from None
        except DomainError as error:
            form.add_error(None, str(error.message))
            form.renew_key()
            return render_contribution(request, contribution, form=form, status=409)
        if answer.status >= 400:  # reversed meanwhile, or the money was paid out
            form.add_error("reason" if answer.body.get("field") == "reason" else None, answer.body["message"])
            form.renew_key()
            return render_contribution(request, _visible_contribution(request, public_id), form=form,
                                       status=answer.status)
        if answer.replayed:
            messages.info(request, _("This form was sent twice: the contribution was reversed once."))
        else:
            messages.success(request, _("Contribution reversed: the amount was taken back from the worker's "
                                        "account."))
        return redirect("savings-contribution-detail", public_id=public_id)

