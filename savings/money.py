"""Money: a ``Decimal`` amount and its ISO 4217 currency, never a float.

Amounts arrive as decimal strings (or ``Decimal``) and may carry no more decimals than the
currency's minor unit (CAD 2, JPY 0, KWD 3): extra decimals are refused, never rounded, because
a rounded deduction is a cent that goes missing. The minor units come from the ``iso4217``
package (ISO's own table, kept up to date), not from a table of ours.
"""

from __future__ import annotations

import decimal
import functools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _
from iso4217 import Currency

from twp.exceptions import DomainError

# The ledger's columns: numeric(18, 4) holds every ISO minor unit (at most 4) and 14 integer
# digits, far above any worker's savings.
MAX_DIGITS = 18
DECIMAL_PLACES = 4
# Amounts a single line may carry (a payroll deduction, a payout): a typo guard, not a policy.
MAX_AMOUNT = Decimal("1000000000")


@functools.lru_cache(maxsize=512)
def minor_unit(currency: str) -> int:
    """The number of decimals of ``currency`` (ISO 4217 exponent). Raises ``DomainError`` for a
    code that is not an ISO currency or has no minor unit (gold, special drawing rights).
    Cached: a payroll of 5,000 lines asks it 15,000 times (the refusals are not cached)."""
    try:
        exponent = Currency(currency).exponent
    except ValueError:
        exponent = None
    if exponent is None:
        raise DomainError(_("“%(code)s” is not a currency the program can hold.") % {"code": currency},
                          field="currency")
    return exponent


def is_currency(code: str) -> bool:
    try:
        minor_unit(code)
    except DomainError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency. Arithmetic only between equal currencies."""

    amount: Decimal
    currency: str

    def __post_init__(self):
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money takes a Decimal amount")  # a float here is a bug, not bad input

    @classmethod
    def parse(cls, text: str | Decimal, currency: str, *, field: str = "amount", positive: bool = True) -> Money:
        """Read an amount given by a user or a client. Refuses (``DomainError`` on ``field``) a
        value that is not a plain decimal number, has more decimals than the currency allows, is
        not above zero (with ``positive``) or is absurdly large."""
        places = minor_unit(currency)
        if isinstance(text, Decimal):
            amount = text
        elif isinstance(text, str):
            try:
                amount = Decimal(text.strip())
            except InvalidOperation:
                amount = None
        else:  # numbers in JSON arrive as int or float: a float has already lost its exactness
            raise DomainError(_("Give the amount as a decimal string, e.g. “125.50”."), field=field)
        if amount is None or not amount.is_finite():
            raise DomainError(_("Enter an amount as a number, e.g. 125.50."), field=field)
        if -amount.as_tuple().exponent > places:
            raise DomainError(
                _("%(currency)s amounts have at most %(places)d decimals; this one has more (nothing is rounded).")
                % {"currency": currency, "places": places}, field=field)
        if positive and amount <= 0:
            raise DomainError(_("The amount must be greater than zero."), field=field)
        if abs(amount) >= MAX_AMOUNT:
            raise DomainError(_("The amount is too large."), field=field)
        return cls(amount.quantize(Decimal(1).scaleb(-places)), currency)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if not isinstance(other, Money) or other.currency != self.currency:
            raise TypeError("Money of different currencies cannot be combined: the ledger never converts")

    def percent(self, rate: Decimal) -> Money:
        """``rate`` % of this amount, rounded half up to the currency's minor unit (the expected
        deduction a posted one is compared with)."""
        places = Decimal(1).scaleb(-minor_unit(self.currency))
        exact = self.amount * rate / 100  # Decimal division: Money holds a Decimal, and rate is one
        return Money(exact.quantize(places, rounding=decimal.ROUND_HALF_UP), self.currency)

    def __str__(self) -> str:
        return f"{self.amount:.{minor_unit(self.currency)}f} {self.currency}"

    @property
    def text(self) -> str:
        """The amount as the API writes it: a decimal string with the currency's decimals."""
        return f"{self.amount:.{minor_unit(self.currency)}f}"
