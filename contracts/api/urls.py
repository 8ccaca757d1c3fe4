"""The contracts app's REST resources: candidates and allocation on a request, contracts,
evaluations."""

from django.urls import path

from contracts.api import evaluation_views, views
from twp.api.router import router

router.register("contracts", views.ContractViewSet, basename="contract")
router.register("evaluations", evaluation_views.EvaluationViewSet, basename="evaluation")

urlpatterns = [
    path("requests/<uuid:request_id>/candidates/", views.CandidatesView.as_view(), name="request-candidates"),
    path("requests/<uuid:request_id>/allocate/", views.AllocateView.as_view(), name="request-allocate"),
]
