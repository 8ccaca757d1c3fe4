from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TwpConfig(AppConfig):
    name = "twp"
    verbose_name = _("Temporary Worker Program")
