"""The savings app's REST resources: accounts and their ledger, contributions, and the savings
rate of a contract (routed under ``contracts/{id}/``: savings may read contracts, not the reverse)."""

from django.urls import path

from savings.api import payout_views, views
from twp.api.router import router

router.register("savings/accounts", views.AccountViewSet, basename="savings-account")
router.register("savings/contributions", views.ContributionViewSet, basename="savings-contribution")
router.register("savings/payouts", payout_views.PayoutViewSet, basename="savings-payout")
router.register("savings/unclaimed", payout_views.UnclaimedViewSet, basename="savings-unclaimed")
router.register("savings/releases", payout_views.HeldReleaseViewSet, basename="savings-release")

urlpatterns = [
    path("contracts/<uuid:id>/savings-rate/", views.ContractSavingsRateView.as_view(), name="contract-savings-rate"),
]
