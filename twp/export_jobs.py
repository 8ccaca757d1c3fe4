"""Exports of the staff lists (workers, requests, contracts, returns, payouts) as CSV or XLSX.

The apps that own the lists register a :class:`ListExport` per kind, whose ``queryset`` is the
list page's own filter code on the page's own scoped queryset (``Model.objects.visible_to``), so an
export holds exactly the rows the page shows. This module never imports those apps.

Up to ``EXPORT_SYNC_LIMIT`` rows are downloaded at once; a longer list becomes an :class:`ExportJob`
that a Celery task writes to a file, reporting its progress, with the owner's scope at that time.
"""

from __future__ import annotations

import datetime
import logging
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from twp.exports import csv_write, xlsx_write
from twp.models import ExportJob, User

logger = logging.getLogger(__name__)

# Rows read per round trip of the server-side cursor: the query count stays constant whatever the
# list's length (each kind select_related()s what its columns print).
EXPORT_CHUNK_SIZE = 2_000
# A running job saves its progress every this many rows (one UPDATE each).
PROGRESS_EVERY = 500
# Query parameters of the list pages that are about paging, not about which rows are shown.
PAGING_PARAMETERS = ("page", "after", "page_size", "format")


@dataclass(frozen=True)
class Column:
    """One column of an export: its header (translated when the file is written) and its cell."""

    header: str | Promise
    value: Callable[[Any], Any]


def _is_program_staff(user: User) -> bool:
    return user.is_authenticated and user.is_program_staff


@dataclass(frozen=True)
class ListExport:
    """One exportable list. ``queryset(user, params)`` must be the page's filtered, scoped queryset
    in the page's order, with the select_related its columns need. ``columns()`` is called once per
    export, in the language of the file, so its cells may look labels up in dicts built there."""

    kind: str
    label: str | Promise
    columns: Callable[[], Sequence[Column]]
    queryset: Callable[[User, QueryDict], QuerySet]
    list_url_name: str
    may_export: Callable[[User], bool] = _is_program_staff


_registry: dict[str, ListExport] = {}


def register(export: ListExport) -> ListExport:
    _registry[export.kind] = export
    return export


def get_export(kind: str) -> ListExport | None:
    return _registry.get(kind)


def list_filters(params: QueryDict) -> QueryDict:
    """The page's query without its paging: what decides the rows."""
    filters = params.copy()
    for name in PAGING_PARAMETERS:
        filters.pop(name, None)
    return filters


def _export_for(kind: str, user: User) -> ListExport:
    export = get_export(kind)
    if export is None or not export.may_export(user):
        raise PermissionDenied
    return export


def export_count(*, kind: str, user: User, params: QueryDict, limit: int | None = None) -> int:
    """How many rows the export would have; with a ``limit``, counted up to ``limit + 1`` only."""
    queryset = _export_for(kind, user).queryset(user, params).order_by()
    return (queryset if limit is None else queryset[: limit + 1]).count()


def export_table(*, kind: str, user: User, params: QueryDict) -> tuple[list[str], Iterator[list]]:
    """The header (in the active language) and the rows of the list ``kind`` as ``user`` sees it
    filtered by ``params``. The rows are read lazily, EXPORT_CHUNK_SIZE at a time, by one query."""
    export = _export_for(kind, user)
    queryset = export.queryset(user, params)
    columns = export.columns()
    header = [str(column.header) for column in columns]
    rows = ([column.value(row) for column in columns] for row in queryset.iterator(chunk_size=EXPORT_CHUNK_SIZE))
    return header, rows


def labels(choices) -> dict[str, str]:
    """{value: label} of a choice list, in the active language: looked up once per export, not per
    cell (get_FOO_display() rebuilds the translated list on every call)."""
    return {value: str(label) for value, label in choices}


def day(value) -> str:
    """A date as YYYY-MM-DD, a date and time as local YYYY-MM-DD HH:MM: unambiguous in any language."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return value.isoformat()


def export_filename(kind: str, file_format: str) -> str:
    return f"{kind}-{timezone.localdate():%Y-%m-%d}.{file_format}"


def write_export(output, *, file_format: str, header: Sequence[str], rows, title: str = "") -> None:
    if file_format == ExportJob.Format.XLSX:
        xlsx_write(output, header, rows, title=title)
    else:
        csv_write(output, header, rows)


def export_is_large(*, kind: str, user: User, params: QueryDict) -> bool:
    """Whether the export has more rows than may be downloaded at once."""
    limit = settings.EXPORT_SYNC_LIMIT
    return export_count(kind=kind, user=user, params=params, limit=limit) > limit


def export_job_start(*, by: User, kind: str, file_format: str, params: QueryDict) -> ExportJob:
    """Queue an export of the list ``kind`` filtered by ``params``; the task runs after commit."""
    from twp.tasks import export_list_task

    _export_for(kind, by)
    if file_format not in ExportJob.Format.values:
        raise ValueError(f"Unknown export format {file_format!r}")
    with transaction.atomic():
        job = ExportJob.objects.create(kind=kind, file_format=file_format, filters=dict(list_filters(params).lists()),
                                       language=translation.get_language() or settings.LANGUAGE_CODE, owner=by)
        transaction.on_commit(lambda: export_list_task.delay(job.pk))
    return job


def _with_progress(job_id: int, rows: Iterator[list], counter: list[int]) -> Iterator[list]:
    for row in rows:
        yield row
        counter[0] += 1
        if counter[0] % PROGRESS_EVERY == 0:
            ExportJob.objects.filter(pk=job_id).update(rows_done=counter[0], updated_at=timezone.now())


def export_job_run(*, job_id: int) -> ExportJob:
    """Write the job's file. Safe to run twice: a job done or failed is left alone, and a job found
    running (its worker died, the message came back) is written again from the start."""
    claimed = ExportJob.objects.filter(
        pk=job_id, status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING],
    ).update(status=ExportJob.Status.RUNNING, rows_done=0, started_at=Coalesce(F("started_at"), timezone.now()))
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    if not claimed:
        return job
    params = QueryDict(mutable=True)
    for name, values in job.filters.items():
        params.setlist(name, values)
    written = [0]
    try:
        with translation.override(job.language), tempfile.TemporaryFile() as output:
            # The owner's scope now, not when the job was asked for: access taken away meanwhile counts.
            total = export_count(kind=job.kind, user=job.owner, params=params)
            ExportJob.objects.filter(pk=job_id).update(rows_total=total)
            header, rows = export_table(kind=job.kind, user=job.owner, params=params)
            write_export(output, file_format=job.file_format, header=header,
                         rows=_with_progress(job_id, rows, written), title=str(get_export(job.kind).label))
            output.seek(0)
            job.file.save(export_file_name(job), File(output), save=False)
    except PermissionDenied:
        _fail(job_id, _("You may no longer export this list."))
    except Exception:
        # The job must not stay "running" for ever; the error itself goes to the log.
        logger.exception("Export job %s failed", job.public_id)
        _fail(job_id, _("The export stopped on an unexpected error. Try again, or with fewer rows."))
        raise
    else:
        # The rows written are the truth: the list may have changed between the count and the end.
        ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update(
            status=ExportJob.Status.DONE, file=job.file.name, rows_done=written[0], rows_total=written[0],
            finished_at=timezone.now(), updated_at=timezone.now())
    job.refresh_from_db()
    return job


def export_file_name(job: ExportJob) -> str:
    return f"{job.public_id}.{job.file_format}"


def _fail(job_id: int, message) -> None:
    ExportJob.objects.filter(pk=job_id).update(status=ExportJob.Status.FAILED, error=str(message)[:500],
                                               finished_at=timezone.now(), updated_at=timezone.now())


def export_jobs_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete export jobs asked for more than ``EXPORT_KEEP_DAYS`` ago, and their files: a file
    of workers' names and CURPs must not outlive its use (a job still running after that long has
    died). Files first, then the rows, one job at a time, so a crash leaves no file without a row
    to find it by. Returns how many jobs were deleted."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.EXPORT_KEEP_DAYS)
    deleted = 0
    for job in ExportJob.objects.filter(created_at__lt=cutoff).order_by("pk").iterator(chunk_size=500):
        if job.file:
            job.file.delete(save=False)
        deleted += ExportJob.objects.filter(pk=job.pk).delete()[0]
    return deleted
