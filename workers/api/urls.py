from django.urls import path

from twp.api.router import router
from workers.api import views

router.register("workers", views.WorkerViewSet, basename="worker")

documents = views.DocumentViewSet
urlpatterns = [
    path("workers/<uuid:worker_id>/documents/", documents.as_view({"get": "list", "post": "create"}),
         name="worker-document-list"),
    path("workers/<uuid:worker_id>/documents/<uuid:id>/", documents.as_view({"get": "retrieve"}),
         name="worker-document-detail"),
    path("workers/<uuid:worker_id>/documents/<uuid:id>/verify/", documents.as_view({"post": "verify"}),
         name="worker-document-verify"),
    path("workers/<uuid:worker_id>/documents/<uuid:id>/file/", documents.as_view({"get": "file"}),
         name="worker-document-file"),
]
