"""Business numbers and labour-market approval references, checked with python-stdnum.

Canada: the CRA business number, 9 digits with a Luhn check digit (``ca.bn``), optionally the
15-character program account (``123456782RC0001``). United States: the IRS EIN, 9 digits whose
two-digit prefix must be one the IRS assigns (``us.ein``). Stored compact (digits only)."""

import re

from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.ca import bn
from stdnum.us import ein

BUSINESS_NUMBER_MODULES = {"CA": bn, "US": ein}

# LMIA numbers are 7–10 digits (Service Canada); DOL case numbers look like H-300-24100-123456.
LABOUR_MARKET_PATTERNS = {
    "CA": (re.compile(r"^\d{7,10}$"), _("An LMIA number has 7 to 10 digits, e.g. 1234567.")),
    "US": (re.compile(r"^H-\d{3}-\d{5}-\d{6}$"), _("A DOL case number looks like H-300-24100-123456.")),
}


def normalize_business_number(country: str, value: str) -> str:
    module = BUSINESS_NUMBER_MODULES.get(country)
    value = (value or "").strip()
    return module.compact(value) if module and value else value


def business_number_errors(country: str, value: str) -> dict:
    """A message on ``business_number`` if it is not a valid number of the employer's country."""
    module = BUSINESS_NUMBER_MODULES.get(country)
    if not value or module is None:
        return {}
    try:
        module.validate(value)
    except stdnum_exceptions.InvalidChecksum:
        return {"business_number": _("The check digit of this business number is wrong: check for a typo.")}
    except stdnum_exceptions.ValidationError:
        if country == "CA":
            return {"business_number": _("A Canadian business number has 9 digits (e.g. 123456782), "
                                         "optionally followed by a program account such as RC0001.")}
        return {"business_number": _("An EIN has 9 digits with a prefix the IRS assigns (e.g. 04-1234567).")}
    return {}


def labour_market_reference_errors(country: str, value: str) -> dict:
    if not value:
        return {}
    pattern, message = LABOUR_MARKET_PATTERNS[country]
    return {} if pattern.match(value.strip().upper()) else {"labour_market_reference": message}
