"""Forms of the staff review pages: the queues' filters, the reason of a decision, a named worker
added by CURP. They parse input only; the rules are in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from employers.models import Employer, RequestStatus
from twp.models import Program
from twp.regions import DESTINATION_REGIONS
from workers.models import Occupation


class EmployerFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", "---------"), *Employer.Status.choices],
                               required=False)
    region = forms.ChoiceField(label=_("Province/state"), choices=[("", "---------"), *DESTINATION_REGIONS],
                               required=False)
    search = forms.CharField(label=_("Legal name"), max_length=100, required=False)


class RequestFilterForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.all(), required=False)
    region = forms.ChoiceField(label=_("Province/state"), choices=[("", "---------"), *DESTINATION_REGIONS],
                               required=False)
    occupation = forms.ModelChoiceField(label=_("Occupation"), queryset=Occupation.objects.all(),
                                        to_field_name="code", required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[("", "---------"), *RequestStatus.choices],
                               required=False)
    season = forms.IntegerField(label=_("Season"), min_value=2000, max_value=2100, required=False)


class DecisionForm(forms.Form):
    """The confirmation of a decision on an employer or a request: its reason (required to
    reject or suspend: the employer reads it) and the version the decision was based on."""

    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # Never required here: the service refuses a missing reason with its own message.
        self.fields["reason"].label = (_("Reason (required: the employer will read it)") if reason_required
                                       else _("Note (optional)"))


class NamedWorkerForm(forms.Form):
    """A worker named by staff on a request, by CURP: POSTed, so the CURP never travels in a URL."""

    curp = forms.CharField(label=_("Worker's CURP"), max_length=24)
