from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = _("Certification")

    def ready(self):
        # The certificate rule joins the workers app's eligibility registry, the certificates panel
        # its worker page, certificates its data generator; attendance lists join twp's imports.
        from certification import eligibility, generator, importers, panels  # noqa: F401
