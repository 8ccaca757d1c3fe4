"""Reading an uploaded spreadsheet: CSV (UTF-8, UTF-8 with BOM, or declared Latin-1) or XLSX.

Files are accepted by their content, not their name: an XLSX is a zip that openpyxl can open; a
CSV is text in the declared encoding without NUL bytes and whose first row names our columns.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from twp.exports import unneutralise
from twp.imports import MAX_BYTES, MAX_ROWS

XLSX_SIGNATURE = b"PK\x03\x04"
# Formats people upload by mistake; refused at once with a clear message.
OTHER_SIGNATURES = (b"%PDF-", b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"\xd0\xcf\x11\xe0", b"{\\rtf")
CSV_DELIMITERS = ",;\t"


def _refuse(message) -> ValidationError:
    return ValidationError({"file": [message]})


def detect_format(head: bytes) -> str:
    """``csv`` or ``xlsx`` from the first bytes, or refuse the file."""
    if head.startswith(XLSX_SIGNATURE):
        return "xlsx"
    if head.startswith(OTHER_SIGNATURES) or b"\x00" in head:
        raise _refuse(_("Only CSV or XLSX files can be imported."))
    return "csv"


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _csv_rows(data: bytes, encoding: str) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig" if encoding == "utf-8" else "latin-1")
    except UnicodeDecodeError:
        raise _refuse(_("The file is not valid UTF-8. If it was saved as Latin-1 (ISO-8859-1), "
                        "choose that encoding.")) from None
    if "\x00" in text:
        raise _refuse(_("Only CSV or XLSX files can be imported."))
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to Spanish save CSV with semicolons: take whichever the header uses.
    delimiter = max(CSV_DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error:
        raise _refuse(_("The CSV file is malformed (check its quotes).")) from None


def _xlsx_rows(file) -> Iterator[list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # Read-only mode streams the sheet instead of building it in memory.
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError):
        raise _refuse(_("This XLSX file cannot be read.")) from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in row]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise _refuse(_("This XLSX file cannot be read.")) from None
    finally:
        workbook.close()


def normalise_header(name: str) -> str:
    return "_".join(name.strip().lstrip("\ufeff").lower().split())


def read_records(file, *, file_format: str, encoding: str, columns: tuple[str, ...],
                 required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(row number, {column: text})`` for each non-empty row under the header.

    Unknown columns are ignored (an export can be imported back); a missing required column
    refuses the whole file."""
    file.seek(0)
    rows = _xlsx_rows(file) if file_format == "xlsx" else _csv_rows(file.read(), encoding)
    header = next(rows, None)
    if header is None:
        raise _refuse(_("The file is empty."))
    positions = {}
    for position, name in enumerate(header):
        column = normalise_header(name)
        if column in columns and column not in positions:
            positions[column] = position
    missing = [column for column in required if column not in positions]
    if missing:
        raise _refuse(_("The first row must name the columns; missing: %(columns)s.")
                      % {"columns": ", ".join(missing)})
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row if cell):
            continue
        yield number, {column: unneutralise((row[position] if position < len(row) else "").strip())
                       for column, position in positions.items()}


def inspect_file(file, *, encoding: str, columns: tuple[str, ...], required: tuple[str, ...]) -> tuple[str, int]:
    """Check an upload before it is accepted: size, content, columns and row count.

    Returns its format and number of rows, or raises ValidationError on the ``file`` field."""
    if file.size > MAX_BYTES:
        raise _refuse(_("The file is larger than 20 MB."))
    file.seek(0)
    file_format = detect_format(file.read(8))
    total = 0
    for _record in read_records(file, file_format=file_format, encoding=encoding, columns=columns,
                                required=required):
        total += 1
        if total > MAX_ROWS:
            raise _refuse(_("The file has more than %(limit)s rows: split it.") % {"limit": f"{MAX_ROWS:,}"})
    if total == 0:
        raise _refuse(_("The file has no rows under its header."))
    file.seek(0)
    return file_format, total
