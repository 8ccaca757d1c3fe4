"""The contracts app's panels on the staff home page (see twp/panels.py): overdue returns and the
on-time return rate (circularity), both over what the signed-in person sees."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contracts.circularity import on_time_return_rate
from contracts.models import Contract, ExpectedReturn
from twp.panels import register_staff_home_panel


@register_staff_home_panel
def overdue_returns_panel(request):
    count = ExpectedReturn.objects.visible_to(request.user).overdue().count()
    return {
        "template": "employers/staff/home_panels.html",
        "key": "returns",
        "title": _("Overdue returns"),
        "count": count,
        "count_text": ngettext("%(count)s worker is overdue to return.",
                               "%(count)s workers are overdue to return.", count) % {"count": count},
        "url": f"{reverse('return-list')}?{urlencode({'list': 'overdue'})}",
        "link_text": _("Open the overdue returns"),
        "empty_text": _("No worker is overdue to return."),
    }


@register_staff_home_panel
def circularity_panel(request):
    contracts = Contract.objects.visible_to(request.user)
    return {
        "template": "contracts/returns/home_circularity.html",
        "key": "circularity",
        "title": _("On-time returns"),
        "by_program": on_time_return_rate(contracts, by="program"),
        "by_season": on_time_return_rate(contracts, by="season"),
    }
