from django import forms
from django.utils.translation import gettext_lazy as _

from twp.imports import importers, kind_choices
from twp.models import ImportJob


class ImportUploadForm(forms.Form):
    """The upload page: what the file contains, the file, its encoding, and each kind's options."""

    kind = forms.ChoiceField(label=_("The file contains"), choices=kind_choices)
    file = forms.FileField(label=_("CSV or XLSX file"),
                           help_text=_("Up to 50,000 rows and 20 MB. The first row names the columns."))
    encoding = forms.ChoiceField(label=_("Encoding (CSV only)"), choices=ImportJob.Encoding.choices,
                                 initial=ImportJob.Encoding.UTF8)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for importer in importers():
            self.fields.update(importer.option_fields(user))
