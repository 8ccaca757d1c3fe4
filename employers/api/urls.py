"""The employers app's REST resources: employers, their worksites, worker requests."""

from django.urls import path

from employers.api import views
from twp.api.router import router

router.register("employers", views.EmployerViewSet, basename="employer")
router.register("requests", views.WorkerRequestViewSet, basename="worker-request")

worksites = views.WorksiteViewSet
named_workers = views.NamedWorkerViewSet
urlpatterns = [
    path("employers/<uuid:employer_id>/worksites/", worksites.as_view({"get": "list", "post": "create"}),
         name="employer-worksite-list"),
    path("employers/<uuid:employer_id>/worksites/<uuid:id>/",
         worksites.as_view({"get": "retrieve", "patch": "partial_update"}), name="employer-worksite-detail"),
    path("requests/<uuid:request_id>/named-workers/", named_workers.as_view({"get": "list", "post": "create"}),
         name="request-named-worker-list"),
    path("requests/<uuid:request_id>/named-workers/<uuid:worker_id>/", named_workers.as_view({"delete": "destroy"}),
         name="request-named-worker-detail"),
    path("requests/<uuid:request_id>/timeline/", views.RequestTimelineViewSet.as_view({"get": "list"}),
         name="request-timeline"),
]
