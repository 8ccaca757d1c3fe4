"""Pages of the twp app: the home pages each role lands on after signing in."""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import defaults
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


def _wants_json(request) -> bool:
    return request.path_info.startswith("/api/")


def page_not_found(request, exception):
    """404: JSON under /api/ (REST clients parse it), the translated page elsewhere."""
    if _wants_json(request):
        return JsonResponse({"detail": str(_("Not found."))}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """500: JSON under /api/; the static bilingual page elsewhere (templates/500.html)."""
    if _wants_json(request):
        return JsonResponse({"detail": str(_("Server error: nothing was saved. Please try again later."))}, status=500)
    return defaults.server_error(request)
