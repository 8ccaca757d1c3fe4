from django.urls import path

from contracts import season_views

urlpatterns = [
    path("", season_views.SeasonAllocationView.as_view(), name="season-allocation"),
    path("<uuid:public_id>/", season_views.SeasonRunView.as_view(), name="season-run"),
    path("<uuid:public_id>/progress/", season_views.SeasonRunProgressView.as_view(), name="season-run-progress"),
]
