from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts")

    def ready(self):
        # The overlapping-contract rule joins the workers app's eligibility registry; workers
        # placed in an office's regions join what its staff see; employers name workers they had;
        # the staff home shows overdue returns and the on-time return rate; the contract and returns
        # lists join twp's list exports.
        from contracts import eligibility, exports, generator, panels, scopes  # noqa: F401
