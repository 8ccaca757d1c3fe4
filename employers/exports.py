"""The staff request queue joins twp's list exports, read through the queue's own filters."""

from django.utils.translation import gettext_lazy as _

from employers.models import RequestStatus
from employers.staff_views import filtered_requests, in_queue_order, request_queue_params
from twp.export_jobs import Column, ListExport, day, labels, register
from twp.regions import DESTINATION_REGIONS


def _queryset(user, params):
    _form, worker_requests = filtered_requests(user, request_queue_params(params))
    return in_queue_order(worker_requests)


def _columns():
    regions, statuses = labels(DESTINATION_REGIONS), labels(RequestStatus.choices)
    return (
        Column(_("Request"), lambda request: request.number),
        Column(_("Employer"), lambda request: request.employer.legal_name),
        Column(_("Province/state"), lambda request: regions.get(request.worksite.region, request.worksite.region)),
        Column(_("Occupation"), lambda request: request.occupation_name),
        Column(_("Workers requested"), lambda request: request.workers_requested),
        Column(_("Named workers"), lambda request: request.named_count),
        Column(_("Start"), lambda request: day(request.start_date)),
        Column(_("End"), lambda request: day(request.end_date)),
        Column(_("Submitted"), lambda request: day(request.submitted_at)),
        Column(_("Status"), lambda request: statuses.get(request.status, request.status)),
    )


register(ListExport(kind="requests", label=_("Worker requests"), columns=_columns, queryset=_queryset,
                    list_url_name="review-request-list"))
