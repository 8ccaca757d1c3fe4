"""The places the program speaks of: Mexican states of origin and destination regions abroad.

Codes come from django-localflavor, so they stay in step with its form fields and translations.
Destination regions are ISO 3166-2 style codes (``CA-ON``, ``US-CA``) so one column can hold a
province of Canada or a state of the United States.
"""

from localflavor.ca.ca_provinces import PROVINCE_CHOICES
from localflavor.mx.mx_states import STATE_CHOICES as MEXICAN_STATE_CHOICES
from localflavor.us.us_states import STATE_CHOICES as US_STATE_CHOICES

MEXICAN_STATES = tuple(MEXICAN_STATE_CHOICES)
DESTINATION_REGIONS = tuple(
    [(f"CA-{code}", name) for code, name in PROVINCE_CHOICES]
    + [(f"US-{code}", name) for code, name in US_STATE_CHOICES]
)
MEXICAN_STATE_CODES = frozenset(code for code, _name in MEXICAN_STATES)
DESTINATION_REGION_CODES = frozenset(code for code, _name in DESTINATION_REGIONS)


def region_country(region_code: str) -> str:
    """The destination country (``CA`` or ``US``) of a region code."""
    return region_code.split("-", 1)[0]
