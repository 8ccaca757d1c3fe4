"""Bulk imports from spreadsheets: the generic mechanism (jobs, files, batches, reports).

The apps that own the rows register an :class:`Importer` per kind (``workers`` registers
``workers``, ``certification`` registers ``attendance``), so this package never imports them.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

# Rows written per transaction; the query count of an import grows with batches, never with rows.
BATCH_SIZE = 500
MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
# Files up to this many rows are imported during the request; larger ones by a Celery task.
INLINE_MAX_ROWS = 1_000

# One message for every row outside the importer's scope, whatever the reason: it must not tell
# whether a worker with that CURP exists elsewhere.
OUT_OF_SCOPE = _("This row is outside your office's scope: it was not imported.")
ROW_ERRORS = "row"  # the report's key for errors that concern the whole row


class RowOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    UPDATED = "updated", _("Updated")
    UNCHANGED = "unchanged", _("Unchanged")
    REJECTED = "rejected", _("Rejected")


@dataclass
class RowResult:
    """What happened to one row of the file: its outcome, the fields it changed, or why it was refused."""

    row: int  # the row's number in the file, the header being row 1
    key: str
    outcome: str
    changed: list[str] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def rejected(cls, row: int, key: str, errors: dict) -> RowResult:
        return cls(row=row, key=key, outcome=RowOutcome.REJECTED,
                   errors={name: [str(message) for message in messages] for name, messages in errors.items()})

    def as_dict(self) -> dict:
        return {"row": self.row, "key": self.key, "outcome": str(self.outcome), "changed": self.changed,
                "errors": self.errors}


class Importer(abc.ABC):
    """One kind of import. Subclasses name their columns and write a batch of rows set-based.

    ``import_batch`` gets up to BATCH_SIZE ``(row number, {column: text})`` pairs and returns one
    RowResult per row; it must write nothing for a rejected row and must cost a constant number
    of queries whatever the batch's size."""

    kind: str = ""
    label = ""
    columns: tuple[str, ...] = ()
    required_columns: tuple[str, ...] = ()

    def option_fields(self, user) -> dict:
        """Extra form fields the upload page shows this user for this kind (e.g. the training session)."""
        return {}

    def clean_options(self, *, user, options: dict) -> dict:
        """Validate the kind's options for this user; raise ValidationError per field."""
        return {}

    @abc.abstractmethod
    def import_batch(self, *, job, rows: list[tuple[int, dict[str, str]]], by) -> list[RowResult]:
        """Validate and write one batch of rows (its writes commit with its report); one result per row."""


_registry: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    _registry[importer.kind] = importer
    return importer


def get_importer(kind: str) -> Importer | None:
    return _registry.get(kind)


def importers() -> list[Importer]:
    return sorted(_registry.values(), key=lambda importer: importer.kind)


def kind_choices() -> list[tuple[str, str]]:
    return [(importer.kind, importer.label) for importer in importers()]
