"""The contracts app's REST resources: candidates and allocation on a request, contracts,
evaluations, absences, expected returns, the employers' indicators."""

from django.urls import path

from contracts.api import absence_views, evaluation_views, indicator_views, return_views, views
from twp.api.router import router

router.register("contracts", views.ContractViewSet, basename="contract")
router.register("evaluations", evaluation_views.EvaluationViewSet, basename="evaluation")
router.register("absences", absence_views.AbsenceViewSet, basename="absence")
router.register("returns", return_views.ReturnViewSet, basename="return")

urlpatterns = [
    path("requests/<uuid:request_id>/candidates/", views.CandidatesView.as_view(), name="request-candidates"),
    path("requests/<uuid:request_id>/allocate/", views.AllocateView.as_view(), name="request-allocate"),
    path("employers/indicators/", indicator_views.EmployerIndicatorsView.as_view(), name="employer-indicators-api"),
]
