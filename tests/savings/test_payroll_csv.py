"""Reading a payroll CSV (``savings.payroll_csv``): UTF-8 with or without a BOM, declared Latin-1,
commas or semicolons, row numbers as a spreadsheet shows them; anything that is not CSV text is
refused with a message that says what to send."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from savings.payroll_csv import payroll_reference, read_payroll
from twp.exceptions import DomainError

HEADER = "contract,period_start,period_end,gross_pay,amount,currency\n"
LINE = "6f1c1f7e-1c53-4c3e-9a43-0d8d1b0e2f11,2026-05-04,2026-05-10,1000.00,100.00,CAD\n"
NOT_CSV = ("This is not a CSV file. Save the payroll from your spreadsheet as “CSV” and "
           "upload that.")


def refusal(data: bytes, **kwargs) -> tuple[str | None, str]:
    with pytest.raises(DomainError) as refused:
        read_payroll(io.BytesIO(data), **kwargs)
    return refused.value.field, str(refused.value.message)


def test_a_payroll_reads_as_one_dict_per_row_with_its_row_number():
    lines = read_payroll(io.BytesIO((HEADER + LINE + "\n" + LINE).encode()))
    line = {"contract": "6f1c1f7e-1c53-4c3e-9a43-0d8d1b0e2f11", "period_start": "2026-05-04",
            "period_end": "2026-05-10", "gross_pay": "1000.00", "amount": "100.00", "currency": "CAD"}
    # The blank row 3 is skipped; the next line keeps its number in the file.
    assert lines == [{"row": 2, **line}, {"row": 4, **line}]


def test_a_bom_semicolons_extra_columns_and_no_currency_are_fine():
    text = "\ufeffWorker;Contract;Period start;Period_End;Gross pay;Amount\nAna;c1;2026-05-04;2026-05-10;1000;100\n"
    assert read_payroll(io.BytesIO(text.encode())) == [
        {"row": 2, "contract": "c1", "period_start": "2026-05-04", "period_end": "2026-05-10", "gross_pay": "1000",
         "amount": "100"}]


def test_declared_latin_1_is_read_as_latin_1():
    text = HEADER.replace("currency", "currency,worker") + LINE.strip() + ",Peña\n"
    assert read_payroll(io.BytesIO(text.encode("latin-1")), encoding="latin-1")[0]["amount"] == "100.00"


def test_latin_1_sent_as_utf_8_is_refused_with_the_way_out():
    assert refusal((HEADER.strip() + ",nombre\n" + LINE.strip() + ",Peña\n").encode("latin-1")) == (
        "file", "The file is not valid UTF-8. If it was saved as Latin-1 (ISO-8859-1), choose that encoding.")


@pytest.mark.parametrize(("data", "message"), [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", NOT_CSV),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", NOT_CSV),
    (b"PK\x03\x04\x14\x00\x06\x00", "This is a spreadsheet (XLSX) file: save it as CSV and send that."),
    (b"", "The file is empty."),
    (b"   \n", "The file is empty."),
    (b"Dear payroll team,\nplease find attached\n", "The first row must name the columns contract,period_start,"
                                                   "period_end,gross_pay,amount,currency; missing: contract, "
                                                   "period_start, period_end, gross_pay, amount."),
    (HEADER.encode(), "The file has no rows under its header."),
    ((HEADER + 'c1,"2026-05-04\n').encode(), "The CSV file is malformed (check its quotes)."),
])
def test_what_is_not_a_payroll_csv_is_refused(data, message):
    assert refusal(data) == ("file", message)


def test_at_most_5000_lines():
    assert len(read_payroll(io.BytesIO((HEADER + LINE * 5000).encode()))) == 5000
    assert refusal((HEADER + LINE * 5001).encode()) == ("file", "A payroll has at most 5000 lines; split it.")


def test_a_file_over_2_mb_is_refused_before_it_is_read():
    assert refusal(HEADER.encode() + b"x" * (2 * 1024 * 1024)) == (
        "file", "The file is larger than 2 MB: a payroll of 5,000 lines is far smaller.")


def test_an_unknown_encoding_is_refused():
    assert refusal((HEADER + LINE).encode(), encoding="utf-16") == (
        "encoding", "Choose the file's encoding: UTF-8 or Latin-1.")


def test_the_reference_names_the_file_and_its_digest():
    upload = SimpleUploadedFile("payroll week 18.csv", b"abc")
    # sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    assert payroll_reference(upload) == "payroll week 18.csv sha256:ba7816bf8f01cfea"
    assert upload.read() == b"abc"  # left at its start for whoever reads it next
