"""Identity numbers of Mexican workers: CURP and NSS, validated by python-stdnum plus our rules.

One validator per number, used by the model, the forms and the serializers alike.

What we accept, checked against RENAPO's rules:
- Check digit, birth date, state of birth (the 32 states plus ``NE``, born abroad) and format:
  python-stdnum's ``mx.curp``.
- The first four letters never form one of RENAPO's inconvenient words: RENAPO replaces the second
  letter with ``X`` (``BUEY`` → ``BXEY``), so a CURP spelling one cannot exist; stdnum refuses them
  and so do we. (django-localflavor's ``MXCURPField`` wrongly demands a vowel in second place, which
  refuses those substituted CURPs, so we do not use it.)
- Sex marker ``H``, ``M`` and the newer ``X`` (non-binary, issued since 2023). stdnum refuses ``X``;
  we validate such a CURP with stdnum for everything else and compute its check digit ourselves
  with stdnum's own function.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import luhn
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.mx import curp as stdnum_curp

CURP_LENGTH = 18
CURP_SEX_POSITION = 10
CURP_PATTERN = re.compile(r"^[A-Z]{4}\d{6}[HMX][A-Z]{5}[0-9A-Z]\d$")
NSS_PATTERN = re.compile(r"^\d{11}$")
# RENAPO's two-letter codes of the state of birth, by django-localflavor's state code.
RENAPO_STATE_CODES = {
    "AGU": "AS", "BCN": "BC", "BCS": "BS", "CAM": "CC", "CDMX": "DF", "CHH": "CH", "CHP": "CS",
    "COA": "CL", "COL": "CM", "DUR": "DG", "GRO": "GR", "GUA": "GT", "HID": "HG", "JAL": "JC",
    "MEX": "MC", "MIC": "MN", "MOR": "MS", "NAY": "NT", "NLE": "NL", "OAX": "OC", "PUE": "PL",
    "QUE": "QT", "ROO": "QR", "SIN": "SL", "SLP": "SP", "SON": "SR", "TAB": "TC", "TAM": "TS",
    "TLA": "TL", "VER": "VZ", "YUC": "YN", "ZAC": "ZS",
}


def normalize_curp(value: str) -> str:
    return stdnum_curp.compact(value or "")


def validate_curp(value: str) -> str:
    """Return the CURP in its stored form (upper case, no separators) or raise ValidationError."""
    curp = normalize_curp(value)
    if len(curp) != CURP_LENGTH:
        raise ValidationError(_("A CURP has exactly 18 characters."), code="curp_length")
    if not CURP_PATTERN.match(curp):
        raise ValidationError(_("This is not a CURP: four letters, six digits of the birth date, "
                                "H, M or X, five letters, then a letter or digit and a digit."),
                              code="curp_format")
    sex = curp[CURP_SEX_POSITION]
    # stdnum knows only H and M: validate an X CURP as if it were H, then its real check digit.
    as_known_sex = curp if sex != "X" else curp[:CURP_SEX_POSITION] + "H" + curp[CURP_SEX_POSITION + 1:]
    try:
        stdnum_curp.validate(as_known_sex, validate_check_digits=(sex != "X"))
    except InvalidChecksum:
        raise ValidationError(_("The CURP's check digit does not match: check every character."),
                              code="curp_checksum") from None
    except (InvalidLength, InvalidFormat):
        raise ValidationError(_("This is not a CURP: four letters, six digits of the birth date, "
                                "H, M or X, five letters, then a letter or digit and a digit."),
                              code="curp_format") from None
    except InvalidComponent:
        raise ValidationError(_("The CURP's birth date, state of birth or initials are not possible."),
                              code="curp_component") from None
    except StdnumValidationError:
        raise ValidationError(_("This is not a valid CURP."), code="curp_invalid") from None
    if sex == "X" and curp[-1] != stdnum_curp.calc_check_digit(curp):
        raise ValidationError(_("The CURP's check digit does not match: check every character."),
                              code="curp_checksum")
    return curp


def curp_birth_date(curp: str) -> datetime.date:
    return stdnum_curp.get_birth_date(curp)


def curp_sex(curp: str) -> str:
    """``H``, ``M`` or ``X``, as written in the CURP."""
    return curp[CURP_SEX_POSITION]


def curp_check_digit(first_seventeen: str) -> str:
    return stdnum_curp.calc_check_digit(first_seventeen)


def validate_nss(value: str) -> str:
    """IMSS social security number: 11 digits, the last a Luhn check digit."""
    nss = (value or "").replace(" ", "").replace("-", "")
    if not NSS_PATTERN.match(nss):
        raise ValidationError(_("An NSS has exactly 11 digits."), code="nss_format")
    if not luhn.is_valid(nss):
        raise ValidationError(_("The NSS's check digit does not match: check every digit."), code="nss_checksum")
    return nss
