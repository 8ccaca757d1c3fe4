"""Spreadsheets for import tests, made in memory."""

import csv
import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import make_curp, make_nss
from workers.importers import COLUMNS


def csv_upload(rows: list[dict], *, columns=COLUMNS, encoding="utf-8", name="workers.csv", delimiter=",",
               bom=False) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=delimiter, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return SimpleUploadedFile(name, (b"\xef\xbb\xbf" if bom else b"") + data, content_type="text/csv")


def xlsx_upload(rows: list[dict], *, columns=COLUMNS, name="workers.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row.get(column, "") for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def worker_row(serial: int, *, state="TLA", sex="H", born=datetime.date(1990, 5, 17), **overrides) -> dict:
    """A valid row of the workers file (``overrides`` replace cells); ``serial`` keeps CURP and NSS unique."""
    row = {
        "curp": make_curp(birth_date=born, sex=sex, state=state, serial=5000 + serial),
        "first_names": "Juan",
        "paternal_surname": "Sánchez",
        "maternal_surname": "Núñez",
        "birth_date": born.isoformat(),
        "sex": sex,
        "state_of_origin": state,
        "nss": make_nss(900_000 + serial),
        "phone": "",
        "email": "",
        "preferred_language": "es",
        "occupations": "45-2092",
        "years_of_experience": "3",
        "dependents": "2",
    }
    row.update(overrides)
    return row
