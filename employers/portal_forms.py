"""Forms of the employer portal. They parse what people type; the rules are in the models and in
``employers.services`` / ``employers.worker_requests``, whose errors the views put back on the
field concerned."""

from django import forms
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from certification.models import Scheme
from employers.models import Employer, Worksite
from employers.validators import normalize_business_number
from twp.models import Language, Program
from twp.regions import DESTINATION_REGIONS
from workers.models import Occupation

# The languages an employer may require of its workers (ISO 639-1 codes, as workers record them).
REQUIRED_LANGUAGE_CHOICES = [("en", _("English")), ("fr", _("French")), ("es", _("Spanish"))]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def region_choices(country: str | None) -> list[tuple[str, str]]:
    """The provinces or states of one destination country (all of them if none is chosen yet)."""
    prefix = f"{country}-" if country else ""
    return [("", "---------")] + [(code, name) for code, name in DESTINATION_REGIONS if code.startswith(prefix)]


def _country_of(form, field="country", default="CA") -> str:
    value = form.data.get(form.add_prefix(field)) if form.is_bound else form.initial.get(field)
    return value if value in Employer.Country.values else default


class EmployerSignUpForm(forms.ModelForm):
    """The employer part of the sign-up: who the business is and how to reach it. The model's own
    validation (business number, region in the country, one registration per business number)
    runs here so each message lands on its field."""

    class Meta:
        model = Employer
        fields = ["legal_name", "country", "region", "business_number", "sector", "contact_name",
                  "contact_email", "contact_phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("region", "sector", "contact_name", "contact_email"):
            self.fields[name].required = True
        self.fields["region"].choices = region_choices(_country_of(self))
        self.fields["country"].widget.attrs.update({
            # The province/state lists follow the country (employers.portal_views.sign_up_regions).
            "hx-get": reverse("employer-sign-up-regions"), "hx-trigger": "change", "hx-swap": "none",
        })
        self.fields["legal_name"].widget.attrs["autocomplete"] = "organization"
        self.fields["contact_name"].widget.attrs["autocomplete"] = "name"
        self.fields["contact_email"].widget.attrs["autocomplete"] = "email"
        self.fields["contact_phone"].widget.attrs.update({"autocomplete": "tel", "type": "tel"})

    def clean_business_number(self):
        return normalize_business_number(self.data.get("country", ""), self.cleaned_data["business_number"])


class WorksiteForm(forms.ModelForm):
    """A worksite: where the workers work and live, and the inspection of their housing."""

    class Meta:
        model = Worksite
        fields = ["name", "address", "city", "region", "postal_code", "housing_capacity", "housing_inspected_on",
                  "housing_inspection_result", "housing_valid_until"]
        widgets = {"housing_inspected_on": DateInput(), "housing_valid_until": DateInput()}

    def __init__(self, *args, country: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(country)
        self.fields["housing_inspection_result"].help_text = _(
            "A request needs housing whose inspection passed and is valid on its start date.")
        self.fields["address"].widget.attrs["autocomplete"] = "street-address"
        self.fields["postal_code"].widget.attrs["autocomplete"] = "postal-code"


class SignUpWorksiteForm(WorksiteForm):
    """The first worksite, inside the sign-up form (its fields carry the prefix ``site``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="site", **kwargs)


class AccountForm(forms.Form):
    """A person's own account: the first user at sign-up, or a colleague accepting an invitation."""

    username = forms.RegexField(
        label=_("Username"), max_length=150, regex=r"^[\w.@+-]+\Z",
        help_text=_("Letters, digits and . @ + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password1 = forms.CharField(label=_("Password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=_("At least 12 characters; not a common password."))
    password2 = forms.CharField(label=_("Password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices,
                                           help_text=_("The language of the e-mails we send you."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].initial = (get_language() or "es")[:2]

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ: type the same password twice."))
        return data


class SignUpAccountForm(AccountForm):
    email = forms.EmailField(label=_("Your e-mail"), help_text=_("We send a link to confirm it."),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    field_order = ["username", "email", "password1", "password2", "preferred_language"]


class WorkerRequestForm(forms.Form):
    """The terms of a draft request. Whether they fit the program's rules is decided by
    ``employers.worker_requests.request_errors``."""

    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.none())
    worksite = forms.ModelChoiceField(label=_("Worksite"), queryset=Worksite.objects.none())
    occupation = forms.ModelChoiceField(label=_("Occupation"), queryset=Occupation.objects.none())
    workers_requested = forms.IntegerField(label=_("Number of workers"), min_value=1, max_value=500)
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    end_date = forms.DateField(label=_("End date"), widget=DateInput(),
                               help_text=_("The first day no longer worked."))
    wage_amount = forms.DecimalField(label=_("Hourly wage"), min_value=0, max_digits=8, decimal_places=2,
                                     widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))
    hours_per_week = forms.IntegerField(label=_("Hours per week"), min_value=1, max_value=84)
    required_schemes = forms.ModelMultipleChoiceField(
        label=_("Required certifications"), queryset=Scheme.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    required_languages = forms.MultipleChoiceField(
        label=_("Required languages"), choices=REQUIRED_LANGUAGE_CHOICES, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    labour_market_reference = forms.CharField(
        label=_("Labour-market approval"), max_length=40, required=False,
        help_text=_("The LMIA number (Canada) or the DOL case number (United States). "
                    "You may add it later; it is needed to submit."),
    )
    no_substitutes = forms.BooleanField(
        label=_("No substitutes: only the named workers, nobody else in their place"), required=False,
    )
    notes = forms.CharField(label=_("Notes for the office"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, employer: Employer, user, **kwargs):
        super().__init__(*args, **kwargs)
        programs = list(Program.objects.visible_to(user).active().filter(destination_country=employer.country))
        self.fields["program"].queryset = Program.objects.filter(pk__in=[program.pk for program in programs])
        self.fields["program"].label_from_instance = lambda program: f"{program.name} ({program.currency})"
        if len(programs) == 1:
            self.fields["program"].initial = programs[0].pk
        currencies = sorted({program.currency for program in programs})
        if len(currencies) == 1:
            self.fields["wage_amount"].label = _("Hourly wage (%(currency)s)") % {"currency": currencies[0]}
        self.fields["wage_amount"].help_text = _("In the program's currency, shown next to its name.")
        worksites = Worksite.objects.visible_to(user).filter(employer=employer)
        self.fields["worksite"].queryset = worksites
        sites = list(worksites[:2])
        if len(sites) == 1:
            self.fields["worksite"].initial = sites[0].pk
        self.fields["worksite"].label_from_instance = lambda site: f"{site.name} — {site.city}"
        english = (get_language() or "es").startswith("en")
        self.fields["occupation"].queryset = Occupation.objects.order_by("name_en" if english else "name_es")
        self.fields["required_schemes"].queryset = Scheme.objects.active().order_by(
            "name_en" if english else "name_es")

    def clean_labour_market_reference(self):
        return self.cleaned_data["labour_market_reference"].strip().upper()

    def terms(self) -> dict:
        """The cleaned terms as the services take them."""
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data.pop("required_schemes", None)
        data["wage_currency"] = data["program"].currency
        return data

    @classmethod
    def initial_from(cls, request) -> dict:
        return {
            "program": request.program_id, "worksite": request.worksite_id, "occupation": request.occupation_id,
            "workers_requested": request.workers_requested, "start_date": request.start_date,
            "end_date": request.end_date, "wage_amount": request.wage_amount,
            "hours_per_week": request.hours_per_week,
            "required_schemes": list(request.required_schemes.values_list("pk", flat=True)),
            "required_languages": request.required_languages,
            "labour_market_reference": request.labour_market_reference,
            "no_substitutes": request.no_substitutes, "notes": request.notes, "version": request.version,
        }


class AmendForm(forms.Form):
    """What an approved request may change; the change goes back to the consulate's review."""

    workers_requested = forms.IntegerField(label=_("Number of workers"), min_value=1, max_value=500)
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    end_date = forms.DateField(label=_("End date"), widget=DateInput(),
                               help_text=_("The first day no longer worked."))
    reason = forms.CharField(label=_("Why the change"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The consulate reads it when it reviews the change."))
    version = forms.IntegerField(widget=forms.HiddenInput)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Your colleague's e-mail"),
                             widget=forms.EmailInput(attrs={"autocomplete": "off"}))
