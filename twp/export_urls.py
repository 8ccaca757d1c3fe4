from django.urls import path

from twp import export_views as views

urlpatterns = [
    path("<uuid:public_id>/", views.ExportDetailView.as_view(), name="export-detail"),
    path("<uuid:public_id>/progress/", views.ExportProgressView.as_view(), name="export-progress"),
    path("<uuid:public_id>/download/", views.ExportDownloadView.as_view(), name="export-download"),
    path("<slug:kind>/", views.ExportView.as_view(), name="export-list"),
]
