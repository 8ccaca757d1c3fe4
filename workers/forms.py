from django import forms
from django.utils.translation import gettext_lazy as _

from twp.models import Program
from workers.models import Document, DocumentKind, Occupation, Worker
from workers.services import EDITABLE_FIELDS
from workers.validators import normalize_curp


class DateInput(forms.DateInput):
    input_type = "date"


class WorkerForm(forms.ModelForm):
    """Register or edit a worker. The model's rules (CURP, NSS, agreement of birth date and sex with
    the CURP) run in the form's validation, with the message on the field concerned."""

    occupations = forms.ModelMultipleChoiceField(
        label=_("Occupations"), queryset=Occupation.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Worker
        fields = ["curp", *EDITABLE_FIELDS, "occupations"]
        widgets = {"birth_date": DateInput(format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A CURP is corrected by its own recorded action, never edited in place.
            self.fields["curp"].disabled = True
            self.fields["version"].initial = self.instance.version
        self.fields["curp"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false",
                                                 "autocapitalize": "characters"})

    def clean_curp(self):
        return normalize_curp(self.cleaned_data["curp"])


class WorkerSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or CURP"), max_length=100, required=False)


class DocumentForm(forms.ModelForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)

    class Meta:
        model = Document
        fields = ["kind", "number", "issued_on", "expires_on", "file", "notes"]
        widgets = {"issued_on": DateInput(format="%Y-%m-%d"), "expires_on": DateInput(format="%Y-%m-%d")}

    def __init__(self, *args, worker=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.worker = worker
        self.fields["file"].widget.attrs["accept"] = "application/pdf,image/jpeg,image/png"
        self.fields["file"].help_text = _("PDF, JPEG or PNG, at most 10 MB.")


class EligibilityForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.active())
    start = forms.DateField(label=_("Contract start"), widget=DateInput)
    end = forms.DateField(label=_("Contract end"), widget=DateInput)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The end must come after the start."))
        return data
