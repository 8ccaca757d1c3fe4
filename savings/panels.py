"""The savings app's panels: on the staff home, the contributions flagged for review (see
twp/panels.py); on a worker's page, the worker's savings accounts (see workers/panels.py). Both
over what the signed-in person sees."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from savings.models import Account, Contribution
from twp.panels import register_staff_home_panel
from workers.panels import register_worker_panel


@register_staff_home_panel
def flagged_contributions_panel(request):
    count = Contribution.objects.visible_to(request.user).flagged().count()
    return {
        "template": "employers/staff/home_panels.html",
        "key": "savings-flagged",
        "title": _("Flagged contributions"),
        "count": count,
        "count_text": ngettext("%(count)s savings deduction differs from the contract's rate.",
                               "%(count)s savings deductions differ from the contract's rate.", count)
        % {"count": count},
        "url": reverse("savings-flagged-list"),
        "link_text": _("Review the flagged contributions"),
        "empty_text": _("No contribution is waiting for review."),
    }


@register_worker_panel
def savings_panel(request, worker):
    if not request.user.is_program_staff:
        return None
    accounts = Account.objects.visible_to(request.user).of_workers().filter(worker=worker).order_by("currency")
    return {"template": "savings/worker_panel.html", "accounts": list(accounts), "worker": worker}
