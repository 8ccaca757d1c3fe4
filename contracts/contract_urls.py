"""Contract pages for staff and employers (``contracts.contract_pages``)."""

from django.urls import path

from contracts import contract_pages as views

urlpatterns = [
    path("", views.ContractListView.as_view(), name="contract-list"),
    path("absences/employers/", views.AbsenceEmployersView.as_view(), name="absence-employers"),
    path("<uuid:public_id>/", views.ContractDetailView.as_view(), name="contract-detail"),
    path("<uuid:public_id>/document/", views.ContractDocumentView.as_view(), name="contract-document"),
    path("<uuid:public_id>/report-absence/", views.ReportAbsenceView.as_view(), name="contract-report-absence"),
    path("<uuid:public_id>/absences/<uuid:absence_id>/<slug:action>/", views.AbsenceActionView.as_view(),
         name="contract-absence-action"),
    path("<uuid:public_id>/evaluations/<uuid:evaluation_id>/<slug:action>/", views.EvaluationActionView.as_view(),
         name="contract-evaluation-action"),
    path("<uuid:public_id>/evaluate/<slug:direction>/", views.RecordEvaluationView.as_view(),
         name="contract-evaluate"),
    path("<uuid:public_id>/<slug:action>/", views.ContractActionView.as_view(), name="contract-action"),
]
