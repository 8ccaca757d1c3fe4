"""Every CSV and XLSX file the program hands out goes through here, so no exported cell can run as a formula.

A spreadsheet treats a cell starting with ``=``, ``+``, ``-`` or ``@`` (and a tab or carriage
return before one) as a formula: a name like ``=HYPERLINK(...)`` typed into a form would run on the
computer of whoever opens the export (OWASP "CSV injection"). Such cells get a leading ``'``.
"""

import csv
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import BinaryIO

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """The cell as text, with a ``'`` in front when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def unneutralise(text: str) -> str:
    """Undo :func:`neutralise` on a cell read back from one of our exports (a round trip)."""
    return text[1:] if text.startswith("'") and text[1:2] and text[1:2] in FORMULA_TRIGGERS else text


class _Echo:
    """A file-like object whose ``write`` returns the line: csv.writer without a buffer."""

    def write(self, value):
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterable[str]:
    """The CSV text line by line, every cell neutralised. Starts with a BOM so Excel reads UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([neutralise(name) for name in header])
    for row in rows:
        yield writer.writerow([neutralise(value) for value in row])


def csv_response(*, header: Sequence[str], rows: Iterable[Sequence], filename: str) -> StreamingHttpResponse:
    """Stream a CSV download; ``rows`` may be a generator reading the database chunk by chunk."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def csv_write(output: BinaryIO, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Write the CSV of :func:`csv_lines` (cells neutralised) to a binary file, as UTF-8."""
    for line in csv_lines(header, rows):
        output.write(line.encode("utf-8"))


def _xlsx_cell(value):
    # openpyxl stores a text starting with "=" as a formula: every text cell is neutralised here
    # exactly as in the CSV. Numbers cannot be formulas and stay numbers, so they sum and sort.
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", neutralise(value))  # control characters: openpyxl refuses them


def xlsx_write(output: BinaryIO, header: Sequence[str], rows: Iterable[Sequence], *, title: str = "") -> None:
    """Write an XLSX workbook of one sheet, every cell neutralised. openpyxl's write-only mode keeps
    one row in memory at a time, whatever the number of rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(title or "Export")[:31])
    sheet.append([_xlsx_cell(name) for name in header])
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
    workbook.save(output)


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(*, header: Sequence[str], rows: Iterable[Sequence], filename: str, title: str = "") -> FileResponse:
    """An XLSX download. A workbook is a zip file, written whole before it is sent: kept in memory
    up to a few megabytes, on disk beyond."""
    # FileResponse closes the file once it is sent: no context manager here.
    output = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
    xlsx_write(output, header, rows, title=title)
    output.seek(0)
    response = FileResponse(output, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    return response
