from django.urls import path

from workers import views

urlpatterns = [
    path("", views.WorkerListView.as_view(), name="worker-list"),
    path("new/", views.WorkerCreateView.as_view(), name="worker-create"),
    path("<uuid:public_id>/", views.WorkerDetailView.as_view(), name="worker-detail"),
    path("<uuid:public_id>/edit/", views.WorkerUpdateView.as_view(), name="worker-update"),
    path("<uuid:public_id>/status/", views.worker_change_status, name="worker-change-status"),
    path("<uuid:public_id>/documents/new/", views.DocumentCreateView.as_view(), name="document-create"),
    path("<uuid:public_id>/documents/<uuid:document_id>/verify/", views.document_verify, name="document-verify"),
    path("<uuid:public_id>/documents/<uuid:document_id>/file/", views.document_file, name="document-file"),
]
