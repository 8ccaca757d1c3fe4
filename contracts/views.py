"""Staff pages for selection and allocation (under /review/): a request's ranked candidates, and
allocating the ones staff pick after a confirmation step.

Each view parses input, calls one service and renders. The request must be visible to the
person (``visible_to``, else 404) and so must every worker ranked or chosen; people who are not
program staff get 404 here (candidates are staff-only, and an employer must not learn that its
request is being ranked)."""

import uuid

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from contracts import ranking
from contracts.services import ALLOCATABLE, contracts_allocate, places_left
from employers.models import WorkerRequest
from employers.worker_requests import named_worker_checks
from twp.exceptions import DomainError
from workers.models import Worker

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

# What each part of the score means, as staff read it next to the points (contracts.ranking).
PART_LABELS = {
    "named": gettext_lazy("Named by the employer"),
    "returned_on_time": gettext_lazy("Came home on time before"),
    "same_employer": gettext_lazy("Worked for this employer before"),
    "evaluation": gettext_lazy("Last evaluation"),
    "certification": gettext_lazy("Required certifications held"),
    "occupation": gettext_lazy("Has the requested occupation"),
    "language": gettext_lazy("Required languages spoken"),
    "waited": gettext_lazy("Time waited since the last contract"),
    "state_balance": gettext_lazy("Workers of the same state already on the request"),
}
assert set(PART_LABELS) == set(ranking.PARTS)


class ProgramStaffOr404Mixin(AccessMixin):
    """Staff-only pages about other people's objects: sign-in first, then 404 for non-staff."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.is_program_staff:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


def _visible_request(request, public_id) -> WorkerRequest:
    return get_object_or_404(
        WorkerRequest.objects.visible_to(request.user).select_related("employer", "worksite", "program",
                                                                       "occupation"),
        public_id=public_id)


def _limit(request) -> int:
    try:
        return max(1, min(MAX_LIMIT, int(request.GET.get("limit", DEFAULT_LIMIT))))
    except ValueError:
        return DEFAULT_LIMIT


def _rows(candidates) -> list[dict]:
    """Each candidate with the parts of its score that count, labelled, biggest first."""
    return [
        {"worker": candidate.worker, "score": candidate.score,
         "parts": sorted(((PART_LABELS[part], points) for part, points in candidate.parts.items() if points),
                         key=lambda item: -abs(item[1]))}
        for candidate in candidates
    ]


def render_candidates(request, worker_request: WorkerRequest, *, chosen=(), status: int = 200):
    candidates = ranking.candidates(worker_request, Worker.objects.visible_to(request.user), limit=_limit(request))
    return render(request, "contracts/staff/candidates.html", {
        "worker_request": worker_request,
        "rows": _rows(candidates),
        "unavailable": [check for check in named_worker_checks(worker_request) if not check.available],
        "places_left": max(places_left(worker_request), 0),
        "may_allocate": worker_request.status in ALLOCATABLE,
        "chosen": {str(public_id) for public_id in chosen},
        "limit": _limit(request),
        "max_limit": MAX_LIMIT,
    }, status=status)


class CandidatesView(ProgramStaffOr404Mixin, View):
    """The workers the person sees, ranked for the request with the parts of each score; the
    named workers who cannot go, with the reasons; checkboxes to pick and allocate."""

    def get(self, request, public_id):
        return render_candidates(request, _visible_request(request, public_id))


class AllocateView(ProgramStaffOr404Mixin, View):
    """First POST: the chosen workers on a confirmation page. Second POST (``confirm``): one
    allocation, all or nothing; a conflict is shown on the candidates page with the choice kept."""

    def post(self, request, public_id):
        worker_request = _visible_request(request, public_id)
        ids = request.POST.getlist("worker")
        workers = _chosen(request, ids)
        if workers is None:
            messages.error(request, _("Choose at least one worker among the candidates."))
            return render_candidates(request, worker_request, chosen=_valid_ids(ids), status=400)
        if "confirm" not in request.POST:
            return render(request, "contracts/staff/allocate_confirm.html", {
                "worker_request": worker_request, "workers": workers,
                "places_left": max(places_left(worker_request), 0),
            })
        try:
            contracts_allocate(request=worker_request, workers=workers, by=request.user,
                               scores=ranking.scores_of(worker_request, workers))
        except DomainError as error:
            messages.error(request, str(error.message))
            return render_candidates(request, worker_request, chosen=[worker.public_id for worker in workers],
                                     status=409)
        except PermissionDenied:
            raise Http404 from None
        messages.success(request, ngettext(
            "%(count)s worker was allocated to request %(number)s.",
            "%(count)s workers were allocated to request %(number)s.", len(workers)) % {
            "count": len(workers), "number": worker_request.number})
        return redirect("review-request-detail", public_id=worker_request.public_id)


def _valid_ids(ids) -> list[str]:
    valid = []
    for value in ids:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return valid


def _chosen(request, ids) -> list[Worker] | None:
    """The chosen workers among those the person sees, in the order chosen; None when none is
    (or some id is not one of them)."""
    valid = _valid_ids(ids)
    if not valid or len(valid) != len(ids) or len(set(valid)) != len(valid):
        return None
    found = {str(worker.public_id): worker for worker in Worker.objects.visible_to(request.user).filter(
        public_id__in=valid)}
    if len(found) != len(valid):
        return None
    return [found[value] for value in valid]

