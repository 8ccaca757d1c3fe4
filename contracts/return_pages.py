"""Return pages for staff (under /returns/): the lists (due this week, overdue, confirmed) and the
check-in desk, where a CURP typed or scanned finds the worker's contract awaiting return and one
more click confirms it.

The CURP travels only in POST bodies, never in a URL (URLs end up in logs and browser history).
Who sees what is ``Contract.objects.visible_to`` and ``ExpectedReturn.objects.visible_to``: a CURP
outside the person's scope reads exactly as one that does not exist. The rules are
``contracts.returns.contract_confirm_return``'s."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from contracts.life import ACTIONS
from contracts.models import Contract, ExpectedReturn
from contracts.returns import CONFIRM_RETURN, contract_confirm_return, due_on
from contracts.views import ProgramStaffOr404Mixin
from employers.staff_views import _page_size
from twp.exceptions import Conflict, DomainError, InvalidTransition, StaleVersion
from workers.validators import validate_curp

# The lists of the returns page: what each shows and in which order ("days overdue" sorts by due date).
LISTS = {
    "week": gettext_lazy("Due this week"),
    "overdue": gettext_lazy("Overdue"),
    "confirmed": gettext_lazy("Confirmed"),
}
DAYS_IN_A_WEEK = 7
OVERDUE_SORTS = {"most": ("due_on", "id"), "least": ("-due_on", "-id")}


def _rows(user):
    return (ExpectedReturn.objects.visible_to(user)
            .select_related("contract__worker", "contract__program", "contract__request__employer", "confirmed_by"))


def filtered_returns(user, params):
    """The rows of one of the returns lists (``?list=week|overdue|confirmed``, ``?sort=`` for the
    overdue one) in its order, with the list and sort applied. The page and its exports read it here."""
    shown = params.get("list", "overdue")
    if shown not in LISTS:
        shown = "overdue"
    sort = params.get("sort", "most")
    if sort not in OVERDUE_SORTS:
        sort = "most"
    rows = _rows(user)
    if shown == "week":
        rows = rows.due_within(DAYS_IN_A_WEEK).order_by("due_on", "id")
    elif shown == "overdue":
        rows = rows.overdue().order_by(*OVERDUE_SORTS[sort])
    else:
        rows = rows.confirmed().order_by(F("confirmed_at").desc(), "-id")
    return rows, shown, sort


class ReturnListView(ProgramStaffOr404Mixin, View):
    def get(self, request):
        rows, shown, sort = filtered_returns(request.user, request.GET)
        page = Paginator(rows, _page_size(request)).get_page(request.GET.get("page"))
        return render(request, "contracts/returns/list.html", {
            "page": page, "rows": [(row, days_overdue_or_late(row)) for row in page.object_list], "shown": shown,
            "sort": sort, "lists": list(LISTS.items()), "title": LISTS[shown]})


def days_overdue_or_late(expected: ExpectedReturn) -> int | None:
    """Days late once confirmed; days overdue so far while open (None when not due yet)."""
    if expected.is_confirmed:
        return expected.days_late
    overdue_by = (expected.contract.program.today() - expected.due_on).days
    return overdue_by if overdue_by > 0 else None


class CurpForm(forms.Form):
    curp = forms.CharField(label=gettext_lazy("Worker's CURP"), max_length=40,
                           help_text=gettext_lazy("Type it or scan it from the worker's document."),
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True,
                                                         "autocapitalize": "characters", "spellcheck": "false"}))

    def clean_curp(self):
        return validate_curp(self.cleaned_data["curp"])


class ConfirmReturnForm(forms.Form):
    # ISO in the value whatever the language: a date input reads nothing else.
    seen_home_on = forms.DateField(label=gettext_lazy("Seen home on"),
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    place = forms.ChoiceField(label=gettext_lazy("Where"), choices=ExpectedReturn.Place.choices)
    identity_document = forms.ChoiceField(label=gettext_lazy("Identity document checked"),
                                          choices=ExpectedReturn.IdentityDocument.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, contract: Contract, **kwargs):
        # One form per contract on the page: ids stay unique.
        super().__init__(*args, prefix=f"return-{contract.public_id}", **kwargs)
        self.contract = contract


def _awaiting(user, curp: str) -> list[Contract]:
    """The contracts of the worker with ``curp`` that ``user`` sees and may confirm now."""
    sources = ACTIONS[CONFIRM_RETURN].sources
    return list(Contract.objects.visible_to(user).filter(worker__curp=curp, status__in=sources)
                .select_related("worker", "program", "request__employer", "expected_return").order_by("end_date"))


class CheckInView(ProgramStaffOr404Mixin, View):
    """Step 1 (``find``): the CURP. Step 2 (``confirm``): the return of one contract found."""

    template_name = "contracts/returns/check_in.html"

    def get(self, request):
        return render(request, self.template_name, {"curp_form": CurpForm(), "lists": list(LISTS.items())})

    def post(self, request):
        curp_form = CurpForm(request.POST)
        if not curp_form.is_valid():
            return render(request, self.template_name, {"curp_form": curp_form, "lists": list(LISTS.items())},
                          status=400)
        curp = curp_form.cleaned_data["curp"]
        contracts = _awaiting(request.user, curp)
        if request.POST.get("step") != "confirm":
            return self._found(request, curp_form, contracts)
        contract = next((c for c in contracts if str(c.public_id) == request.POST.get("contract")), None)
        if contract is None:  # confirmed meanwhile, or never theirs: start again from the CURP
            return self._found(request, curp_form, contracts, status=404)
        form = ConfirmReturnForm(request.POST, contract=contract)
        if not form.is_valid():
            return self._found(request, curp_form, contracts, bound=form, status=400)
        try:
            confirmation = contract_confirm_return(contract=contract, by=request.user, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except (DomainError, ValidationError) as error:
            field = getattr(error, "field", None)
            form.add_error(field if field in form.fields else None, str(getattr(error, "message", error)))
            status = 409 if isinstance(error, Conflict | InvalidTransition | StaleVersion) else 400
            return self._found(request, curp_form, contracts, bound=form, status=status)
        expected = confirmation.expected_return
        days = expected.days_late
        messages.success(request, _("Return confirmed: %(name)s, seen home on %(day)s (%(when)s).") % {
            "name": contract.worker.full_name, "day": expected.seen_home_on.isoformat(),
            "when": _("on time") if days <= 0 else ngettext("%(days)s day late", "%(days)s days late", days)
            % {"days": days}})
        return redirect("return-check-in")

    def _found(self, request, curp_form, contracts, *, bound=None, status=200):
        found = []
        for contract in contracts:
            expected = getattr(contract, "expected_return", None)
            form = bound if bound is not None and bound.contract.pk == contract.pk else ConfirmReturnForm(
                contract=contract, initial={"seen_home_on": contract.program.today(), "version": contract.version})
            found.append((contract, expected.due_on if expected else due_on(contract), form))
        return render(request, self.template_name, {
            "curp_form": curp_form, "curp": curp_form.cleaned_data["curp"], "found": found, "searched": True,
            "lists": list(LISTS.items())},
            # Nothing found reads the same whether the CURP is unknown or outside the person's scope.
            status=status if contracts or status != 200 else 404)
