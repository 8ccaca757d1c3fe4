"""Return pages for staff (``contracts.return_pages``)."""

from django.urls import path

from contracts import return_pages as views

urlpatterns = [
    path("", views.ReturnListView.as_view(), name="return-list"),
    path("check-in/", views.CheckInView.as_view(), name="return-check-in"),
]
