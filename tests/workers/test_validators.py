"""CURP and NSS validation, checked against RENAPO's and IMSS's rules."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from tests.factories import make_curp, make_nss
from workers.validators import curp_check_digit, validate_curp, validate_nss

VALID_CURP = "BOXW310820HNERXN09"  # python-stdnum's documented example (born abroad: NE)


@pytest.mark.parametrize(
    "curp",
    [
        VALID_CURP,
        "boxw310820hnerxn09",  # typed in lower case
        "BOXW-310820-HNERXN09",  # with separators
        make_curp(birth_date=datetime.date(1988, 2, 29), sex="M", state="TLA", serial=7),
        make_curp(birth_date=datetime.date(2003, 12, 1), sex="H", state="MEX", serial=8),  # born in 2000s: letter
    ],
)
def test_valid_curps_are_accepted_and_normalized(curp):
    assert validate_curp(curp) == curp.replace("-", "").upper()


def test_the_non_binary_x_marker_is_accepted_with_its_own_check_digit():
    first_seventeen = "GOPJ900517XTLRRN0"
    curp = first_seventeen + curp_check_digit(first_seventeen)
    assert validate_curp(curp) == curp


def test_a_substituted_inconvenient_word_is_accepted_but_the_word_itself_is_refused():
    # RENAPO writes BXEY for BUEY: the substituted form exists, the word never does.
    substituted = "BXEY900517HTLRRN0"
    assert validate_curp(substituted + curp_check_digit(substituted))
    word = "BUEY900517HTLRRN0"
    with pytest.raises(ValidationError) as error:
        validate_curp(word + curp_check_digit(word))
    assert error.value.code == "curp_component"


@pytest.mark.parametrize(
    ("curp", "code"),
    [
        ("BOXW310820HNERXN08", "curp_checksum"),  # wrong check digit
        ("BOXW311320HNERXN09", "curp_component"),  # month 13: impossible date
        ("BOXW310231HNERXN09", "curp_component"),  # 31 February
        ("BOXW310820HZZRXN09", "curp_component"),  # ZZ is no state
        ("BOXW310820", "curp_length"),
        ("1OXW310820HNERXN09", "curp_format"),
        ("BOXW310820QNERXN09", "curp_format"),  # Q is no sex marker
    ],
)
def test_invalid_curps_are_refused_with_a_clear_code(curp, code):
    with pytest.raises(ValidationError) as error:
        validate_curp(curp)
    assert error.value.code == code


def test_nss_with_a_correct_luhn_digit_is_accepted():
    nss = make_nss(1234)
    assert validate_nss(nss) == nss


WRONG_DIGIT_NSS = make_nss(1234)[:-1] + str((int(make_nss(1234)[-1]) + 1) % 10)


@pytest.mark.parametrize(("nss", "code"), [(WRONG_DIGIT_NSS, "nss_checksum"), ("1234", "nss_format"),
                                           ("1234567890A", "nss_format")])
def test_invalid_nss_is_refused(nss, code):
    with pytest.raises(ValidationError) as error:
        validate_nss(nss)
    assert error.value.code == code
