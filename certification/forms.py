from django import forms
from django.utils.translation import gettext_lazy as _

from certification.models import Scheme, TrainingSession
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


class TrainingSessionForm(forms.ModelForm):
    scheme = forms.ModelChoiceField(label=_("Scheme"), queryset=Scheme.objects.active())

    class Meta:
        model = TrainingSession
        fields = ["scheme", "place", "starts_on", "ends_on", "trainer"]
        widgets = {"starts_on": DateInput(format="%Y-%m-%d"), "ends_on": DateInput(format="%Y-%m-%d")}

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("A session cannot end before it starts."))
        return data


class AttendanceForm(forms.Form):
    curp = forms.CharField(label=_("Worker's CURP"), max_length=24)
    completed = forms.BooleanField(label=_("Completed the session"), required=False)
    score = forms.DecimalField(label=_("Score (0–100)"), min_value=0, max_value=100, decimal_places=2,
                               required=False)
