from django import forms
from django.utils.translation import gettext_lazy as _


class SecondFactorForm(forms.Form):
    otp = forms.CharField(
        label=_("6-digit code"),
        max_length=8,
        help_text=_("The code your authenticator app shows now."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
