"""The worker list as CSV: the columns of the import file (so an export can be edited and imported
back) plus the status. Read with ``values_list`` a chunk at a time, never through serializers.

The list also joins twp's list exports (CSV or XLSX with translated headers and labels, for reading
rather than re-importing)."""

from collections.abc import Iterator

from django.contrib.postgres.aggregates import StringAgg
from django.utils.translation import gettext_lazy as _

from twp.export_jobs import Column, ListExport, day, labels, register
from twp.regions import MEXICAN_STATES
from workers.filtersets import WorkerFilterSet
from workers.importers import COLUMNS, OCCUPATION_SEPARATOR
from workers.models import Sex, Worker, WorkerStatus

EXPORT_CHUNK_SIZE = 2_000
EXPORT_COLUMNS = (*COLUMNS, "status")
_DATABASE_COLUMNS = tuple("occupation_codes" if column == "occupations" else column for column in EXPORT_COLUMNS)


def worker_export_rows(workers) -> Iterator[tuple]:
    """Rows of the given (already scoped and filtered) workers, newest first, by keyset chunks."""
    queryset = (workers.order_by("-id")
                .annotate(occupation_codes=StringAgg("occupations__code", delimiter=OCCUPATION_SEPARATOR,
                                                     order_by="occupations__code", default=""))
                .values_list("id", *_DATABASE_COLUMNS))
    last_id = None
    while True:
        chunk = list((queryset.filter(id__lt=last_id) if last_id else queryset)[:EXPORT_CHUNK_SIZE])
        for row in chunk:
            yield row[1:]
        if len(chunk) < EXPORT_CHUNK_SIZE:
            return
        last_id = chunk[-1][0]


def filtered_workers(user, params):
    """The worker list page's rows: its filter set on the person's scope (an invalid filter: none)."""
    filterset = WorkerFilterSet(params, queryset=Worker.objects.visible_to(user))
    return filterset.everything() if filterset.is_valid() else Worker.objects.none()


def _list_export_queryset(user, params):
    # The page's order; occupations aggregated in the same query, so a chunk costs one round trip.
    return (filtered_workers(user, params).order_by("-id")
            .annotate(occupation_codes=StringAgg("occupations__code", delimiter=OCCUPATION_SEPARATOR,
                                                 order_by="occupations__code", default="")))


def _list_export_columns():
    states, sexes, statuses = labels(MEXICAN_STATES), labels(Sex.choices), labels(WorkerStatus.choices)
    return (
        Column(_("CURP"), lambda worker: worker.curp),
        Column(_("First names"), lambda worker: worker.first_names),
        Column(_("Paternal surname"), lambda worker: worker.paternal_surname),
        Column(_("Maternal surname"), lambda worker: worker.maternal_surname),
        Column(_("Birth date"), lambda worker: day(worker.birth_date)),
        Column(_("Sex"), lambda worker: sexes.get(worker.sex, worker.sex)),
        Column(_("State of origin"), lambda worker: states.get(worker.state_of_origin, worker.state_of_origin)),
        Column(_("Phone"), lambda worker: worker.phone),
        Column(_("Occupations"), lambda worker: worker.occupation_codes),
        Column(_("Status"), lambda worker: statuses.get(worker.status, worker.status)),
    )


register(ListExport(kind="workers", label=_("Workers"), columns=_list_export_columns,
                    queryset=_list_export_queryset, list_url_name="worker-list"))
