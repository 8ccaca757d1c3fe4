"""Starting and running import jobs. A job runs batch by batch; each batch's writes, its report and
the job's counters commit together, so a job resumed after a crash carries on where it stopped."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from twp import audit
from twp.imports import BATCH_SIZE, INLINE_MAX_ROWS, RowOutcome, get_importer
from twp.imports.files import inspect_file, read_records
from twp.models import ImportJob, ImportJobBatch, User

logger = logging.getLogger(__name__)


def _batched(records: Iterable, size: int) -> Iterator[list]:
    batch = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@transaction.atomic
def import_job_create(*, by: User, kind: str, file, encoding: str = ImportJob.Encoding.UTF8,
                      options: dict | None = None) -> ImportJob:
    """Accept an upload as a pending job after checking its kind, options, content and size."""
    importer = get_importer(kind)
    if importer is None:
        raise ValidationError({"kind": [_("Choose what the file contains.")]})
    if encoding not in ImportJob.Encoding.values:
        raise ValidationError({"encoding": [_("Choose UTF-8 or Latin-1.")]})
    cleaned_options = importer.clean_options(user=by, options=options or {})
    file_format, total = inspect_file(file, encoding=encoding, columns=importer.columns,
                                      required=importer.required_columns)
    job = ImportJob(kind=kind, file=file, file_name=(getattr(file, "name", "") or "")[-200:],
                    file_format=file_format, encoding=encoding, options=cleaned_options, total=total,
                    language=translation.get_language() or "es", created_by=by)
    job.save()
    return job


def import_job_start(*, by: User, kind: str, file, encoding: str = ImportJob.Encoding.UTF8,
                     options: dict | None = None) -> ImportJob:
    """Create the job, then run it now if it is small, or in a Celery task after commit."""
    from twp.tasks import run_import_task

    job = import_job_create(by=by, kind=kind, file=file, encoding=encoding, options=options)
    if job.total <= INLINE_MAX_ROWS:
        return import_job_run(job_id=job.pk)
    transaction.on_commit(lambda: run_import_task.delay(job.pk))
    return job


def _run_batch(*, job_id: int, number: int, records: list, importer, by: User) -> None:
    start = number * BATCH_SIZE
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.processed > start or job.status != ImportJob.Status.RUNNING:
            return  # another run of the same job did this batch already
        results = importer.import_batch(job=job, rows=records, by=by)
        counts = Counter(result.outcome for result in results)
        ImportJobBatch.objects.create(job=job, number=number, report=[result.as_dict() for result in results])
        ImportJob.objects.filter(pk=job_id).update(
            processed=F("processed") + len(records),
            accepted=F("accepted") + counts[RowOutcome.ACCEPTED],
            updated=F("updated") + counts[RowOutcome.UPDATED],
            unchanged=F("unchanged") + counts[RowOutcome.UNCHANGED],
            rejected=F("rejected") + counts[RowOutcome.REJECTED],
            updated_at=timezone.now(),
        )


def import_job_run(*, job_id: int) -> ImportJob:
    """Run an import job, or resume it after the batches already done. Safe to run twice: a job
    that is done or failed is not run again, and a batch is never written twice."""
    claimed = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING]
    ).update(status=ImportJob.Status.RUNNING, started_at=Coalesce(F("started_at"), timezone.now()))
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job
    importer = get_importer(job.kind)
    with translation.override(job.language), audit.context(import_job=str(job.public_id)):
        try:
            with job.file.open("rb") as file:
                records = read_records(file, file_format=job.file_format, encoding=job.encoding,
                                       columns=importer.columns, required=importer.required_columns)
                for number, batch in enumerate(_batched(records, BATCH_SIZE)):
                    if (number + 1) * BATCH_SIZE <= job.processed:
                        continue  # done by an earlier run
                    _run_batch(job_id=job.pk, number=number, records=batch, importer=importer, by=job.created_by)
        except ValidationError as error:
            ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.FAILED, finished_at=timezone.now(),
                                                       error="; ".join(error.messages)[:500])
        except IntegrityError:
            # A record saved meanwhile by someone else took a CURP or NSS of this batch: the batch was
            # rolled back whole. Importing the file again picks those rows up as updates.
            ImportJob.objects.filter(pk=job_id).update(
                status=ImportJob.Status.FAILED, finished_at=timezone.now(),
                error=str(_("A worker saved meanwhile conflicts with a row of this file; the batches already "
                            "reported were saved. Import the file again to finish.")),
            )
        except Exception:
            # The job must not stay "running" for ever; the error itself goes to the log.
            logger.exception("Import job %s failed", job.public_id)
            ImportJob.objects.filter(pk=job_id).update(
                status=ImportJob.Status.FAILED, finished_at=timezone.now(),
                error=str(_("The import stopped on an unexpected error. The batches already reported were "
                            "saved; the rest was not.")),
            )
            raise
        else:
            ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING).update(
                status=ImportJob.Status.DONE, finished_at=timezone.now())
    job.refresh_from_db()
    return job


def import_report_rows(job: ImportJob) -> Iterator[dict]:
    """The job's report, row by row, reading one batch at a time."""
    batch_ids = list(ImportJobBatch.objects.filter(job=job).order_by("number").values_list("id", flat=True))
    for batch_id in batch_ids:
        yield from ImportJobBatch.objects.values_list("report", flat=True).get(pk=batch_id)
