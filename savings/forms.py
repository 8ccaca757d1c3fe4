"""Forms of the savings pages. They parse what people type; the rules (amounts, periods, who may
post for which contract) are ``savings.contributions``'s, whose refusals the views put back on
the fields concerned."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from twp.models import ImportJob


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        # ISO in the value whatever the language: a date input reads nothing else.
        super().__init__(attrs, format="%Y-%m-%d")


def amount_input() -> forms.TextInput:
    # Text, not a number input: the amount travels as the decimal string typed, never a float.
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"})


class IdempotentForm(forms.Form):
    """A form that posts money: a fresh key in each form drawn, so a double click or a form sent
    again posts once (``twp.idempotency.once``)."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", str(uuid.uuid4()))

    def renew_key(self) -> None:
        """A refused form is drawn again with a new key: what is sent next is another request."""
        data = self.data.copy()
        data["idempotency_key"] = str(uuid.uuid4())
        self.data = data


class AccountSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or CURP"), max_length=100, required=False)


class ContributionForm(IdempotentForm):
    """One payroll line of the employer's own contracts (choices: those that have begun)."""

    contract = forms.ChoiceField(label=_("Contract"))
    period_start = forms.DateField(label=_("Pay period from"), widget=DateInput())
    period_end = forms.DateField(label=_("Pay period to"), widget=DateInput())
    gross_pay = forms.CharField(label=_("Gross pay"), max_length=30, widget=amount_input(),
                                help_text=_("In the contract's currency, e.g. 1250.00."))
    amount = forms.CharField(label=_("Deduction for savings"), max_length=30, widget=amount_input(),
                             help_text=_("What you withheld from this pay for the worker's savings."))

    def __init__(self, *args, contracts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].choices = [("", "---------"), *[(str(contract.public_id), contract.choice_label)
                                                                 for contract in contracts]]

    def line(self) -> dict:
        """The line as ``contributions_post`` reads it."""
        data = self.cleaned_data
        return {"contract": data["contract"], "period_start": data["period_start"],
                "period_end": data["period_end"], "gross_pay": data["gross_pay"].strip(),
                "amount": data["amount"].strip()}


class ContributionFilterForm(forms.Form):
    contract = forms.ChoiceField(label=_("Contract"), required=False)
    period_from = forms.DateField(label=_("Pay periods from"), required=False, widget=DateInput())
    period_to = forms.DateField(label=_("Pay periods to"), required=False, widget=DateInput())

    def __init__(self, *args, contracts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].choices = [("", _("All contracts")), *[
            (str(contract.public_id), contract.choice_label) for contract in contracts]]

    def clean(self):
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and end < start:
            self.add_error("period_to", _("The end must come after the start."))
        return data


class PayrollUploadForm(IdempotentForm):
    file = forms.FileField(label=_("Payroll file (CSV)"),
                           help_text=_("At most 5,000 lines. The first row names the columns."))
    encoding = forms.ChoiceField(label=_("Encoding"), initial=ImportJob.Encoding.UTF8,
                                 choices=ImportJob.Encoding.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".csv,text/csv"


class ReverseForm(IdempotentForm):
    reason = forms.CharField(label=_("Why is this contribution reversed?"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Recorded on the ledger with your name."))
