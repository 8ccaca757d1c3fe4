"""Pages of the twp app: the home pages each role lands on after signing in."""

from django.shortcuts import redirect
from django.views.generic import TemplateView

from twp.permissions import EmployerRequiredMixin, ProgramStaffRequiredMixin


def home(request):
    """Send each role to its own home page."""
    if request.user.is_employer_user:
        return redirect("employer-home")
    return redirect("staff-home")


class StaffHomeView(ProgramStaffRequiredMixin, TemplateView):
    """What needs action today. Later issues fill its panels (requests to review, contracts
    ending, overdue returns); each panel shows an empty state until then."""

    template_name = "twp/staff_home.html"


class EmployerHomeView(EmployerRequiredMixin, TemplateView):
    template_name = "twp/employer_home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        membership = getattr(self.request.user, "employer_membership", None)
        context["employer"] = membership.employer if membership else None
        return context
