"""What contracts add to other apps' scopes: the workers an office's staff see, and the workers
an employer may name."""

from django.db.models import Max

from contracts.models import WORKED_STATUSES, Contract, placed_in_regions
from employers.worker_requests import FORMER_WORKER_SOURCES
from workers.models import STAFF_SCOPE_EXTENSIONS


def workers_placed_in_office_regions(office):
    """A consulate sees the workers placed in its regions (past contracts included)."""
    return placed_in_regions(office.destination_regions) if office.destination_regions else None


def workers_employed_before(employer, before_season):
    return (Contract.objects.filter(request__employer=employer, status__in=WORKED_STATUSES,
                                    season__lt=before_season)
            .values("worker_id").annotate(last_season=Max("season"), last_end=Max("end_date")))


STAFF_SCOPE_EXTENSIONS.append(workers_placed_in_office_regions)
FORMER_WORKER_SOURCES.append(workers_employed_before)
