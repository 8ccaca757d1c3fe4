"""Bulk import of workers from a spreadsheet, keyed by CURP.

Every row is validated with the model's own rules (``Worker.full_clean``: the CURP and NSS
validators and the birth date/sex-vs-CURP check). New CURPs are registered as applicants, known
ones updated field by field (``version`` bumped), identical ones left alone. Per batch the
queries are constant: the batch's existing workers (locked), their occupations, the NSS numbers
already taken, the occupation vocabulary, then at most one insert or update per table.
"""

from __future__ import annotations

import copy
import datetime
import re
from collections import Counter, defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from twp.imports import OUT_OF_SCOPE, ROW_ERRORS, Importer, RowOutcome, RowResult, register
from twp.models import Language
from workers.models import Occupation, Worker, WorkerStatus, WorkerStatusChange, search_text
from workers.validators import normalize_curp

COLUMNS = (
    "curp", "first_names", "paternal_surname", "maternal_surname", "birth_date", "sex", "state_of_origin", "nss",
    "phone", "email", "preferred_language", "occupations", "years_of_experience", "dependents",
)
REQUIRED_COLUMNS = ("curp", "first_names", "paternal_surname", "birth_date", "sex", "state_of_origin")
TEXT_FIELDS = ("first_names", "paternal_surname", "maternal_surname", "phone", "email")
COUNT_FIELDS = ("years_of_experience", "dependents")
DAY_FIRST_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
OCCUPATION_SEPARATOR = ";"


def parse_date(text: str) -> datetime.date:
    """ISO (1990-05-31) or day first (31/05/1990), as Mexican offices write dates."""
    match = DAY_FIRST_DATE.match(text)
    try:
        if match:
            day, month, year = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(_("Enter the date as YYYY-MM-DD or DD/MM/YYYY.")) from None


def parse_count(text: str) -> int:
    if not text:
        return 0
    if not text.isdigit():
        raise ValidationError(_("Enter a whole number, 0 or more."))
    return int(text)


def _parse_fields(record: dict[str, str]) -> tuple[dict, dict]:
    """The row's cells as model values, and the errors of the cells that cannot be read."""
    values, errors = {}, {}
    for name in TEXT_FIELDS:
        if name in record:
            values[name] = record[name]
    if "birth_date" in record:
        try:
            values["birth_date"] = parse_date(record["birth_date"]) if record["birth_date"] else None
        except ValidationError as error:
            errors["birth_date"] = error.messages
    if "sex" in record:
        values["sex"] = record["sex"].upper()
    if "state_of_origin" in record:
        values["state_of_origin"] = record["state_of_origin"].upper()
    if "nss" in record:
        values["nss"] = record["nss"].replace(" ", "").replace("-", "")
    if "preferred_language" in record:
        values["preferred_language"] = record["preferred_language"].lower() or Language.SPANISH
    for name in COUNT_FIELDS:
        if name in record:
            try:
                values[name] = parse_count(record[name])
            except ValidationError as error:
                errors[name] = error.messages
    return values, errors


class WorkerImporter(Importer):
    kind = "workers"
    label = _("Workers")
    columns = COLUMNS
    required_columns = REQUIRED_COLUMNS

    def _scope_states(self, user) -> set[str] | None:
        """The states of origin the user may import (None: all). Mirrors ``Worker.visible_to``."""
        if user.is_administrator:
            return None
        if user.is_office_staff and user.office_id:
            return set(user.office.mexican_states)
        return set()

    def import_batch(self, *, job, rows, by):
        scope_states = self._scope_states(by)
        curps = [normalize_curp(record.get("curp", "")) for _row, record in rows]
        curp_counts = Counter(curps)
        visible = Worker.objects.visible_to(by).filter(pk=OuterRef("pk"))
        # 1: the batch's known workers, locked so the versions we bump are the ones we compared.
        existing = {
            worker.curp: worker
            for worker in Worker.objects.filter(curp__in=set(curps)).annotate(is_visible=Exists(visible))
            .select_for_update(of=("self",))
        }
        # 2: their occupations.
        through = Worker.occupations.through
        current_occupations = defaultdict(set)
        for worker_id, code in through.objects.filter(
            worker_id__in=[worker.pk for worker in existing.values()]
        ).values_list("worker_id", "occupation__code"):
            current_occupations[worker_id].add(code)
        # 3: the occupation vocabulary.
        vocabulary = dict(Occupation.objects.values_list("code", "id"))
        parsed = [(row, curp, *_parse_fields(record), record) for (row, record), curp in zip(rows, curps, strict=True)]
        # 4: NSS numbers the batch brings that other workers already hold.
        wanted_nss = {values["nss"] for _row, _curp, values, _errors, _record in parsed if values.get("nss")}
        nss_holders = {
            nss: (curp, is_visible)
            for nss, curp, is_visible in Worker.objects.filter(nss__in=wanted_nss)
            .annotate(is_visible=Exists(visible)).values_list("nss", "curp", "is_visible")
        }
        nss_counts = Counter(values.get("nss") for _row, _curp, values, _errors, _record in parsed if values.get("nss"))

        results, new_workers, new_occupations, updated_workers, updated_fields = [], [], {}, [], set()
        replaced_occupations = {}
        for row, curp, values, errors, record in parsed:
            known = existing.get(curp)
            # A CURP the importer cannot see is validated as if it were new: the answer must not
            # depend on whether it exists.
            candidate = copy.copy(known) if known is not None and known.is_visible else Worker(curp=curp)
            for name, value in values.items():
                setattr(candidate, name, value)
            candidate.search_name = search_text(candidate.first_names, candidate.paternal_surname,
                                                candidate.maternal_surname)
            try:
                # Uniqueness is checked below for the whole batch, not with a query per row.
                candidate.full_clean(validate_unique=False, validate_constraints=False)
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    errors.setdefault(ROW_ERRORS if name == "__all__" else name, messages)
            codes = None
            if "occupations" in record:
                codes = {code.strip() for code in record["occupations"].split(OCCUPATION_SEPARATOR) if code.strip()}
                unknown = sorted(codes - vocabulary.keys())
                if unknown:
                    errors["occupations"] = [_("Unknown occupation code: %(codes)s.") % {"codes": ", ".join(unknown)}]
            if curp and curp_counts[curp] > 1:
                errors.setdefault("curp", [_("This CURP appears more than once in the file.")])
            nss = values.get("nss")
            out_of_scope = (known is not None and not known.is_visible) or (
                scope_states is not None and candidate.state_of_origin not in scope_states)
            if nss and not errors:
                holder_curp, holder_visible = nss_holders.get(nss, (curp, True))
                if holder_curp != curp:
                    if holder_visible:
                        errors["nss"] = [_("Another worker already has this NSS.")]
                    else:
                        out_of_scope = True
                elif nss_counts[nss] > 1:
                    errors["nss"] = [_("This NSS appears more than once in the file.")]
            if errors:
                results.append(RowResult.rejected(row, curp, errors))
                continue
            if out_of_scope:
                results.append(RowResult.rejected(row, curp, {ROW_ERRORS: [OUT_OF_SCOPE]}))
                continue
            if known is None:
                new_workers.append(candidate)
                new_occupations[curp] = codes or set()
                results.append(RowResult(row=row, key=curp, outcome=RowOutcome.ACCEPTED))
                continue
            changed = [name for name in values if getattr(candidate, name) != getattr(known, name)]
            if codes is not None and codes != current_occupations[known.pk]:
                changed.append("occupations")
                replaced_occupations[known.pk] = codes
            if not changed:
                results.append(RowResult(row=row, key=curp, outcome=RowOutcome.UNCHANGED))
                continue
            candidate.version = known.version + 1
            candidate.updated_at = timezone.now()
            updated_workers.append(candidate)
            updated_fields.update(name for name in changed if name != "occupations")
            results.append(RowResult(row=row, key=curp, outcome=RowOutcome.UPDATED, changed=changed))

        self._write(by=by, new_workers=new_workers, new_occupations=new_occupations, updated_workers=updated_workers,
                    updated_fields=updated_fields, replaced_occupations=replaced_occupations, vocabulary=vocabulary)
        return results

    def _write(self, *, by, new_workers, new_occupations, updated_workers, updated_fields, replaced_occupations,
               vocabulary):
        through = Worker.occupations.through
        if new_workers:
            Worker.objects.bulk_create(new_workers)
            WorkerStatusChange.objects.bulk_create([
                WorkerStatusChange(worker=worker, from_status="", to_status=WorkerStatus.APPLICANT,
                                   reason=str(_("Registered by import")), changed_by=by)
                for worker in new_workers
            ])
        if updated_workers:
            fields = sorted(updated_fields | {"search_name", "version", "updated_at"})
            Worker.objects.bulk_update(updated_workers, fields)
        if replaced_occupations:
            through.objects.filter(worker_id__in=list(replaced_occupations)).delete()
        links = [through(worker_id=worker.pk, occupation_id=vocabulary[code])
                 for worker in new_workers for code in sorted(new_occupations[worker.curp])]
        links += [through(worker_id=worker_id, occupation_id=vocabulary[code])
                  for worker_id, codes in replaced_occupations.items() for code in sorted(codes)]
        if links:
            through.objects.bulk_create(links)


register(WorkerImporter())
