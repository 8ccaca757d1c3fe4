"""Reading a payroll uploaded as CSV: the lines ``savings.contributions.contributions_post`` posts.

The REST client's ``savings/contributions/bulk/`` and the employer portal's upload page read
files through :func:`read_payroll`. A payroll file is text: UTF-8 (a spreadsheet's BOM is
accepted) or, when the uploader says so, Latin-1; a header row naming the columns ``contract,
period_start, period_end, gross_pay, amount`` (``currency`` optional, other columns ignored); one
line per row; commas, or the semicolons of spreadsheets set to Spanish. Files are judged by their
content, not their name: a PDF, an image, an XLSX or any binary file is refused at once with a
message that says what to send instead. Every refusal is a ``DomainError`` on the ``file`` field
(``encoding`` for an unknown encoding) and nothing is posted.
"""

from __future__ import annotations

import csv
import hashlib
import io

from django.utils.translation import gettext_lazy as _

from savings.contributions import MAX_LINES
from twp.exceptions import DomainError
from twp.exports import unneutralise

COLUMNS = ("contract", "period_start", "period_end", "gross_pay", "amount", "currency")
REQUIRED = ("contract", "period_start", "period_end", "gross_pay", "amount")
ENCODINGS = {"utf-8": "utf-8-sig", "latin-1": "latin-1"}  # the BOM of a spreadsheet's UTF-8 is not data
# 5,000 lines of a payroll take well under 1 MB; a larger upload is not a payroll.
MAX_BYTES = 2 * 1024 * 1024
# The first data row's number: the header is row 1, as a spreadsheet numbers them.
FIRST_ROW = 2
XLSX_SIGNATURE = b"PK\x03\x04"
# Files people upload by mistake (PDF, JPEG, PNG, GIF, old Office, RTF): refused by their content.
OTHER_SIGNATURES = (b"%PDF-", b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"\xd0\xcf\x11\xe0", b"{\\rtf")
DELIMITERS = ",;\t"


def _refuse(message) -> DomainError:
    return DomainError(message, field="file")


def read_payroll(file, *, encoding: str = "utf-8") -> list[dict]:
    """The payroll lines of an uploaded CSV file: one ``dict`` per non-empty row under the
    header, with the text of each column of ``COLUMNS`` found in the header (cells trimmed) and
    ``row``, the row's number in the file (the first data row is 2). Raises ``DomainError``: an
    encoding other than ``utf-8`` or ``latin-1``, a file that is not CSV text in that encoding,
    larger than 2 MB, without the required columns, with no rows or with more than 5,000."""
    if encoding not in ENCODINGS:
        raise DomainError(_("Choose UTF-8 or Latin-1."), field="encoding")
    file.seek(0)
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _refuse(_("The file is larger than 2 MB; a payroll file has at most %(count)s lines.")
                      % {"count": f"{MAX_LINES:,}"})
    if not data.strip():
        raise _refuse(_("The file is empty."))
    if data.startswith(XLSX_SIGNATURE):
        raise _refuse(_("This is a spreadsheet (XLSX) file: save it as CSV and send that."))
    if data.startswith(OTHER_SIGNATURES) or b"\x00" in data:
        raise _refuse(_("Send the payroll as a CSV file: a header row, then one line per payroll line."))
    try:
        text = data.decode(ENCODINGS[encoding])
    except UnicodeDecodeError:
        raise _refuse(_("The file is not valid UTF-8. If it was saved as Latin-1 (ISO-8859-1), "
                        "send encoding=latin-1 with it.")) from None
    return _lines(text)


def _lines(text: str) -> list[dict]:
    first_line = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first_line.count)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    lines = []
    try:
        header = next(rows, None)
        positions = _positions(header or [])
        for number, row in enumerate(rows, start=FIRST_ROW):
            if not any(cell.strip() for cell in row):
                continue
            if len(lines) == MAX_LINES:
                raise _refuse(_("A payroll has at most %(count)s lines; split the file.")
                              % {"count": f"{MAX_LINES:,}"})
            line = {column: unneutralise(row[position].strip() if position < len(row) else "")
                    for column, position in positions.items()}
            lines.append({"row": number, **line})
    except csv.Error:
        raise _refuse(_("The CSV file is malformed (check its quotes).")) from None
    if not lines:
        raise _refuse(_("The file has no lines under its header row."))
    return lines


def _positions(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for position, name in enumerate(header):
        column = "_".join(name.strip().lstrip("\ufeff").lower().split())
        if column in COLUMNS and column not in positions:
            positions[column] = position
    missing = [column for column in REQUIRED if column not in positions]
    if missing:
        raise _refuse(_("The first row must name the columns %(columns)s; missing: %(missing)s.")
                      % {"columns": ", ".join(COLUMNS), "missing": ", ".join(missing)})
    return positions


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
