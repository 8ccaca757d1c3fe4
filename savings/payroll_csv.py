"""Reading a payroll file: a CSV of deductions that an employer uploads (the portal's payroll page).

The file is accepted by its content, not its name: text in the declared encoding (UTF-8, with or
without a byte-order mark, or Latin-1), no NUL bytes, a first row that names the columns
``contract,period_start,period_end,gross_pay,amount,currency`` (in any order; other columns, such
as the worker's name in the template the portal hands out, are ignored), at most ``MAX_LINES``
lines under it. Commas or semicolons (spreadsheets set to Spanish save CSV with semicolons).

What the lines say is checked by ``savings.contributions.contributions_post``; this module only
turns the file into lines, each with its row number in the file, or refuses the whole file with
one clear message.
"""

from __future__ import annotations

import csv
import hashlib
import io

from django.utils.translation import gettext_lazy as _

from savings.contributions import FIELDS, MAX_LINES
from twp.exceptions import DomainError
from twp.exports import unneutralise

ENCODINGS = ("utf-8", "latin-1")
# A 5,000-line payroll is about 400 KB; anything far larger is not a payroll.
MAX_BYTES = 2 * 1024 * 1024
UTF8_BOM = b"\xef\xbb\xbf"
XLSX_SIGNATURE = b"PK\x03\x04"  # a ZIP: XLSX (or DOCX)
# Files people pick by mistake: PDF, JPEG, PNG, GIF, old Office, RTF.
OTHER_SIGNATURES = (b"%PDF-", b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"\xd0\xcf\x11\xe0", b"{\\rtf")
# The currency column may be left out: each contract has one.
REQUIRED = tuple(column for column in FIELDS if column != "currency")
DELIMITERS = ",;\t"
# The key each line carries besides the columns: its row number in the file (the header is row 1).
ROW = "row"


def _refuse(message) -> DomainError:
    return DomainError(message, field="file")


def read_payroll(file, *, encoding: str = "utf-8") -> list[dict]:
    """The payroll's lines: one dict per non-empty row with the six columns (text, stripped) and
    ``row``, its row number in the file. Raises ``DomainError`` (field ``file``) when the file is
    not a CSV in ``encoding``, lacks a column, has no lines or more than ``MAX_LINES``."""
    if encoding not in ENCODINGS:
        raise DomainError(_("Choose the file's encoding: UTF-8 or Latin-1."), field="encoding")
    text = _read_text(file, encoding)
    first_line = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first_line.count)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(rows, None)
        if header is None or not any(cell.strip() for cell in header):
            raise _refuse(_("The file is empty."))
        positions: dict[str, int] = {}
        for position, name in enumerate(header):
            column = "_".join(name.strip().lstrip("\ufeff").lower().split())
            if column in FIELDS and column not in positions:
                positions[column] = position
        missing = [column for column in REQUIRED if column not in positions]
        if missing:
            raise _refuse(_("The first row must name the columns %(columns)s; missing: %(missing)s.")
                          % {"columns": ",".join(FIELDS), "missing": ", ".join(missing)})
        lines = []
        for number, row in enumerate(rows, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(lines) == MAX_LINES:
                raise _refuse(_("A payroll has at most %(count)d lines; split it.") % {"count": MAX_LINES})
            line = {column: unneutralise((row[position] if position < len(row) else "").strip())
                    for column, position in positions.items()}
            line[ROW] = number
            lines.append(line)
    except csv.Error:
        raise _refuse(_("The CSV file is malformed (check its quotes).")) from None
    if not lines:
        raise _refuse(_("The file has no rows under its header."))
    return lines


def _read_text(file, encoding: str) -> str:
    too_large = _("The file is larger than 2 MB: a payroll of 5,000 lines is far smaller.")
    size = getattr(file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _refuse(too_large)
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _refuse(too_large)
    not_csv = _("This is not a CSV file. Save the payroll from your spreadsheet as “CSV” and upload that.")
    if isinstance(data, str):  # a text stream: already decoded
        if "\x00" in data:
            raise _refuse(not_csv)
        return data.removeprefix("\ufeff")
    if data.startswith(XLSX_SIGNATURE):
        raise _refuse(_("This is a spreadsheet (XLSX) file: save it as CSV and send that."))
    if data.startswith(OTHER_SIGNATURES) or b"\x00" in data:
        raise _refuse(not_csv)
    try:
        # A byte-order mark says UTF-8 whatever was chosen (the portal's template starts with one).
        if encoding == "utf-8" or data.startswith(UTF8_BOM):
            return data.decode("utf-8-sig")
        return data.decode("latin-1")
    except UnicodeDecodeError:
        raise _refuse(_("The file is not valid UTF-8. If it was saved as Latin-1 (ISO-8859-1), choose that "
                        "encoding.")) from None


def payroll_reference(file) -> str:
    """What the ledger records as the posting's reference: the file's name and the first 16
    hexadecimal digits of its SHA-256, e.g. ``payroll-week-18.csv sha256:9f86d081884c7d65``."""
    file.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: file.read(64 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    suffix = f" sha256:{digest.hexdigest()[:16]}"
    name = (getattr(file, "name", "") or "payroll.csv").replace("\n", " ").replace("\r", " ")
    return name[:200 - len(suffix)] + suffix
