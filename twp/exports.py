"""Every CSV the program hands out goes through here, so no exported cell can run as a formula.

A spreadsheet treats a cell starting with ``=``, ``+``, ``-`` or ``@`` (and a tab or carriage
return before one) as a formula: a name like ``=HYPERLINK(...)`` typed into a form would run on the
computer of whoever opens the export (OWASP "CSV injection"). Such cells get a leading ``'``.
"""

import csv
from collections.abc import Iterable, Sequence

from django.http import StreamingHttpResponse

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
