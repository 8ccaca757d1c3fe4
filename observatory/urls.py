"""The public Observatory's pages, under /observatory/."""

from django.urls import path

from observatory import views

urlpatterns = [
    path("", views.ObservatoryView.as_view(), name="observatory"),
    path("<slug:name>/", views.StatsTablePageView.as_view(), name="observatory-table"),
]
