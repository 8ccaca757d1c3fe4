"""The staff dashboard, under /staff/observatory/."""

from django.urls import path

from observatory import staff_views

urlpatterns = [
    path("", staff_views.DashboardView.as_view(), name="staff-dashboard"),
]
