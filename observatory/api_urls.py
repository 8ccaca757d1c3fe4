"""The public Observatory over REST, under /api/v1/stats/."""

from django.urls import path

from observatory import api

urlpatterns = [
    path("stats/", api.StatsRootView.as_view(), name="stats-root"),
    path("stats/<slug:name>/", api.StatsTableView.as_view(), name="stats-table"),
]
