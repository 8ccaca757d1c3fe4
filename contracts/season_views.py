"""Staff pages of season allocation (administrators): start a run, follow it, read its report."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View

from contracts.models import AllocationRun
from contracts.season import Outcome, season_run_start
from twp.exceptions import Conflict
from twp.models import Program
from twp.permissions import ProgramStaffRequiredMixin

RECENT_RUNS = 10
OUTCOME_LABELS = {
    Outcome.FILLED: _("Filled"),
    Outcome.PARTIALLY_FILLED: _("Partially filled"),
    Outcome.NOT_FILLED: _("Not filled"),
    Outcome.ALREADY_FILLED: _("Already filled"),
}


class AdministratorRequiredMixin(ProgramStaffRequiredMixin):
    """Office staff and employers get 403: allocating a season is an administrator's action."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_administrator:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class SeasonRunForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.none())
    season = forms.IntegerField(label=_("Season"), min_value=2000, max_value=2100)
    confirm = forms.BooleanField(
        label=_("I understand that every approved request of this season gets proposed contracts now."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.active().order_by("name")
        self.fields["season"].initial = timezone.localdate().year + 1


def _run(request, public_id) -> AllocationRun:
    return get_object_or_404(AllocationRun.objects.visible_to(request.user).select_related("program", "started_by"),
                             public_id=public_id)


class SeasonAllocationView(AdministratorRequiredMixin, View):
    template_name = "contracts/season_start.html"

    def _render(self, request, form, status=200):
        runs = AllocationRun.objects.visible_to(request.user).select_related("program")[:RECENT_RUNS]
        return render(request, self.template_name, {"form": form, "runs": runs}, status=status)

    def get(self, request):
        return self._render(request, SeasonRunForm())

    def post(self, request):
        form = SeasonRunForm(request.POST)
        if form.is_valid():
            try:
                run = season_run_start(program=form.cleaned_data["program"], season=form.cleaned_data["season"],
                                       by=request.user)
            except Conflict as error:
                form.add_error(None, str(error))
            else:
                return redirect("season-run", public_id=run.public_id)
        return self._render(request, form, status=400)


class SeasonRunView(AdministratorRequiredMixin, View):
    def get(self, request, public_id):
        run = _run(request, public_id)
        report = [{**entry, "outcome_label": OUTCOME_LABELS.get(entry["outcome"], entry["outcome"])}
                  for entry in run.report] if run.is_finished else []
        return render(request, "contracts/season_run.html", {"run": run, "report": report})


class SeasonRunProgressView(AdministratorRequiredMixin, View):
    """The fragment htmx polls every second while the run goes; when it ends the page reloads to
    show the report."""

    def get(self, request, public_id):
        run = _run(request, public_id)
        response = render(request, "contracts/season_progress.html", {"run": run})
        if run.is_finished and request.headers.get("HX-Request"):
            response["HX-Refresh"] = "true"
        return response
