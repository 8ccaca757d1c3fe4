from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SavingsConfig(AppConfig):
    name = "savings"
    verbose_name = _("Savings")

    def ready(self):
        # A confirmed return releases the money held against the contract (its transfer chain); the
        # savings panels join the staff home and the worker's page; the payout list joins the exports.
        from contracts.returns import RETURN_CONFIRMED_HANDLERS
        from savings import exports, panels  # noqa: F401
        from savings.ledger import savings_release_on_return

        if savings_release_on_return not in RETURN_CONFIRMED_HANDLERS:
            RETURN_CONFIRMED_HANDLERS.append(savings_release_on_return)
