"""Staff pages of selection and allocation, under /review/ next to the request they belong to;
the employers' indicators next to the employer pages."""

from django.urls import path

from contracts import indicator_pages, views

urlpatterns = [
    path("requests/<uuid:public_id>/candidates/", views.CandidatesView.as_view(), name="review-request-candidates"),
    path("requests/<uuid:public_id>/candidates/allocate/", views.AllocateView.as_view(),
         name="review-request-allocate"),
    path("employers/indicators/", indicator_pages.IndicatorListView.as_view(), name="employer-indicators"),
    path("employers/<uuid:public_id>/indicators/", indicator_pages.IndicatorHistoryView.as_view(),
         name="employer-indicator-history"),
]
