from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TwpConfig(AppConfig):
    name = "twp"
    verbose_name = _("Temporary Worker Program")

    def ready(self):
        from twp import security, signals  # noqa: F401  (connects the sign-in receivers)

        security.install_log_record_masking()
