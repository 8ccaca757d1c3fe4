"""The worker list as CSV: the columns of the import file (so an export can be edited and imported
back) plus the status. Read with ``values_list`` a chunk at a time, never through serializers."""

from collections.abc import Iterator

from django.contrib.postgres.aggregates import StringAgg

from workers.importers import COLUMNS, OCCUPATION_SEPARATOR

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
