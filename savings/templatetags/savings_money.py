"""Amounts on the savings pages: the currency's decimals (CAD 2, JPY 0), never a float's."""

from decimal import Decimal

from django import template

from savings.money import minor_unit

register = template.Library()


def _text(amount: Decimal, currency: str) -> str:
    return f"{amount:.{minor_unit(currency)}f}"


@register.filter
def money(amount, currency: str) -> str:
    """``{{ amount|money:currency }}``: ``1250.50 CAD``."""
    if amount is None:
        return ""
    return f"{_text(amount, currency)} {currency}"


@register.filter
def signed_money(amount, currency: str) -> str:
    """``{{ entry.amount|signed_money:entry.currency }}``: ``+100.00 CAD`` or ``−100.00 CAD``
    (a minus sign, which screen readers read as "minus")."""
    if amount is None:
        return ""
    sign = "+" if amount > 0 else "−" if amount < 0 else ""
    return f"{sign}{_text(abs(amount), currency)} {currency}"
