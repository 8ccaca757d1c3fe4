"""Staff pages of workers' savings accounts (under /savings/accounts/): the list (search, sort,
pages) and an account's ledger (balances, money held per contract, entries newest first).

Who sees which account is ``Account.objects.visible_to`` (staff: the accounts of the workers they
see; employers none: 404). A CURP typed in the search box travels in the POST body only and
comes back as the worker's public id, as on the workers list."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Sum
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View

from contracts.models import Contract
from savings.forms import AccountSearchForm
from savings.models import Account, Entry
from savings.pages.common import StaffOr404Mixin, page_size, parse_uuid
from savings.payouts import may_request
from workers.models import Worker
from workers.validators import CURP_PATTERN, normalize_curp

# Sortable columns: the query param (``-`` in front for descending) and the order it means.
SORTS = {
    "worker": ("worker__paternal_surname", "worker__maternal_surname", "worker__first_names", "id"),
    "currency": ("currency", "worker__paternal_surname", "id"),
    "available": ("available", "id"),
    "held": ("held", "id"),
    "total": ("total", "id"),
}
DEFAULT_SORT = "worker"


def _sort(value: str) -> tuple[str, tuple[str, ...]]:
    name = value.removeprefix("-")
    if name not in SORTS:
        return DEFAULT_SORT, SORTS[DEFAULT_SORT]
    descending = value.startswith("-")
    return value, tuple(f"-{field}" if descending else field for field in SORTS[name])


class AccountListView(StaffOr404Mixin, View):
    """Workers' accounts the person sees: search by name (``?search=``) or, through the POSTed
    box, by CURP (``?worker=<public id>``); sortable columns; numbered pages."""

    template_name = "savings/account_list.html"

    def get(self, request):
        accounts = (Account.objects.visible_to(request.user).of_workers().select_related("worker")
                    .annotate(total=F("available") + F("held")))
        search = request.GET.get("search", "").strip()[:100]
        worker = None
        worker_id = request.GET.get("worker", "")
        if worker_id:
            worker = Worker.objects.visible_to(request.user).filter(public_id=parse_uuid(worker_id)).first()
            accounts = accounts.filter(worker=worker) if worker else accounts.none()
        if search:
            words, in_part = Worker.objects.search_in_steps(search)
            found = accounts.filter(worker__in=words)
            # Whole words first; any part of the name when they find nobody.
            accounts = found if in_part is None or found.exists() else accounts.filter(worker__in=in_part)
        sort, order = _sort(request.GET.get("sort", DEFAULT_SORT))
        page = Paginator(accounts.order_by(*order), page_size(request)).get_page(request.GET.get("page"))
        query = {key: value for key, value in (("search", search), ("worker", worker_id)) if value}
        return render(request, self.template_name, {
            "page": page, "accounts": page.object_list, "search": search, "worker": worker, "sort": sort,
            "columns": _columns(sort, query), "page_query": urlencode({**query, "sort": sort}),
            "is_filtered": bool(search or worker_id),
        })

    def post(self, request):
        term = AccountSearchForm(request.POST).data.get("q", "").strip()[:100]
        if CURP_PATTERN.match(normalize_curp(term)):
            worker = Worker.objects.visible_to(request.user).filter(curp=normalize_curp(term)).first()
            if worker:
                return redirect(f"{reverse('savings-account-list')}?{urlencode({'worker': worker.public_id})}")
            messages.info(request, _("No worker with that CURP is registered in your office's scope."))
            return redirect("savings-account-list")
        return HttpResponseRedirect(f"{reverse('savings-account-list')}?{urlencode({'search': term})}" if term else
                                    reverse("savings-account-list"))


def _columns(sort: str, query: dict) -> list[dict]:
    """The table's headers: each sortable, with its link (the other direction when it is the
    sorted column) and its aria-sort."""
    labels = {"worker": _("Worker"), "currency": _("Currency"), "available": _("Available"),
              "held": _("Held"), "total": _("Total")}
    columns = []
    for name, label in labels.items():
        current = sort.removeprefix("-") == name
        descending = sort.startswith("-")
        following = f"-{name}" if current and not descending else name
        columns.append({
            "name": name, "label": label, "numeric": name in ("available", "held", "total"),
            "url": f"?{urlencode({**query, 'sort': following})}",
            "aria_sort": ("descending" if descending else "ascending") if current else None,
        })
    return columns


class AccountDetailView(StaffOr404Mixin, View):
    """The account's ledger: balances, money held per contract (with the contract's status and
    its expected return), then the entries newest first, a page at a time by keyset (``?before=``
    an entry id): the same queries whatever the page's length."""

    template_name = "savings/account_detail.html"

    def get(self, request, public_id):
        account = get_object_or_404(Account.objects.visible_to(request.user).of_workers().select_related("worker"),
                                    public_id=public_id)
        held = _held_by_contract(account)
        size = page_size(request)
        entries = (Entry.objects.filter(account=account)
                   .select_related("transaction__by", "transaction__contribution",
                                   "transaction__reversed_contribution", "contract__request__employer")
                   .order_by("-id"))
        before = request.GET.get("before", "")
        if before.isdigit():
            entries = entries.filter(id__lt=int(before))
        # One row more than shown tells whether an older page exists, without counting.
        rows = list(entries[: size + 1])
        next_url = None
        if len(rows) > size:
            rows = rows[:size]
            next_url = f"?{urlencode({'before': rows[-1].pk, 'page_size': size})}"
        contract_ids = {contract.pk for contract, _amount in held} | {row.contract_id for row in rows
                                                                      if row.contract_id}
        visible = set(Contract.objects.visible_to(request.user).filter(pk__in=contract_ids)
                      .values_list("pk", flat=True)) if contract_ids else set()
        for row in rows:
            row.contract_is_visible = row.contract_id in visible
            transaction = row.transaction
            row.contribution = (getattr(transaction, "contribution", None)
                                or getattr(transaction, "reversed_contribution", None))
        return render(request, self.template_name, {
            "account": account, "worker": account.worker, "held": [
                (contract, amount, contract.pk in visible) for contract, amount in held],
            "may_request_payout": may_request(request.user, account.worker) and account.available > 0,
            "may_release": request.user.is_administrator,
            "entries": rows, "next_url": next_url, "first_url": "?" if before else None,
        })


def _held_by_contract(account: Account) -> list[tuple[Contract, object]]:
    """(contract, amount held) for each contract with money still held in ``account``: two
    queries (the sums, then the contracts with their employer and expected return)."""
    sums = dict(Entry.objects.filter(account=account, held=True).values("contract_id")
                .annotate(amount=Sum("amount")).exclude(amount=0).values_list("contract_id", "amount"))
    if not sums:
        return []
    contracts = (Contract.objects.filter(pk__in=list(sums))
                 .select_related("request__employer", "expected_return").order_by("start_date", "id"))
    return [(contract, sums[contract.pk]) for contract in contracts]
