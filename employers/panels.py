"""The employers app's panels on the staff home page (see twp/panels.py): the submitted requests
and the pending employers the signed-in person may decide on."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from employers.models import Employer, RequestStatus, WorkerRequest
from twp.panels import register_staff_home_panel


@register_staff_home_panel
def requests_to_review_panel(request):
    count = WorkerRequest.objects.governed_by(request.user).filter(status=RequestStatus.SUBMITTED).count()
    return {
        "template": "employers/staff/home_panels.html",
        "key": "requests",
        "title": _("Requests to review"),
        "count": count,
        "count_text": ngettext("%(count)s submitted request waits for your review.",
                               "%(count)s submitted requests wait for your review.", count) % {"count": count},
        "url": f"{reverse('review-request-list')}?{urlencode({'status': RequestStatus.SUBMITTED})}",
        "link_text": _("Open the review queue"),
        "empty_text": _("No employer requests are waiting for review."),
    }


@register_staff_home_panel
def employers_awaiting_approval_panel(request):
    count = Employer.objects.governed_by(request.user).filter(status=Employer.Status.PENDING).count()
    return {
        "template": "employers/staff/home_panels.html",
        "key": "employers",
        "title": _("Employers awaiting approval"),
        "count": count,
        "count_text": ngettext("%(count)s employer waits for approval.",
                               "%(count)s employers wait for approval.", count) % {"count": count},
        "url": f"{reverse('review-employer-list')}?{urlencode({'status': Employer.Status.PENDING})}",
        "link_text": _("Open the approval queue"),
        "empty_text": _("No employer is waiting for approval."),
    }
