from django import forms
from django.utils.translation import gettext_lazy as _

from certification.models import Scheme
from workers.forms import DateInput


class CertificateIssueForm(forms.Form):
    scheme = forms.ModelChoiceField(label=_("Scheme"), queryset=Scheme.objects.active())
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput)
    score = forms.DecimalField(label=_("Score (0–100)"), min_value=0, max_value=100, decimal_places=2,
                               required=False)


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revoking"), max_length=300)


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=32)
