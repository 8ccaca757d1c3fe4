from django import forms
from django.utils.translation import gettext_lazy as _

from employers.models import Employer
from twp.models import Office, ServiceScope
from twp.services import MAX_TOKEN_DAYS


class ServiceAccountForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        help_text=_("Letters, digits and . @ + - _ only, e.g. payroll.demo-farms."),
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=ServiceScope.choices)
    office = forms.ModelChoiceField(
        label=_("Office"), queryset=Office.objects.order_by("name"), required=False,
        help_text=_("Only for the office scope."),
    )
    employer = forms.ModelChoiceField(
        label=_("Employer"), queryset=Employer.objects.order_by("legal_name"), required=False,
        help_text=_("Only for the employer scope."),
    )
    email = forms.EmailField(label=_("Contact e-mail"), required=False)


class TokenIssueForm(forms.Form):
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        initial=90,
        help_text=_("Between 1 and %(days)s days.") % {"days": MAX_TOKEN_DAYS},
    )
