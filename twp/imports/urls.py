from django.urls import path

from twp.imports import views

urlpatterns = [
    path("", views.ImportUploadView.as_view(), name="import-upload"),
    path("<uuid:public_id>/", views.ImportDetailView.as_view(), name="import-detail"),
    path("<uuid:public_id>/progress/", views.ImportProgressView.as_view(), name="import-progress"),
    path("<uuid:public_id>/report.csv", views.ImportReportView.as_view(), name="import-report"),
]
