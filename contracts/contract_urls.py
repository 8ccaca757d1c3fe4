"""Contract pages for staff and employers (``contracts.contract_pages``)."""

from django.urls import path

from contracts import contract_pages as views

urlpatterns = [
    path("", views.ContractListView.as_view(), name="contract-list"),
    path("<uuid:public_id>/", views.ContractDetailView.as_view(), name="contract-detail"),
    path("<uuid:public_id>/document/", views.ContractDocumentView.as_view(), name="contract-document"),
    path("<uuid:public_id>/<slug:action>/", views.ContractActionView.as_view(), name="contract-action"),
]
