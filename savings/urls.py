"""Savings pages (``savings.pages``), under /savings/."""

from django.urls import path

from savings.pages import accounts, contributions, payouts

urlpatterns = [
    path("accounts/", accounts.AccountListView.as_view(), name="savings-account-list"),
    path("accounts/<uuid:public_id>/", accounts.AccountDetailView.as_view(), name="savings-account-detail"),
    path("accounts/<uuid:public_id>/statement/", payouts.StatementView.as_view(), name="savings-statement"),
    path("accounts/<uuid:public_id>/payouts/new/", payouts.PayoutRequestView.as_view(),
         name="savings-payout-create"),
    path("payouts/", payouts.PayoutListView.as_view(), name="savings-payout-list"),
    path("payouts/<uuid:public_id>/", payouts.PayoutDetailView.as_view(), name="savings-payout-detail"),
    path("payouts/<uuid:public_id>/receipt.pdf", payouts.PayoutReceiptView.as_view(), name="savings-payout-receipt"),
    path("payouts/<uuid:public_id>/<slug:action>/", payouts.PayoutActionView.as_view(),
         name="savings-payout-action"),
    path("unclaimed/", payouts.UnclaimedView.as_view(), name="savings-unclaimed"),
    path("contracts/<uuid:public_id>/release/", payouts.ReleaseView.as_view(), name="savings-release"),
    path("contributions/", contributions.ContributionListView.as_view(), name="savings-contribution-list"),
    path("contributions/flagged/", contributions.FlaggedListView.as_view(), name="savings-flagged-list"),
    path("contributions/new/", contributions.ContributionPostView.as_view(), name="savings-contribution-create"),
    path("contributions/new/expected/", contributions.ExpectedDeductionView.as_view(),
         name="savings-contribution-expected"),
    path("contributions/upload/", contributions.PayrollUploadView.as_view(), name="savings-payroll-upload"),
    path("contributions/template.csv", contributions.PayrollTemplateView.as_view(), name="savings-payroll-template"),
    path("contributions/<uuid:public_id>/", contributions.ContributionDetailView.as_view(),
         name="savings-contribution-detail"),
    path("contributions/<uuid:public_id>/reverse/", contributions.ContributionReverseView.as_view(),
         name="savings-contribution-reverse"),
]
