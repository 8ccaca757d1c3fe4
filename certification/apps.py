from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = _("Certification")

    def ready(self):
        # The certificate rule joins the workers app's eligibility registry, and the certificates
        # panel its worker page.
        from certification import eligibility, panels  # noqa: F401
